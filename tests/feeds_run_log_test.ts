/**
 * Every feed's runs go to the one run log and show in GET /api/status: AirQino's ETL (one
 * item per station, a run asked for while another holds the lock recorded as skipped) and
 * `deno task events` (one item for its date range; incomplete or unstorable runs failed).
 */
import assert from "node:assert/strict";
import { listRuns } from "../db/run_log.ts";
import { main as airqualityCli } from "../ingest/airqino/cli.ts";
import { runAirQualityEtl } from "../ingest/airqino/etl.ts";
import { jobLockName, withAdvisoryLock } from "../ingest/scheduler.ts";
import { main as eventsCli } from "../ingest/ticketmaster/cli.ts";
import { apiBody, jsonResponse, sampleHistory, serveAirqino } from "./helpers/airqino_api.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";
import { makeEvent } from "./helpers/ticketmaster_data.ts";
import { serveTicketmaster, STUB_API_KEY } from "./helpers/ticketmaster_stub.ts";

const STATION = "283164601";
const OTHER = "283181971";
const NOW = new Date("2023-12-10T00:20:00Z");

async function feedStatus(app: TestApp, source: string) {
  const body = await (await app.request("/api/status")).json();
  return body.sources.find((feed: { source: string }) => feed.source === source);
}

Deno.test("an AirQino run is one run of the run log with one item per station, and GET /api/status shows it", async () => {
  await using app = await createTestApp();
  await using api = serveAirqino((id) =>
    id === STATION ? jsonResponse(apiBody(sampleHistory())) : jsonResponse("{}", 401)
  );
  const outcomes = await runAirQualityEtl(app.db.sql, {
    baseUrl: api.url,
    stations: [STATION, OTHER],
    retries: 0,
    now: () => NOW,
    log: () => {},
  });

  const [run] = await listRuns(app.db.sql, "airqino");
  assert.equal(run.outcome, "failed");
  assert.equal(run.rows_changed, 42);
  assert.equal(run.error, `station ${OTHER}: ${outcomes[1].error}`);
  assert.deepEqual(run.items, [
    {
      name: STATION,
      status: "ok",
      hoursReceived: 42,
      rowsChanged: 42,
      daysChanged: 3,
      finishedAt: NOW.toISOString(),
    },
    { name: OTHER, status: "failed", error: outcomes[1].error, finishedAt: NOW.toISOString() },
  ]);

  const airqino = await feedStatus(app, "airqino");
  assert.equal(airqino.last_success, null);
  assert.equal(airqino.last_run.outcome, "failed");
  assert.match(airqino.last_run.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "UTC");
  assert.deepEqual(airqino.last_run.items, [
    { name: STATION, status: "ok", rows_changed: 42 },
    { name: OTHER, status: "failed", rows_changed: 0, error: outcomes[1].error },
  ]);
  assert.deepEqual(airqino.newest_data, [{ station: STATION, time: "2023-12-10T00:00:00Z" }]);
});

Deno.test("deno task airquality records its run like the hourly job's, and a run that finds the lock taken as skipped", async () => {
  await using app = await createTestApp();
  await using api = serveAirqino(() => jsonResponse(apiBody(sampleHistory())));
  const lines: string[] = [];
  const deps = {
    sql: app.db.sql,
    env: { AIRQINO_BASE_URL: api.url, AIRQINO_STATIONS: STATION },
    stderr: (line: string) => lines.push(line),
  };

  assert.equal(await airqualityCli([], deps), 0);
  const skipped = await withAdvisoryLock(
    app.db.sql,
    jobLockName("airquality"),
    () => airqualityCli([], deps),
  );

  assert.deepEqual(skipped, { ran: true, result: 1 });
  assert.equal(lines.at(-1), "airquality: another run holds the lock; try again later");
  assert.equal(api.requests.get(STATION), 1, "the skipped run fetched nothing");
  const runs = await listRuns(app.db.sql, "airqino");
  assert.deepEqual(
    runs.map((run) => [run.outcome, run.error, run.items.map((item) => item.name)]),
    [["skipped", "another run holds the lock", []], ["succeeded", null, [STATION]]],
  );
  const airqino = await feedStatus(app, "airqino");
  assert.equal(airqino.last_run.outcome, "succeeded", "a skipped run is not the last run");
  assert.deepEqual(airqino.last_run, airqino.last_success);
});

