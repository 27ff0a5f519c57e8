import assert from "node:assert/strict";
import { listStations } from "../db/air_quality.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import {
  apiBody,
  apiRow,
  HTML_ERROR_PAGE,
  jsonResponse,
  sampleHistory,
  sampleHourValues,
  serveAirqino,
} from "./helpers/airqino_api.ts";
import { airQualityJob, type EtlOptions, runAirQualityEtl } from "../ingest/airqino/etl.ts";
import { fixedToken } from "../ingest/airqino/auth.ts";
import { refreshForecast } from "../ingest/airqino/refresh_forecast.ts";
import { loadConfig } from "../config.ts";
import { sleep } from "../ingest/http.ts";
import { serveCutBodies } from "./helpers/cut_connection_stub.ts";

const STATION = "283164601";
const OTHER = "283181971";
const NOW = new Date("2023-12-10T00:20:00Z");

function options(url: string, overrides: Partial<EtlOptions> = {}) {
  const lines: string[] = [];
  return {
    lines,
    options: {
      baseUrl: url,
      stations: [STATION],
      timeoutMs: 2_000,
      retries: 0,
      now: () => NOW,
      log: (line: string) => lines.push(line),
      ...overrides,
    } satisfies EtlOptions,
  };
}

async function snapshot(db: TestDatabase) {
  const sql = db.sql;
  return {
    stations: await sql`select * from airqino_stations order by station_id`,
    hourly: await sql`select * from airqino_hourly order by station_id, hour_start`,
    daily: await sql`select * from airqino_daily order by station_id, day, parameter`,
    forecasts: await sql`select * from airqino_forecasts order by 1, 2, 3, 4`,
  };
}

async function daily(db: TestDatabase, day: string, parameter: string) {
  const [row] = await db.sql`
    select mean, min, max, hours, valid, provisional, nonpositive_hours from airqino_daily
    where station_id = ${STATION} and day = ${day} and parameter = ${parameter}`;
  return row;
}

Deno.test("the ETL stores every hourly value as returned and leaves omitted keys NULL", async () => {
  await using db = await createTestDatabase();
  await using api = serveAirqino(() => jsonResponse(apiBody(sampleHistory())));
  const { options: o, lines } = options(api.url);
  const [outcome] = await runAirQualityEtl(db.sql, o);
  assert.equal(outcome.status, "ok", outcome.error);
  assert.equal(outcome.hoursReceived, 42);
  assert.match(lines[0], /station 283164601 \(SMART188\): 42 hours received, 42 changed/);

  const [station] = await db.sql`select * from airqino_stations`;
  assert.equal(station.station_name, "SMART188");
  assert.equal(station.longitude, -3.958930253982544);
  const [hour3] = await db.sql`
    select * from airqino_hourly where hour_start = '2023-12-08T03:00:00Z'`;
  assert.equal(hour3.no2, null);
  assert.equal(hour3.o3, null);
  assert.equal(hour3.t_int, 303);
  assert.equal(hour3.fetched_at.getTime(), NOW.getTime());
  assert.deepEqual(Object.keys(hour3.raw).sort(), [
    "CO",
    "PM10",
    "PM2.5",
    "RH",
    "T",
    "T. int.",
    "timestamp",
  ]);
  const [negative] = await db.sql`
    select co from airqino_hourly where hour_start = '2023-12-08T20:00:00Z'`;
  assert.ok(Math.abs(negative.co - (0.6 - 0.05 * 20)) < 1e-12, "negative CO kept as is");
  const [{ count }] = await db.sql`select count(*)::int from airqino_hourly where rh is null`;
  assert.equal(count, 2 + 0, "RH is missing in exactly the two hours the API omitted it");
});

Deno.test("daily means average the hours present, count them and flag partial days", async () => {
  await using db = await createTestDatabase();
  await using api = serveAirqino(() => jsonResponse(apiBody(sampleHistory())));
  await runAirQualityEtl(db.sql, options(api.url).options);

  const hours = Array.from({ length: 24 }, (_, h) => sampleHourValues(h));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const co = hours.map((v) => v["CO"]!);
  const full = await daily(db, "2023-12-08", "co");
  assert.ok(Math.abs(full.mean - mean(co)) < 1e-12);
  assert.equal(full.hours, 24);
  assert.equal(full.valid, true);
  assert.equal(full.provisional, false);
  assert.equal(full.nonpositive_hours, co.filter((v) => v <= 0).length);
  assert.equal((await daily(db, "2023-12-08", "pm25")).mean, 21.5);
  const rh = await daily(db, "2023-12-08", "rh");
  assert.deepEqual([rh.hours, rh.valid], [22, true]);
  assert.equal((await daily(db, "2023-12-08", "no2")).hours, 23);

  const partial = await daily(db, "2023-12-09", "pm25");
  assert.deepEqual([partial.mean, partial.hours, partial.valid], [20, 17, false]);
  const absent = await daily(db, "2023-12-09", "no2");
  assert.deepEqual([absent.mean, absent.hours], [null, 0], "no value that day: no mean");

  const today = await daily(db, "2023-12-10", "pm25");
  assert.deepEqual([today.mean, today.hours, today.provisional], [6.5, 1, true]);
});

