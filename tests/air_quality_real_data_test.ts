/**
 * The real responses in ../shared/data/airqino/ (two fetches three days apart) served by the
 * stub and loaded by the ETL; daily means recomputed here, independently, from the JSON.
 */
import assert from "node:assert/strict";
import { createTestDatabase } from "./helpers/database.ts";
import { jsonResponse, serveAirqino } from "./helpers/airqino_api.ts";
import { runAirQualityEtl } from "../ingest/airqino/etl.ts";
import { SHARED_DIR, SHARED_FETCHES, SHARED_STATIONS } from "../ingest/airqino/shared_files.ts";
import { beatsPersistence, evaluateSharedData } from "../ingest/airqino/evaluation.ts";

const present = await Deno.stat(SHARED_DIR).then(() => true, () => false);
if (!present) console.warn(`skipping AirQino real-data tests: ${SHARED_DIR} not found`);

// The files hold only the `data` array; the header is the one the format doc quotes.
const HEADERS: Record<string, string> = {
  "283164601":
    '{"station_name": "SMART188", "station_lat": 5.369297504425049, "station_lon": -3.958930253982544}',
  "283181971": '{"station_name": "SMART189", "station_lat": 5.3356813, "station_lon": -3.9782132}',
};
// Just after each fetch's last (still-filling) hour.
const FETCH_TIMES = [new Date("2023-12-06T16:30:00Z"), new Date("2023-12-10T00:30:00Z")];

type Row = Record<string, number | string>;

/** Both fetches merged by timestamp, the newer winning: what the upserts should leave. */
async function expectedRows(file: string): Promise<Map<string, Row>> {
  const merged = new Map<string, Row>();
  for (const fetch of SHARED_FETCHES) {
    const rows: Row[] = JSON.parse(await Deno.readTextFile(`${SHARED_DIR}/${fetch}/${file}`));
    for (const row of rows) merged.set(row.timestamp as string, row);
  }
  return merged;
}

function dailyMeans(rows: Map<string, Row>, key: string) {
  const days = new Map<string, number[]>();
  for (const row of rows.values()) {
    if (typeof row[key] !== "number") continue;
    const day = (row.timestamp as string).slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), row[key] as number]);
  }
  return new Map(
    [...days].map((
      [day, values],
    ) => [day, { mean: values.reduce((a, b) => a + b, 0) / values.length, hours: values.length }]),
  );
}

for (const station of SHARED_STATIONS) {
  Deno.test({
    name:
      `the ETL loads both real fetches of ${station.name} and its daily means match ones computed from the JSON`,
    ignore: !present,
    fn: async () => {
      await using db = await createTestDatabase();
      let fetch = 0;
      await using api = serveAirqino(async () => {
        const data = await Deno.readTextFile(
          `${SHARED_DIR}/${SHARED_FETCHES[fetch]}/${station.file}`,
        );
        return jsonResponse(`{"header": ${HEADERS[station.id]}, "data": ${data}}`);
      });
      for (; fetch < SHARED_FETCHES.length; fetch++) {
        const [outcome] = await runAirQualityEtl(db.sql, {
          baseUrl: api.url,
          stations: [station.id],
          retries: 0,
          now: () => FETCH_TIMES[fetch],
          log: () => {},
        });
        assert.equal(outcome.status, "ok", outcome.error);
      }

      const expected = await expectedRows(station.file);
      const [{ count }] = await db.sql`
        select count(*)::int from airqino_hourly where station_id = ${station.id}`;
      assert.equal(count, expected.size);
      assert.equal(count, station.name === "SMART188" ? 8213 : 8109);
      // Fetch A's last hour was still filling; fetch B's value replaced it.
      const [last] = await db.sql`
        select raw from airqino_hourly
        where station_id = ${station.id} and hour_start = '2023-12-06T16:00:00Z'`;
      assert.deepEqual(last.raw, expected.get("2023-12-06 16:00:00"));

      for (const [parameter, key] of [["pm25", "PM2.5"], ["co", "CO"], ["rh", "RH"]]) {
        const mine = await db.sql`
          select to_char(day, 'YYYY-MM-DD') as day, mean, hours, valid from airqino_daily
          where station_id = ${station.id} and parameter = ${parameter}`;
        const theirs = dailyMeans(expected, key);
        assert.equal(mine.length, theirs.size, parameter);
        for (const row of mine) {
          const day = theirs.get(row.day)!;
          assert.ok(Math.abs(row.mean - day.mean) < 1e-9, `${parameter} ${row.day}`);
          assert.deepEqual([row.hours, row.valid], [day.hours, day.hours >= 18]);
        }
      }
      // The ETL's forecast: ridge from fetch B's last complete hour, scored on 60 days.
      const forecasts = await db.sql`
        select parameter, horizon_hours, method, backtest_n, backtest_mae, persistence_mae
        from airqino_forecasts
        where station_id = ${station.id} and base_hour = '2023-12-09T23:00:00Z'`;
      assert.equal(forecasts.length, 4);
      for (const row of forecasts) {
        assert.equal(row.method, "ridge");
        assert.ok(row.backtest_n > 1400);
        assert.ok(
          row.backtest_mae < row.persistence_mae,
          `${row.parameter} +${row.horizon_hours} h`,
        );
      }
      const [partial] = await db.sql`
        select hours, valid from airqino_daily
        where station_id = ${station.id} and day = '2023-01-20' and parameter = 'pm25'`;
      assert.equal(partial.valid, false, "2023-01-20 starts a 10-day outage");
      assert.ok(partial.hours < 18);
    },
  });
}

Deno.test({
  name: "a third-party export of fetch A's daily means agrees with ours on the first days",
  ignore: !present,
  fn: async () => {
    const csv = await Deno.readTextFile(
      `${SHARED_DIR}/reference-exports/degbun+projet_etl_data354_degbun_josue/airflow.station1.csv`,
    );
    const reference = new Map(
      csv.trim().split("\n").slice(1).map((line) => {
        const [, day, co, pm25] = line.split(",");
        return [day, { co: Number(co), pm25: Number(pm25) }];
      }),
    );
    const rows: Row[] = JSON.parse(
      await Deno.readTextFile(`${SHARED_DIR}/${SHARED_FETCHES[0]}/station1_data.json`),
    );
    const byTimestamp = new Map(rows.map((row) => [row.timestamp as string, row]));
    const co = dailyMeans(byTimestamp, "CO");
    const pm25 = dailyMeans(byTimestamp, "PM2.5");
    for (const day of ["2022-12-07", "2022-12-08", "2023-06-15"]) {
      assert.ok(Math.abs(co.get(day)!.mean - reference.get(day)!.co) < 1e-8, day);
      assert.ok(Math.abs(pm25.get(day)!.mean - reference.get(day)!.pm25) < 1e-8, day);
    }
  },
});

Deno.test({
  name: "on the real data the forecast beats persistence on PM2.5 at 2 h for both stations",
  ignore: !present,
  fn: async () => {
    const rows = await evaluateSharedData(SHARED_DIR);
    const pm25 = rows.filter((row) => row.parameter === "pm25" && row.horizon === 2);
    assert.equal(pm25.length, 2);
    for (const row of pm25) {
      assert.ok(row.n > 7000, row.station);
      assert.ok(beatsPersistence(row), row.station);
    }
  },
});
