/**
 * The scheduled refresh: it runs, never overlaps (in a process, across replicas, with the
 * CronJob), and replicas run a job once per tick between them, not once each.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { createSql } from "../db/client.ts";
import { listRuns } from "../db/run_log.ts";
import { sleep } from "../ingest/http.ts";
import { rteRefreshJob } from "../ingest/rte/refresh.ts";
import { type Job, startScheduler } from "../ingest/scheduler.ts";
import { scheduledJobs } from "../jobs.ts";
import { waitFor } from "./helpers/wait.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import {
  FAST_HTTP,
  publishCurrentFiles,
  refreshFromStub,
  type RteStub,
  startRteStub,
} from "./helpers/rte_stub.ts";

function deps(db: TestDatabase, stub: RteStub, sql = db.sql) {
  const config = loadConfig({
    DATABASE_URL: db.url,
    RTE_BASE_URL: stub.url,
    RTE_BACKFILL_YEARS: "0",
  });
  return { sql, config };
}

Deno.test("the refresh job runs at once, again after its interval, and stop() leaves nothing running", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  const lines: string[] = [];
  const scheduler = startScheduler(db.sql, [
    rteRefreshJob(deps(db, stub), { intervalMs: 20, http: FAST_HTTP, log: (l) => lines.push(l) }),
  ]);

  await waitFor(async () => (await listRuns(db.sql, "rte")).length >= 3, "three runs");
  await scheduler.stop();
  const runs = await listRuns(db.sql, "rte");
  await sleep(100);

  assert.equal((await listRuns(db.sql, "rte")).length, runs.length, "no run after stop()");
  // A run that stop() interrupts is recorded as failed, saying why.
  const [newest, ...earlier] = runs;
  assert.ok(
    newest.outcome === "succeeded" || newest.error?.includes("scheduler stopped"),
    JSON.stringify(newest),
  );
  assert.ok(earlier.every((run) => run.outcome === "succeeded"));
  assert.deepEqual(runs.at(-1)!.items.map((f) => f.status), ["loaded", "loaded"]);
  assert.deepEqual(earlier[0].items.map((f) => f.status), ["not-modified", "not-modified"]);
  assert.equal(lines.length, runs.length, "one log line per run");
  // Sanitizers check that no timer, request or connection outlives the test.
});

Deno.test("two replicas scheduling the same job never run it at the same time", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  stub.delayMs = 15; // each run takes a while, so the replicas' ticks collide
  const replica = createSql(db.url, { schema: db.schema, max: 4 });
  const schedulerLog: string[] = [];
  const schedulers = [db.sql, replica].map((sql) =>
    startScheduler(
      sql,
      [rteRefreshJob(deps(db, stub, sql), { intervalMs: 1, http: FAST_HTTP, log: () => {} })],
      (line) => schedulerLog.push(line),
    )
  );

  await waitFor(async () => (await listRuns(db.sql, "rte")).length >= 6, "six runs");
  for (const scheduler of schedulers) await scheduler.stop();
  await replica.end();

  const runs = (await listRuns(db.sql, "rte", 1000))
    .filter((run) => run.outcome !== "skipped")
    .reverse();
  for (let i = 1; i < runs.length; i++) {
    assert.ok(runs[i].started_at >= runs[i - 1].finished_at!, `run ${runs[i].id} overlaps`);
  }
  assert.equal(stub.maxInFlight, 1, "at most one download at a time");
  assert.ok(schedulerLog.some((line) => line.includes("skipped, another run holds the lock")));
});

Deno.test("two replicas scheduling the same job run it once per tick between them, not once each", async () => {
  await using db = await createTestDatabase();
  const intervalMs = 200;
  const started: number[] = [];
  const job: Job = {
    name: `ticks ${crypto.randomUUID()}`,
    intervalMs,
    run: async () => {
      started.push(Date.now());
      await sleep(60); // long enough for the other replica's tick to find the lock taken
    },
  };
  const skipped: string[] = [];
  const schedulers = [0, 1].map(() => startScheduler(db.sql, [job], (line) => skipped.push(line)));
  await sleep(10 * intervalMs + 100);
  for (const scheduler of schedulers) await scheduler.stop();

  // The first run at start, then one per multiple of the interval: 11 in all. Ticks that
  // followed each run's end by a full interval, per replica, would give about 16.
  assert.ok(started.length >= 8 && started.length <= 12, `${started.length} runs`);
  assert.ok(skipped.length >= 8, `${skipped.length} ticks skipped: the replicas tick together`);
  for (const at of started.slice(1)) {
    const offset = at % intervalMs;
    assert.ok(Math.min(offset, intervalMs - offset) < 80, `a run at ${offset} ms past a tick`);
  }
});

Deno.test("a refresh started while another one runs (e.g. the CronJob) is skipped and recorded", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  stub.delayMs = 300;
  const other = createSql(db.url, { schema: db.schema, max: 4 });

  const first = refreshFromStub(db.sql, stub.url);
  await waitFor(() => stub.maxInFlight > 0, "the first run's download");
  const second = await refreshFromStub(other, stub.url);
  await other.end();

  assert.equal(second.report.outcome, "skipped");
  assert.deepEqual(second.lines, ["rte refresh skipped: another refresh holds the lock"]);
  assert.equal((await first).report.outcome, "succeeded");
  const runs = await listRuns(db.sql, "rte");
  assert.deepEqual(runs.map((run) => run.outcome).sort(), ["skipped", "succeeded"]);
  assert.equal(stub.requests.length, 2, "the skipped run downloaded nothing");
});

Deno.test("REFRESH_INTERVAL_MINUTES=0 turns the scheduled refresh off", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  const config = loadConfig({
    DATABASE_URL: db.url,
    RTE_BASE_URL: stub.url,
    REFRESH_INTERVAL_MINUTES: "0",
  });
  const job = rteJobOf(scheduledJobs({ sql: db.sql, config }));
  assert.equal(job.intervalMs, 0);

  const scheduler = startScheduler(db.sql, [job]);
  await sleep(100);
  await scheduler.stop();

  assert.equal(stub.requests.length, 0);
  assert.equal((await listRuns(db.sql, "rte")).length, 0);
});

Deno.test("the service schedules the refresh job every REFRESH_INTERVAL_MINUTES", () => {
  const config = loadConfig({ REFRESH_INTERVAL_MINUTES: "15" });
  const job = rteJobOf(scheduledJobs({ sql: undefined as never, config }));
  assert.equal(job.intervalMs, 15 * 60_000);
});

function rteJobOf(jobs: Job[]): Job {
  const job = jobs.find((candidate) => candidate.name === "rte-refresh");
  assert.ok(job, "jobs.ts registers rte-refresh");
  return job;
}
