import assert from "node:assert/strict";
import { createTestApp } from "./helpers/app.ts";
import { createApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createSql } from "../db/client.ts";

Deno.test("healthz answers ok when the database is reachable", async () => {
  await using app = await createTestApp();
  const response = await app.request("/healthz");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "ok" });
});

Deno.test("healthz answers 503 problem when the database is unreachable", async () => {
  // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
  const sql = createSql("postgres://postgres@127.0.0.1:9/none", { max: 1 });
  const app = createApp({ sql, config: loadConfig({}) });
  const response = await app.request("/healthz");
  assert.equal(response.status, 503);
  assert.equal(
    response.headers.get("content-type"),
    "application/problem+json; charset=utf-8",
  );
  const body = await response.json();
  assert.equal(body.status, 503);
  assert.doesNotMatch(JSON.stringify(body), /ECONNREFUSED|stack|select/i);
  await sql.end();
});

Deno.test("unknown paths answer 404 problem", async () => {
  await using app = await createTestApp();
  const response = await app.request("/nope");
  assert.equal(response.status, 404);
  assert.match(
    response.headers.get("content-type") ?? "",
    /^application\/problem\+json/,
  );
  assert.equal((await response.json()).title, "Not Found");
});

Deno.test("openapi.json describes the consumption endpoint and docs page links to it", async () => {
  await using app = await createTestApp();
  const document = await (await app.request("/openapi.json")).json();
  assert.equal(document.openapi, "3.1.0");
  assert.ok(document.paths["/api/consumption"].get);
  const page = await (await app.request("/docs")).text();
  assert.match(page, /GET \/api\/consumption/);
});