Deno.test("running the ETL twice changes nothing", async () => {
  await using db = await createTestDatabase();
  await using api = serveAirqino(() => jsonResponse(apiBody(sampleHistory())));
  const { options: o } = options(api.url);
  await runAirQualityEtl(db.sql, o);
  const before = await snapshot(db);
  const [again] = await runAirQualityEtl(db.sql, o);
  assert.deepEqual([again.hoursChanged, again.daysChanged], [0, 0]);
  assert.deepEqual(await snapshot(db), before);
});

Deno.test("the station's fetched_at is its latest successful fetch, even when nothing changed", async () => {
  await using db = await createTestDatabase();
  let fail = false;
  await using api = serveAirqino(() =>
    fail ? jsonResponse("{}", 401) : jsonResponse(apiBody(sampleHistory()))
  );
  const fetchedAt = async () =>
    (await db.sql`select fetched_at from airqino_stations`)[0].fetched_at.toISOString();
  await runAirQualityEtl(db.sql, options(api.url).options);
  const later = new Date("2023-12-10T00:50:00Z");
  const [same] = await runAirQualityEtl(db.sql, options(api.url, { now: () => later }).options);
  assert.equal(same.hoursChanged, 0);
  assert.equal(await fetchedAt(), later.toISOString());
  fail = true;
  const failedAt = new Date("2023-12-10T01:50:00Z");
  await runAirQualityEtl(db.sql, options(api.url, { now: () => failedAt }).options);
  assert.equal(await fetchedAt(), later.toISOString(), "a failed fetch leaves it");
});

Deno.test("a later fetch rewrites the still-filling hour and recomputes only its day", async () => {
  await using db = await createTestDatabase();
  let rows = sampleHistory();
  await using api = serveAirqino(() => jsonResponse(apiBody(rows)));
  await runAirQualityEtl(db.sql, options(api.url).options);
  const [{ computed_at: before }] = await db.sql`
    select computed_at from airqino_daily where day = '2023-12-08' and parameter = 'pm25'`;

  rows = [
    ...sampleHistory().slice(0, -1),
    apiRow("2023-12-10 00:00:00", { "CO": 0.4, "PM2.5": 6.3333335, "RH": 69.526665 }),
    apiRow("2023-12-10 01:00:00", { "CO": 0.5, "PM2.5": 7 }),
  ];
  const later = new Date("2023-12-10T01:10:00Z");
  const [outcome] = await runAirQualityEtl(
    db.sql,
    options(api.url, { now: () => later }).options,
  );
  assert.equal(outcome.hoursChanged, 2);
  const [hour] = await db.sql`
    select pm25, pm10, fetched_at from airqino_hourly where hour_start = '2023-12-10T00:00:00Z'`;
  assert.deepEqual([hour.pm25, hour.pm10, hour.fetched_at], [6.3333335, null, later]);
  const today = await daily(db, "2023-12-10", "pm25");
  assert.deepEqual([today.hours, today.mean], [2, (6.3333335 + 7) / 2]);
  const [{ computed_at: after }] = await db.sql`
    select computed_at from airqino_daily where day = '2023-12-08' and parameter = 'pm25'`;
  assert.deepEqual(after, before, "an untouched day is not recomputed");
});

Deno.test("a day stops being provisional once it is over and the API has returned a newer hour", async () => {
  await using db = await createTestDatabase();
  let rows = sampleHistory();
  await using api = serveAirqino(() => jsonResponse(apiBody(rows)));
  await runAirQualityEtl(db.sql, options(api.url).options);
  const nextDay = new Date("2023-12-11T00:05:00Z");
  await runAirQualityEtl(db.sql, options(api.url, { now: () => nextDay }).options);
  assert.equal(
    (await daily(db, "2023-12-10", "pm25")).provisional,
    true,
    "its 00:00 is still the newest hour the API returned",
  );
  rows = [...sampleHistory(), apiRow("2023-12-11 00:00:00", { "PM2.5": 8 })];
  await runAirQualityEtl(db.sql, options(api.url, { now: () => nextDay }).options);
  assert.equal((await daily(db, "2023-12-10", "pm25")).provisional, false);
});

