import assert from "node:assert/strict";
import { listRuns } from "../db/run_log.ts";
import { plannedFiles } from "../ingest/rte/refresh.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { halfHourlyDay } from "./helpers/rte_fixtures.ts";
import {
  CONSOLIDATED_ZIP,
  publishCurrentFiles,
  refreshFromStub,
  startRteStub,
  TR_ZIP,
  zipped,
} from "./helpers/rte_stub.ts";

Deno.test("a refresh downloads the real-time and consolidated files, ingests them and records the run", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);

  const { report, lines } = await refreshFromStub(db.sql, stub.url);

  assert.equal(report.outcome, "succeeded");
  const natures = await db.sql`select nature, count(*)::int as n from rte_consumption
    group by nature order by nature`;
  assert.deepEqual(natures.map((r) => [r.nature, r.n]), [["real_time", 48], ["consolidated", 48]]);
  const [run] = await listRuns(db.sql, "rte");
  assert.equal(run.outcome, "succeeded");
  assert.ok(run.finished_at && run.finished_at >= run.started_at);
  assert.equal(run.rows_changed, 96);
  assert.equal(run.error, null);
  assert.deepEqual(run.items.map((f) => [f.name, f.status, f.rowsChanged]), [
    [CONSOLIDATED_ZIP, "loaded", 48],
    [TR_ZIP, "loaded", 48],
  ]);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^rte refresh succeeded in [\d.]+ s: .*En-cours-TR\.zip loaded \(48/);
});

Deno.test("an unchanged file is answered 304 and neither downloaded nor ingested again", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  await refreshFromStub(db.sql, stub.url);
  const validators = await db
    .sql`select url, etag, last_modified from http_validators order by url`;
  assert.deepEqual(validators.map((v) => v.etag), ['"v2"', '"v1"']);
  assert.ok(validators.every((v) => v.last_modified.endsWith("GMT")));
  const [before] = await db.sql`select max(loaded_at) as at from rte_consumption`;

  const { report } = await refreshFromStub(db.sql, stub.url);

  assert.equal(report.outcome, "succeeded");
  assert.deepEqual(stub.requests.slice(2).map((r) => [r.name, r.ifNoneMatch, r.status]), [
    [CONSOLIDATED_ZIP, '"v2"', 304],
    [TR_ZIP, '"v1"', 304],
  ]);
  const [run] = await listRuns(db.sql, "rte");
  assert.equal(run.rows_changed, 0);
  assert.deepEqual(run.items.map((f) => f.status), ["not-modified", "not-modified"]);
  const [after] = await db.sql`select max(loaded_at) as at from rte_consumption`;
  assert.deepEqual(after.at, before.at);
});

Deno.test("a re-issued file (new ETag) is downloaded again and its new values replace the old", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub, 1);
  await refreshFromStub(db.sql, stub.url);
  publishCurrentFiles(stub, 2);

  const { report } = await refreshFromStub(db.sql, stub.url);

  assert.equal(report.outcome, "succeeded");
  assert.equal(report.outcome === "succeeded" && report.rowsChanged, 96);
  const [{ min }] = await db.sql`select min(consumption_mw) as min from rte_consumption`;
  assert.equal(min, 50_200);
  const etags = await db.sql`select etag from http_validators order by url`;
  assert.deepEqual(etags.map((v) => v.etag), ['"v4"', '"v3"']);
});

Deno.test("in January the previous year's annual file is fetched and ingested as definitive", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  const annual = "eCO2mix_RTE_Annuel-Definitif_2025.zip";
  stub.publish(annual, zipped(annual, halfHourlyDay("2025-12-31", () => 61_000), "definitive"));

  const { report } = await refreshFromStub(db.sql, stub.url, {
    now: new Date("2026-01-15T08:00:00Z"),
  });

  assert.equal(report.outcome, "succeeded");
  assert.deepEqual(stub.requests.map((r) => r.name), [annual, CONSOLIDATED_ZIP, TR_ZIP]);
  const [{ n }] = await db.sql`
    select count(*)::int as n from rte_consumption where nature = 'definitive'`;
  assert.equal(n, 48);
});

Deno.test("the backfill asks for the annual files of the last N years not yet stored as definitive", async () => {
  await using db = await createTestDatabase();
  const baseUrl = "http://rte.invalid";
  const names = async (backfillYears: number, now = new Date("2026-07-01T10:00:00Z")) =>
    (await plannedFiles(db.sql, { baseUrl, backfillYears, now })).map((f) => f.name);
  const current = [CONSOLIDATED_ZIP, TR_ZIP];

  assert.deepEqual(await names(0), current);
  assert.deepEqual(await names(1), current);
  assert.deepEqual(await names(3), [
    "eCO2mix_RTE_Annuel-Definitif_2024.zip",
    "eCO2mix_RTE_Annuel-Definitif_2025.zip",
    ...current,
  ]);
  // 2024 complete as RTE's annual file has it: every half-hour but the autumn day's first
  // 02:00 and 02:30 (Paris time), which RTE's files show once.
  await db.sql`
    insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
    select 'France', t, 50000, 'definitive', 'eCO2mix_RTE_Annuel-Definitif_2024.xls'
    from generate_series('2024-01-01 00:00+01'::timestamptz, '2024-12-31 23:30+01', '30 min') t
    where t not in ('2024-10-27 02:00+02', '2024-10-27 02:30+02')`;
  assert.deepEqual(await names(3), ["eCO2mix_RTE_Annuel-Definitif_2025.zip", ...current]);
  // One more missing half-hour: the year is not complete, fetch it again.
  await db.sql`delete from rte_consumption where period_start = '2024-06-01 12:00+02'`;
  assert.equal((await names(3)).length, 4);
  // January–February: the previous year's file whatever the backfill says.
  assert.deepEqual(await names(0, new Date("2026-02-28T12:00:00Z")), [
    "eCO2mix_RTE_Annuel-Definitif_2025.zip",
    ...current,
  ]);
});
