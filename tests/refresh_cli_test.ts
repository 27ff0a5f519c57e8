import assert from "node:assert/strict";
import { listRuns } from "../db/run_log.ts";
import { main } from "../ingest/rte/refresh_cli.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { publishCurrentFiles, startRteStub, SUMMER } from "./helpers/rte_stub.ts";

Deno.test("deno task refresh runs one refresh and exits 0, or 1 when the run failed", async () => {
  await using db = await createTestDatabase();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  const injected = { sql: db.sql, rteBaseUrl: stub.url, now: SUMMER };

  assert.equal(await main(["--backfill-years", "0"], injected), 0);
  stub.mode = "html";
  publishCurrentFiles(stub, 2);
  assert.equal(await main(["--backfill-years", "0"], injected), 1);

  assert.deepEqual((await listRuns(db.sql, "rte")).map((run) => run.outcome), [
    "failed",
    "succeeded",
  ]);
});

Deno.test("deno task refresh rejects a bad --backfill-years with exit code 2", async () => {
  assert.equal(await main(["--backfill-years", "two"]), 2);
  assert.equal(await main(["--backfill-years", "50"]), 2);
});