Deno.test("the newest hour of a response is provisional even when the clock says it is over, until a newer hour arrives", async () => {
  await using db = await createTestDatabase();
  // The API can lag: at 01:30 the newest hour it returns is 12-09 16:00, still filling.
  let rows = sampleHistory().slice(0, -1);
  await using api = serveAirqino(() => jsonResponse(apiBody(rows)));
  const run = (at: string) =>
    runAirQualityEtl(db.sql, options(api.url, { now: () => new Date(at) }).options);
  const provisionalHours = async () =>
    (await db.sql`select hour_start from airqino_hourly where provisional order by 1`)
      .map((row) => row.hour_start.toISOString());
  const pm25BaseHour = async () =>
    (await db.sql`
      select base_hour from airqino_forecasts where parameter = 'pm25'
      order by base_hour desc limit 1`)[0].base_hour.toISOString();

  await run("2023-12-10T01:30:00Z");
  assert.deepEqual(await provisionalHours(), ["2023-12-09T16:00:00.000Z"]);
  assert.equal((await daily(db, "2023-12-09", "pm25")).provisional, true, "it holds that hour");
  assert.equal(await pm25BaseHour(), "2023-12-09T15:00:00.000Z", "not the filling hour");

  // 12-09 16:00 comes back unchanged, with a newer hour after it.
  rows = sampleHistory();
  const [second] = await run("2023-12-10T02:30:00Z");
  assert.equal(second.hoursChanged, 2, "the new hour, and the old one's flag");
  assert.deepEqual(await provisionalHours(), ["2023-12-10T00:00:00.000Z"]);
  assert.equal((await daily(db, "2023-12-09", "pm25")).provisional, false);
  assert.equal(await pm25BaseHour(), "2023-12-09T16:00:00.000Z");

  // A newer response that leaves the old newest hour out clears it all the same.
  rows = [...sampleHistory().slice(0, -1), apiRow("2023-12-10 01:00:00", { "PM2.5": 7 })];
  await run("2023-12-10T03:30:00Z");
  assert.deepEqual(await provisionalHours(), ["2023-12-10T01:00:00.000Z"]);
  assert.equal(await pm25BaseHour(), "2023-12-10T00:00:00.000Z");

  // An older response (a stale cache) does not mark its newest hour: newer ones are stored.
  rows = sampleHistory().slice(0, 30);
  await run("2023-12-10T04:30:00Z");
  assert.deepEqual(await provisionalHours(), ["2023-12-10T01:00:00.000Z"]);
});

Deno.test("the forecast starts from the last complete hour and falls back to persistence on a short history", async () => {
  await using db = await createTestDatabase();
  let rows = sampleHistory();
  await using api = serveAirqino(() => jsonResponse(apiBody(rows)));
  await runAirQualityEtl(db.sql, options(api.url).options);
  const forecasts = () =>
    db.sql`
      select base_hour, target_hour, value, method from airqino_forecasts
      where parameter = 'pm25' order by base_hour desc, horizon_hours limit 2`;
  // 12-10 00:00 is still filling at 00:20; the last complete hour with PM2.5 is 12-09 16:00.
  assert.deepEqual(
    (await forecasts()).map((r) => [r.target_hour.toISOString(), r.method, r.value]),
    [
      ["2023-12-09T17:00:00.000Z", "persistence", 20],
      ["2023-12-09T18:00:00.000Z", "persistence", 20],
    ],
  );

  rows = [...sampleHistory(), apiRow("2023-12-10 01:00:00", { "PM2.5": 7 })];
  const later = new Date("2023-12-10T01:10:00Z");
  await runAirQualityEtl(db.sql, options(api.url, { now: () => later }).options);
  assert.deepEqual((await forecasts()).map((r) => [r.target_hour.toISOString(), r.value]), [
    ["2023-12-10T01:00:00.000Z", 6.5],
    ["2023-12-10T02:00:00.000Z", 6.5],
  ]);
});