Deno.test("deno task airquality rejects an argument with exit code 2", async () => {
  const lines: string[] = [];
  assert.equal(await airqualityCli(["--now"], { stderr: (line) => lines.push(line) }), 2);
  assert.deepEqual(lines, ['error: unexpected argument "--now"\nusage: deno task airquality']);
});

const MARCH = ["G1", "G2", "G3"].map((id, i) =>
  makeEvent({ id, name: `Spectacle ${i}`, localDate: `2025-03-0${i + 1}`, localTime: "20:00:00" })
);

function events(app: TestApp, stubUrl: string, args: string[] = []) {
  const stderr: string[] = [];
  const code = eventsCli(["--from", "2025-03-01", "--to", "2025-03-31", "--out", "-", ...args], {
    sql: app.db.sql,
    env: { TICKETMASTER_API_KEY: STUB_API_KEY, TICKETMASTER_BASE_URL: stubUrl },
    client: { spacingMs: 0, retryBaseDelayMs: 1 },
    stdout: () => {},
    stderr: (line) => stderr.push(line),
  });
  return code.then((code) => ({ code, stderr }));
}

Deno.test("a deno task events run that stores is one run of the run log, and GET /api/status shows it", async () => {
  await using app = await createTestApp();
  await using stub = serveTicketmaster({ events: MARCH });
  assert.equal((await events(app, stub.url, ["--no-db"])).code, 0);
  assert.deepEqual(await listRuns(app.db.sql, "ticketmaster"), [], "--no-db records nothing");

  assert.equal((await events(app, stub.url)).code, 0);

  const [run] = await listRuns(app.db.sql, "ticketmaster");
  assert.deepEqual(
    [run.outcome, run.rows_changed, run.error, run.items],
    ["succeeded", 3, null, [{
      name: "2025-03-01..2025-03-31",
      status: "complete",
      rowsChanged: 3,
    }]],
  );
  const ticketmaster = await feedStatus(app, "ticketmaster");
  assert.deepEqual(ticketmaster.last_run, ticketmaster.last_success);
  assert.deepEqual(ticketmaster.last_run.items, [
    { name: "2025-03-01..2025-03-31", status: "complete", rows_changed: 3 },
  ]);
  const stored = await (await app.request("/api/events?from=2025-03-01&to=2025-03-31")).json();
  assert.deepEqual(ticketmaster.newest_data, [{ time: stored.events[0].last_seen_at }]);
  assert.equal(ticketmaster.last_run.started_at, stored.events[0].last_seen_at);
});

Deno.test("an incomplete deno task events run is recorded as failed, saying what is missing", async () => {
  await using app = await createTestApp();
  // Three pages of 200: the request budget stops the run after the first two.
  const many = Array.from(
    { length: 450 },
    (_, i) =>
      makeEvent({ id: `E${i}`, name: `Spectacle ${i}`, localDate: "2025-03-15", localTime: null }),
  );
  await using stub = serveTicketmaster({ events: many });

  const { code, stderr } = await events(app, stub.url, ["--max-requests", "2"]);

  assert.equal(code, 3, stderr.join("\n"));
  const [run] = await listRuns(app.db.sql, "ticketmaster");
  assert.deepEqual([run.outcome, run.rows_changed], ["failed", 400]);
  assert.equal(`INCOMPLETE: ${run.error}`, stderr.at(-1));
  assert.deepEqual(run.items.map((item) => [item.status, item.error]), [["incomplete", run.error]]);
});

Deno.test("a deno task events run whose events cannot be stored is recorded as failed with the reason", async () => {
  await using app = await createTestApp();
  await using stub = serveTicketmaster({ events: MARCH });
  await app.db.sql`alter table ticketmaster_events add constraint no_march
    check (local_date < '2025-03-01')`;

  const { code, stderr } = await events(app, stub.url);

  assert.equal(code, 1);
  assert.match(stderr.at(-1)!, /^error: cannot store the events in Postgres: .*no_march/);
  const [run] = await listRuns(app.db.sql, "ticketmaster");
  assert.equal(run.outcome, "failed");
  assert.match(run.error!, /no_march/);
  assert.equal(run.rows_changed, 0);
});
