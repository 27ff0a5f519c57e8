import assert from "node:assert/strict";
import { createTestApp } from "./helpers/app.ts";
import { publishCurrentFiles, refreshFromStub, startRteStub } from "./helpers/rte_stub.ts";

Deno.test("GET /api/status on an empty database lists every feed, RTE first, with no run and no data", async () => {
  await using app = await createTestApp({ refreshIntervalMinutes: 30 });

  const response = await app.request("/api/status");

  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(await response.json(), {
    timezone: "Europe/Paris",
    refresh_interval_minutes: 30,
    sources: ["rte", "airqino", "ticketmaster"].map((source) => ({
      source,
      last_success: null,
      last_run: null,
      newest_data: [],
    })),
  });
});

Deno.test("GET /api/status shows the last successful run, a later failed run with its error, and the newest half-hour", async () => {
  await using app = await createTestApp();
  await using stub = startRteStub();
  publishCurrentFiles(stub);
  await refreshFromStub(app.db.sql, stub.url);
  stub.mode = "not-found";
  await refreshFromStub(app.db.sql, stub.url);

  const body = await (await app.request("/api/status")).json();

  const [rte] = body.sources;
  assert.equal(rte.source, "rte");
  assert.equal(rte.last_success.outcome, "succeeded");
  assert.equal(rte.last_success.rows_changed, 96);
  assert.match(rte.last_success.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  assert.deepEqual(rte.last_success.files.map((f: { name: string }) => f.name), [
    "eCO2mix_RTE_En-cours-Consolide.zip",
    "eCO2mix_RTE_En-cours-TR.zip",
  ]);
  assert.equal(rte.last_run.outcome, "failed");
  assert.match(rte.last_run.error, /En-cours-Consolide\.zip answered HTTP 404/);
  // The real-time file's day (2026-06-30) is newer than the consolidated one's.
  assert.deepEqual(rte.newest_data, [
    { perimeter: "France", time: "2026-06-30T23:30:00+02:00", nature: "real_time" },
  ]);
});

Deno.test("openapi.json describes GET /api/status", async () => {
  await using app = await createTestApp();
  const document = await (await app.request("/openapi.json")).json();
  assert.ok(document.paths["/api/status"].get.responses["200"]);
});