/** Hourly rows for November 2023, a smooth daily cycle; the API's last row is still filling. */
function november2023(): Record<string, unknown>[] {
  return Array.from({ length: 30 * 24 }, (_, i) => {
    const hour = new Date(Date.UTC(2023, 10, 1) + i * 3_600_000);
    const phase = 2 * Math.PI * (i % 24) / 24;
    return apiRow(hour.toISOString().slice(0, 19).replace("T", " "), {
      "CO": 0.3 + 0.1 * Math.cos(phase) + 0.01 * (i % 7),
      "PM2.5": 15 + 5 * Math.sin(phase) + (i % 5),
    });
  });
}

Deno.test("a past year loaded years later gets its forecast from its last complete hour, the same whatever the clock", async () => {
  await using db = await createTestDatabase();
  await using api = serveAirqino(() => jsonResponse(apiBody(november2023())));
  const years = new Date("2026-06-01T12:00:00Z");
  const [outcome] = await runAirQualityEtl(db.sql, options(api.url, { now: () => years }).options);
  assert.equal(outcome.forecasts, 4);
  const stored = await db.sql`
    select parameter, base_hour, horizon_hours, method from airqino_forecasts order by 1, 3`;
  assert.deepEqual(
    stored.map((row) => [row.parameter, row.base_hour.toISOString(), row.method]),
    [
      ["co", "2023-11-30T22:00:00.000Z", "ridge"],
      ["co", "2023-11-30T22:00:00.000Z", "ridge"],
      ["pm25", "2023-11-30T22:00:00.000Z", "ridge"],
      ["pm25", "2023-11-30T22:00:00.000Z", "ridge"],
    ],
    "23:00, the response's newest hour, is still filling",
  );
  const issued = async (at: string) =>
    (await refreshForecast(db.sql, STATION, new Date(at)))
      .map(({ issued_at: _, ...forecast }) => forecast);
  const later = await issued("2031-01-01T00:00:00Z");
  assert.deepEqual(await issued("2023-12-01T00:10:00Z"), later);
  assert.ok(later.every((forecast) => forecast.backtest_n > 0), "scored on the stored month");
});

async function loadOnce(db: TestDatabase) {
  await using api = serveAirqino(() => jsonResponse(apiBody(sampleHistory())));
  await runAirQualityEtl(db.sql, options(api.url).options);
  return await snapshot(db);
}

async function failingRun(db: TestDatabase, answer: () => Response | Promise<Response>) {
  await using api = serveAirqino(answer);
  const { options: o, lines } = options(api.url, { timeoutMs: 100 });
  const [outcome] = await runAirQualityEtl(db.sql, o);
  const [run] = (await listStations(db.sql, STATION))
    .map((station) => ({ status: station.last_run_status, error: station.last_run_error }));
  return { outcome, lines, run };
}

Deno.test("401 with an empty {} body fails the station as 'authentication required' and keeps its data", async () => {
  await using db = await createTestDatabase();
  const before = await loadOnce(db);
  const { outcome, lines, run } = await failingRun(db, () => jsonResponse("{}", 401));
  assert.equal(outcome.status, "failed");
  assert.match(
    outcome.error!,
    /HTTP 401: authentication required \(set AIRQINO_REFRESH_TOKEN or AIRQINO_TOKEN\)/,
  );
  assert.match(lines[0], /station 283164601 failed, stored data kept: .*401/);
  assert.deepEqual([run.status, run.error], ["failed", outcome.error]);
  assert.deepEqual(await snapshot(db), before);
});

Deno.test("a 200 with {} is reported as the API's auth answer, not as 'no data'", async () => {
  await using db = await createTestDatabase();
  const before = await loadOnce(db);
  const { outcome } = await failingRun(db, () => jsonResponse("{}"));
  assert.match(outcome.error!, /empty object \{\}.*authentication is required/);
  assert.deepEqual(await snapshot(db), before);
});

