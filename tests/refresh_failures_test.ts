/**
 * Every way RTE can fail a refresh: the run fails cleanly with one log line, the run is
 * recorded with its error, the stored data stays exactly as it was, and the next run succeeds.
 */
import assert from "node:assert/strict";
import type { Sql } from "../db/client.ts";
import { listRuns } from "../db/run_log.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { serve } from "./helpers/server.ts";
import {
  publishCurrentFiles,
  refreshFromStub,
  type RteStub,
  startRteStub,
  type StubMode,
  SUMMER,
  TR_ZIP,
} from "./helpers/rte_stub.ts";

interface FailureCase {
  name: string;
  /** Breaks RTE; returns the base URL the failing run uses. */
  breakRte: (stub: RteStub) => Promise<string> | string;
  error: RegExp;
}

function mode(stubMode: StubMode) {
  return (stub: RteStub) => {
    stub.mode = stubMode;
    return stub.url;
  };
}

const CASES: FailureCase[] = [
  {
    name: "RTE is down (connection refused)",
    breakRte: async () => {
      // A port that just stopped listening: connections are refused at once.
      const closed = serve(() => new Response());
      const url = closed.url;
      await closed[Symbol.asyncDispose]();
      return url;
    },
    error: /eCO2mix_RTE_En-cours-Consolide\.zip failed after 2 attempts: .*refused/i,
  },
  {
    name: "RTE answers 404",
    breakRte: mode("not-found"),
    error: /eCO2mix_RTE_En-cours-Consolide\.zip answered HTTP 404/,
  },
  {
    name: "RTE serves a truncated zip",
    breakRte: mode("truncated"),
    error: /eCO2mix_RTE_En-cours-Consolide\.zip.*(truncated|corrupt|unexpected end|invalid)/i,
  },
  {
    name: "RTE serves an HTML page instead of the zip",
    breakRte: mode("html"),
    error: /eCO2mix_RTE_En-cours-Consolide\.zip: .*(zip|html)/i,
  },
  {
    name: "RTE does not answer within the time-out",
    breakRte: mode("hang"),
    error: /eCO2mix_RTE_En-cours-Consolide\.zip failed after 2 attempts: no response within 200 ms/,
  },
];

for (const failure of CASES) {
  Deno.test(`${failure.name}: the run fails cleanly, keeps the data, and the next run succeeds`, async () => {
    await using db = await createTestDatabase();
    await using stub = startRteStub();
    publishCurrentFiles(stub, 1);
    assert.equal((await refreshFromStub(db.sql, stub.url)).report.outcome, "succeeded");
    const before = await snapshot(db.sql);
    publishCurrentFiles(stub, 2); // a healthy RTE would now change every value

    const failingUrl = await failure.breakRte(stub);
    const { report, lines } = await refreshFromStub(db.sql, failingUrl, {
      http: { timeoutMs: 200, retries: 1, baseDelayMs: 1, maxDelayMs: 5 },
    });

    assert.equal(report.outcome, "failed");
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0],
      /^rte refresh failed after [\d.]+ s, stored data unchanged, next run retries: /,
    );
    assert.match(lines[0], failure.error);
    assert.doesNotMatch(lines[0], /\n|\bat file:/);
    const [failed] = await listRuns(db.sql, "rte");
    assert.equal(failed.outcome, "failed");
    assert.ok(failed.finished_at);
    assert.match(failed.error ?? "", failure.error);
    assert.ok(failed.items.every((file) => file.status === "failed" && file.error));
    assert.deepEqual(await snapshot(db.sql), before);
    const etags = await db.sql`select etag from http_validators order by url`;
    assert.deepEqual(etags.map((row) => row.etag), ['"v2"', '"v1"'], "validators kept");

    stub.mode = "ok";
    const next = await refreshFromStub(db.sql, stub.url);
    assert.equal(next.report.outcome, "succeeded");
    const [{ min }] = await db.sql`select min(consumption_mw) as min from rte_consumption`;
    assert.equal(min, 50_200);
    assert.deepEqual(
      (await listRuns(db.sql, "rte")).map((run) => run.outcome),
      ["succeeded", "failed", "succeeded"],
    );
  });
}

Deno.test("an annual file RTE has not published yet is noted and the run still succeeds", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  const annual = "eCO2mix_RTE_Annuel-Definitif_2025.zip"; // not published yet: 404

  const { report } = await refreshFromStub(db.sql, stub.url, {
    now: new Date("2026-01-15T08:00:00Z"),
  });

  assert.equal(report.outcome, "succeeded");
  const [run] = await listRuns(db.sql, "rte");
  assert.deepEqual(run.items.map((f) => [f.name, f.status]), [
    [annual, "not-published"],
    ["eCO2mix_RTE_En-cours-Consolide.zip", "loaded"],
    ["eCO2mix_RTE_En-cours-TR.zip", "loaded"],
  ]);
  assert.equal(run.error, null);
  assert.equal(run.rows_changed, 96);
});

Deno.test("a backfill year RTE answers 404 for is a failure, not an unpublished file", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);

  const { report } = await refreshFromStub(db.sql, stub.url, { now: SUMMER, backfillYears: 2 });

  assert.equal(report.outcome, "failed");
  const [run] = await listRuns(db.sql, "rte");
  assert.deepEqual(run.items.map((f) => [f.name, f.status]), [
    ["eCO2mix_RTE_Annuel-Definitif_2025.zip", "failed"],
    ["eCO2mix_RTE_En-cours-Consolide.zip", "loaded"],
    [TR_ZIP, "loaded"],
  ]);
  assert.match(run.error ?? "", /Annuel-Definitif_2025\.zip answered HTTP 404/);
});

Deno.test("one failing file fails the run but the other files still load, as its log line says", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  stub.publish(TR_ZIP, new TextEncoder().encode("<!DOCTYPE html><html>Maintenance</html>"));

  const { report, lines } = await refreshFromStub(db.sql, stub.url, { now: SUMMER });

  assert.equal(report.outcome, "failed");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0],
    new RegExp(
      String.raw`^rte refresh failed after [\d.]+ s \(1 of 2 files; the others: ` +
        String.raw`eCO2mix_RTE_En-cours-Consolide\.zip loaded \(48 rows changed\)\), ` +
        String.raw`next run retries the failed file: ` +
        String.raw`eCO2mix_RTE_En-cours-TR\.zip: not a zip: got an HTML page$`,
    ),
  );
  assert.doesNotMatch(lines[0], /kept|unchanged/, "the consolidated file changed stored rows");
  const [run] = await listRuns(db.sql, "rte");
  assert.deepEqual(run.items.map((f) => [f.name, f.status]), [
    ["eCO2mix_RTE_En-cours-Consolide.zip", "loaded"],
    [TR_ZIP, "failed"],
  ]);
  assert.match(run.error ?? "", /eCO2mix_RTE_En-cours-TR\.zip: not a zip: got an HTML page/);
  assert.equal(run.rows_changed, 48);
});

function snapshot(sql: Sql) {
  return sql`
    select perimeter, period_start, consumption_mw, nature, source_file, loaded_at
    from rte_consumption order by perimeter, period_start`;
}
