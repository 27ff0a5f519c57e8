/**
 * Migration 0006 moves AirQino's per-station run history (`airqino_runs`) into the run log:
 * one run per ETL run, one item per station, and GET /api/air-quality/stations' last runs
 * exactly as they were read from the old table.
 */
import assert from "node:assert/strict";
import { listStations } from "../db/air_quality.ts";
import { createSql } from "../db/client.ts";
import { quoteIdentifier, readMigrations } from "../db/migrate.ts";
import { listRuns } from "../db/run_log.ts";
import { createTestDatabase } from "./helpers/database.ts";

Deno.test("migration 0006 turns airqino_runs into runs of the run log and keeps every station's last run", async () => {
  await using db = await createTestDatabase();
  const schema = `${db.schema}_0005`;
  await db.sql.unsafe(`create schema ${quoteIdentifier(schema)}`);
  const sql = createSql(db.url, { schema, max: 1 });
  try {
    const migrations = await readMigrations();
    const before = migrations.filter((migration) => migration.version < "0006");
    for (const migration of before) await sql.unsafe(migration.sql);
    await sql`
      insert into airqino_stations (station_id, header, fetched_at)
      values (1, '{}', now()), (2, '{}', now())`;
    // Two hourly runs: station 3 (never stored) fails in the first, station 2 in both.
    await sql`
      insert into airqino_runs (station_id, started_at, finished_at, status, hours_received,
        hours_changed, days_changed, error)
      values
        (1, '2024-01-01 10:00:00Z', '2024-01-01 10:00:05Z', 'ok', 10, 10, 1, null),
        (2, '2024-01-01 10:00:05Z', '2024-01-01 10:00:07Z', 'failed', null, null, null, 'HTTP 401'),
        (3, '2024-01-01 10:00:07Z', '2024-01-01 10:00:08Z', 'failed', null, null, null, 'timeout'),
        (1, '2024-01-01 11:00:00Z', '2024-01-01 11:00:05.123Z', 'ok', 10, 0, 0, null),
        (2, '2024-01-01 11:00:05Z', '2024-01-01 11:00:06Z', 'failed', null, null, null, '503')`;
    const lastRuns = () =>
      sql`
        select station_id::text, finished_at, status, error from airqino_stations s
        cross join lateral (
          select finished_at, status, error from airqino_runs r
          where r.station_id = s.station_id order by started_at desc limit 1
        ) r
        order by station_id`;
    const expected = (await lastRuns()).map((row) => Object.values(row));

    const [migration0006] = migrations.filter((migration) => migration.version >= "0006");
    await sql.unsafe(migration0006.sql);

    assert.deepEqual(
      (await listStations(sql)).map((station) => [
        station.station_id,
        station.last_run_at,
        station.last_run_status,
        station.last_run_error,
      ]),
      expected,
    );
    const runs = (await listRuns(sql, "airqino")).reverse();
    assert.deepEqual(runs.map((run) => [run.outcome, run.rows_changed, run.error]), [
      ["failed", 10, "station 2: HTTP 401; station 3: timeout"],
      ["failed", 0, "station 2: 503"],
    ]);
    assert.deepEqual(runs[0].items[0], {
      name: "1",
      status: "ok",
      hoursReceived: 10,
      rowsChanged: 10,
      daysChanged: 1,
      finishedAt: "2024-01-01T10:00:05.000Z",
    });
    assert.deepEqual(runs[1].items.map((item) => item.name), ["1", "2"]);
  } finally {
    await sql.end();
    await db.sql.unsafe(`drop schema ${quoteIdentifier(schema)} cascade`);
  }
});