Deno.test("an HTML page fails the station with a clear error and keeps its data", async () => {
  await using db = await createTestDatabase();
  const before = await loadOnce(db);
  const ok = await failingRun(
    db,
    () => new Response(HTML_ERROR_PAGE, { headers: { "content-type": "text/html" } }),
  );
  assert.match(ok.outcome.error!, /response is not JSON \(starts with "<!DOCTYPE html>/);
  const bad = await failingRun(
    db,
    () => new Response(HTML_ERROR_PAGE, { status: 502, headers: { "content-type": "text/html" } }),
  );
  assert.match(bad.outcome.error!, /answered HTTP 502 \(body starts with "<!DOCTYPE html> <html>/);
  assert.deepEqual(await snapshot(db), before);
});

Deno.test("a payload of the wrong shape fails the whole station: nothing half-written", async () => {
  await using db = await createTestDatabase();
  const before = await loadOnce(db);
  const rows = [
    apiRow("2023-12-10 01:00:00", { "PM2.5": 9 }),
    { timestamp: "2023-12-10 02:00:00", "PM2.5": "12.0" },
  ];
  const { outcome } = await failingRun(db, () => jsonResponse(apiBody(rows)));
  assert.match(outcome.error!, /wrong shape: data\[1\]\.PM2\.5: .*expected number/);
  assert.deepEqual(await snapshot(db), before);
});

Deno.test("a slow answer times out for that station while the next station still loads", async () => {
  await using db = await createTestDatabase();
  await using api = serveAirqino(async (id) => {
    if (id === STATION) await sleep(400);
    return jsonResponse(apiBody(sampleHistory()));
  });
  const { options: o, lines } = options(api.url, { stations: [STATION, OTHER], timeoutMs: 100 });
  const outcomes = await runAirQualityEtl(db.sql, o);
  assert.deepEqual(outcomes.map((x) => x.status), ["failed", "ok"]);
  assert.match(outcomes[0].error!, /no response within 100 ms/);
  assert.match(lines[0], /station 283164601 failed/);
  const counts = await db.sql`
    select station_id::text, count(*)::int from airqino_hourly group by 1`;
  assert.deepEqual(counts.map((r) => [r.station_id, r.count]), [[OTHER, 42]]);
});

Deno.test("a 503 is retried when retries are left at their default, then the station loads", async () => {
  await using db = await createTestDatabase();
  let calls = 0;
  await using api = serveAirqino(() =>
    ++calls === 1 ? new Response("busy", { status: 503 }) : jsonResponse(apiBody(sampleHistory()))
  );
  const { retries: _, timeoutMs: __, ...defaults } = options(api.url, { baseDelayMs: 20 }).options;
  const [outcome] = await runAirQualityEtl(db.sql, defaults);
  assert.deepEqual([outcome.status, calls], ["ok", 2]);
});

Deno.test("a response cut mid-body is fetched again, and a station always cut says so", async () => {
  await using db = await createTestDatabase();
  const body = apiBody(sampleHistory());
  await using once = serveCutBodies(body, (attempt) => attempt === 1 ? 500 : undefined);
  const retried = options(once.url, { retries: 1, baseDelayMs: 1 }).options;
  const [outcome] = await runAirQualityEtl(db.sql, retried);
  assert.deepEqual([outcome.status, outcome.hoursReceived, once.attempts], ["ok", 42, 2]);

  await using always = serveCutBodies(body, () => 500);
  const [cut] = await runAirQualityEtl(db.sql, options(always.url).options);
  assert.match(cut.error!, /failed after 1 attempt: connection closed after 500 bytes of \d+$/);
});

Deno.test("a fixed bearer token is sent when configured, and a rejected one is not retried", async () => {
  await using db = await createTestDatabase();
  await using api = serveAirqino((_, request) =>
    request.headers.get("authorization") === "Bearer s3cret"
      ? jsonResponse(apiBody(sampleHistory()))
      : jsonResponse("{}", 401)
  );
  const [anonymous] = await runAirQualityEtl(db.sql, options(api.url).options);
  assert.equal(anonymous.status, "failed");
  const [withToken] = await runAirQualityEtl(
    db.sql,
    options(api.url, { auth: fixedToken("s3cret") }).options,
  );
  assert.equal(withToken.status, "ok");
  const { options: o, lines } = options(api.url, { auth: fixedToken("expired") });
  const [rejected] = await runAirQualityEtl(db.sql, o);
  assert.match(rejected.error!, /HTTP 401: authentication required \(AIRQINO_TOKEN was rejected\)/);
  assert.equal(api.requests.get(STATION), 3, "one request per run: nothing to renew");
  assert.doesNotMatch(lines.join("\n"), /expired|s3cret/);
});

Deno.test("the hourly job is named for its advisory lock and follows AIRQUALITY_INTERVAL_MINUTES", async () => {
  await using db = await createTestDatabase();
  const config = loadConfig({ AIRQUALITY_INTERVAL_MINUTES: "0" });
  assert.deepEqual(config.airqinoStations, [STATION, OTHER]);
  const job = airQualityJob({ sql: db.sql, config });
  assert.deepEqual([job.name, job.intervalMs], ["airquality", 0]);
  assert.equal(airQualityJob({ sql: db.sql, config: loadConfig({}) }).intervalMs, 3_600_000);
});
