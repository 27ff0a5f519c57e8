import assert from "node:assert/strict";
import { Hono } from "hono";
import { notFound } from "../routes/problem.ts";
import { webRoutes } from "../routes/web.ts";
import { createTestApp } from "./helpers/app.ts";

const FIXTURE_ROOT = "tests/fixtures/web";
const BROWSER = { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

/** The web routes mounted the way createApp mounts them: last, before the 404 problem. */
function fixtureApp(): Hono {
  const app = new Hono();
  app.get("/api/known", (c) => c.json({ ok: true }));
  app.route("/", webRoutes(FIXTURE_ROOT));
  app.notFound(notFound);
  return app;
}

async function assertProblem404(response: Response): Promise<void> {
  assert.equal(response.status, 404);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal((await response.json()).status, 404);
}

Deno.test("the root serves the built index.html, revalidated on every visit", async () => {
  const response = await fixtureApp().request("/");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.match(await response.text(), /<title>fixture<\/title>/);
});

Deno.test("hashed assets are served with their type and cached for good", async () => {
  const response = await fixtureApp().request("/assets/app-Bx12cd34.js");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /javascript/);
  assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(await response.text(), 'console.log("fixture asset");\n');
});

Deno.test("a browser asking for an unknown page gets the app's index.html", async () => {
  const response = await fixtureApp().request("/consumption/2018-01-15", { headers: BROWSER });
  assert.equal(response.status, 200);
  assert.match(await response.text(), /<div id="app">/);
});

Deno.test("API clients and missing assets still get the 404 problem", async () => {
  const app = fixtureApp();
  await assertProblem404(await app.request("/nope"));
  await assertProblem404(await app.request("/assets/missing.js", { headers: BROWSER }));
  await assertProblem404(await app.request("/../deno.json", { headers: BROWSER }));
});

Deno.test("unknown /api paths stay 404 problems even for a browser", async () => {
  const app = fixtureApp();
  await assertProblem404(await app.request("/api/nope", { headers: BROWSER }));
  await assertProblem404(await app.request("/api", { headers: BROWSER }));
  assert.deepEqual(await (await app.request("/api/known", { headers: BROWSER })).json(), {
    ok: true,
  });
});

Deno.test("in the real app, routes mounted before the web UI keep answering", async () => {
  await using app = await createTestApp();
  const health = await app.request("/healthz");
  assert.deepEqual(await health.json(), { status: "ok" });
  await assertProblem404(await app.request("/api/nope"));
});

Deno.test("an asset without compressed twins is sent as is to a client accepting br, with Vary", async () => {
  const response = await fixtureApp().request("/assets/app-Bx12cd34.js", {
    headers: { "Accept-Encoding": "br, gzip" },
  });
  assert.equal(response.headers.get("content-encoding"), null);
  assert.match(response.headers.get("vary") ?? "", /accept-encoding/i);
  assert.equal(await response.text(), 'console.log("fixture asset");\n');
});
