/**
 * Compressed answers: the web UI's files sent as the `.br`/`.gz` twins the build writes next to
 * them (routes/web.ts), and large JSON and CSV answers compressed on the fly
 * (routes/compression.ts). Bodies are decoded with node:zlib, not with the code under test.
 */
import assert from "node:assert/strict";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { Hono } from "hono";
import { upsertEvents } from "../db/events.ts";
import { toEventRow } from "../ingest/ticketmaster/event_row.ts";
import { acceptedCodings } from "../routes/content_coding.ts";
import { MIN_COMPRESSED_BYTES } from "../routes/compression.ts";
import { useHttpPolicy } from "../routes/http_policy.ts";
import { notFound } from "../routes/problem.ts";
import { WEB_ROOT, webRoutes } from "../routes/web.ts";
import { createTestApp } from "./helpers/app.ts";
import { loadDays } from "./helpers/consumption_days.ts";
import { makeEvent } from "./helpers/ticketmaster_data.ts";

const SCRIPT = `console.log(${JSON.stringify("a precompressed asset ".repeat(100))});\n`;
const INDEX = `<!doctype html><title>twins</title><div id="app"></div>${" ".repeat(2000)}\n`;
const ASSET = "/assets/app-C0ffee12.js";
const DATA = "/data.json";
const BROWSER = { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
const JANUARY = "/api/consumption?start=2018-01-01&end=2018-01-31T23:30";

interface WebDist extends AsyncDisposable {
  root: string;
}

/**
 * A built UI as the Vite build leaves it: the asset and a JSON file with both twins,
 * index.html with a gzip twin only.
 */
async function webDist(): Promise<WebDist> {
  const root = await Deno.makeTempDir({ prefix: "web_dist_" });
  await Deno.mkdir(`${root}/assets`);
  const write = (path: string, data: string | Uint8Array) =>
    typeof data === "string"
      ? Deno.writeTextFile(root + path, data)
      : Deno.writeFile(root + path, data);
  for (const [path, text] of [[ASSET, SCRIPT], [DATA, JSON.stringify({ script: SCRIPT })]]) {
    await write(path, text);
    await write(`${path}.br`, brotliCompressSync(text));
    await write(`${path}.gz`, gzipSync(text));
  }
  await write("/index.html", INDEX);
  await write("/index.html.gz", gzipSync(INDEX));
  return { root, [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }) };
}

/** The web routes behind the service's HTTP policy, as createApp mounts them. */
function webApp(root: string): Hono {
  const app = new Hono();
  useHttpPolicy(app);
  app.route("/", webRoutes(root));
  app.notFound(notFound);
  return app;
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** The body as text, decoded from the coding the response names. */
async function decoded(response: Response): Promise<string> {
  const body = await bytesOf(response);
  const coding = response.headers.get("content-encoding");
  const plain = coding === "br"
    ? brotliDecompressSync(body)
    : coding === "gzip"
    ? gunzipSync(body)
    : body;
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(plain); // the BOM is part of a CSV
}

function assertVaries(response: Response, label: string): void {
  assert.match(response.headers.get("vary") ?? "", /accept-encoding/i, label);
}

Deno.test("Accept-Encoding is read by q-value: most wanted first, q=0 refuses, * covers the rest", () => {
  assert.deepEqual(acceptedCodings(undefined), []);
  assert.deepEqual(acceptedCodings("gzip, deflate, br, zstd"), ["br", "gzip"]);
  assert.deepEqual(acceptedCodings("br;q=0.5, gzip"), ["gzip", "br"]);
  assert.deepEqual(acceptedCodings("GZIP"), ["gzip"]);
  assert.deepEqual(acceptedCodings("identity"), []);
  assert.deepEqual(acceptedCodings("br;q=0, gzip;q=0"), []);
  assert.deepEqual(acceptedCodings("*"), ["br", "gzip"]);
  assert.deepEqual(acceptedCodings("*;q=0.1, br;q=0"), ["gzip"]);
});

Deno.test("a client accepting br gets an asset's .br twin, typed and cached as the asset", async () => {
  await using dist = await webDist();
  const response = await webApp(dist.root).request(ASSET, {
    headers: { "Accept-Encoding": "gzip, deflate, br" },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-encoding"), "br");
  assert.match(response.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assertVaries(response, ASSET);
  const twin = await Deno.readFile(`${dist.root}${ASSET}.br`);
  assert.equal(response.headers.get("content-length"), String(twin.byteLength));
  assert.equal(await decoded(response), SCRIPT);
});

Deno.test("a client accepting gzip only, or preferring it, gets the .gz twin", async () => {
  await using dist = await webDist();
  const app = webApp(dist.root);
  for (const accept of ["gzip", "br;q=0.5, gzip", "br;q=0, *"]) {
    const response = await app.request(ASSET, { headers: { "Accept-Encoding": accept } });
    assert.equal(response.headers.get("content-encoding"), "gzip", accept);
    assert.equal(await decoded(response), SCRIPT, accept);
  }
});

Deno.test("a client refusing both codings, or not naming any, gets the file itself, still with Vary", async () => {
  await using dist = await webDist();
  const app = webApp(dist.root);
  for (const accept of [null, "identity", "br;q=0, gzip;q=0"]) {
    const headers: Record<string, string> = accept === null ? {} : { "Accept-Encoding": accept };
    const label = String(accept);
    const response = await app.request(ASSET, { headers });
    assert.equal(response.headers.get("content-encoding"), null, label);
    assert.equal(response.headers.get("content-length"), String(SCRIPT.length), label);
    assertVaries(response, label);
    assert.equal(await response.text(), SCRIPT, label);
  }
});

Deno.test("index.html and the page fallback are sent as the twin there is, revalidated on every visit", async () => {
  await using dist = await webDist();
  const app = webApp(dist.root);
  for (const path of ["/", "/consumption/2018-01-15"]) {
    const response = await app.request(path, {
      headers: { ...BROWSER, "Accept-Encoding": "br, gzip" },
    });
    assert.equal(response.headers.get("content-encoding"), "gzip", path);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/, path);
    assert.equal(response.headers.get("cache-control"), "no-cache", path);
    assertVaries(response, path);
    assert.equal(await decoded(response), INDEX, path);
  }
});

Deno.test("a precompressed JSON file is sent as its twin, not compressed a second time", async () => {
  await using dist = await webDist();
  const response = await webApp(dist.root).request(DATA, { headers: { "Accept-Encoding": "br" } });
  assert.equal(response.headers.get("content-encoding"), "br");
  assert.deepEqual(await bytesOf(response), await Deno.readFile(`${dist.root}${DATA}.br`));
});

Deno.test("a large consumption answer is compressed in the coding asked and decodes to the plain JSON", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02", "2018-01-03"]);
  const plain = await app.request(JANUARY);
  assert.equal(plain.headers.get("content-encoding"), null);
  assertVaries(plain, "plain");
  const json = await plain.text();
  assert.ok(json.length > MIN_COMPRESSED_BYTES);
  for (const coding of ["br", "gzip"]) {
    const response = await app.request(JANUARY, { headers: { "Accept-Encoding": coding } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-encoding"), coding);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(response.headers.get("content-length"), null, coding);
    assertVaries(response, coding);
    const text = await decoded(response);
    assert.deepEqual(JSON.parse(text), JSON.parse(json), coding);
  }
});

Deno.test("/openapi.json is compressed, and keeps its CORS and security headers", async () => {
  await using app = await createTestApp();
  const response = await app.request("/openapi.json", {
    headers: { "Accept-Encoding": "br", Origin: "https://elsewhere.example" },
  });
  assert.equal(response.headers.get("content-encoding"), "br");
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(JSON.parse(await decoded(response)).openapi.slice(0, 2), "3.");
});

Deno.test("small JSON answers and problems are sent plain", async () => {
  await using app = await createTestApp();
  const headers = { "Accept-Encoding": "br, gzip" };
  const health = await app.request("/healthz", { headers });
  assert.equal(health.headers.get("content-encoding"), null);
  assertVaries(health, "/healthz");
  assert.deepEqual(await health.json(), { status: "ok" });
  const problem = await app.request("/api/consumption?start=2018-01-01", { headers });
  assert.equal(problem.status, 400);
  assert.equal(problem.headers.get("content-encoding"), null);
  assert.equal((await problem.json()).status, 400);
});

Deno.test("HEAD announces the length GET sends with the same Accept-Encoding", async () => {
  await using app = await createTestApp();
  await using dist = await webDist();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02"]);
  const requests: [(path: string, init: RequestInit) => Response | Promise<Response>, string][] = [
    [app.request, JANUARY],
    [app.request, "/openapi.json"],
    [webApp(dist.root).request, ASSET],
  ];
  for (const [request, path] of requests) {
    for (const accept of ["br", "gzip", "identity"]) {
      const headers = { "Accept-Encoding": accept };
      const got = await request(path, { headers });
      const head = await request(path, { method: "HEAD", headers });
      const label = `${accept} ${path}`;
      assert.equal(head.status, 200, label);
      assert.equal(
        head.headers.get("content-encoding"),
        got.headers.get("content-encoding"),
        label,
      );
      assert.equal(await head.text(), "", label);
      const length = (await bytesOf(got)).byteLength;
      assert.equal(head.headers.get("content-length"), String(length), label);
    }
  }
});

Deno.test("a CSV export is compressed too", async () => {
  await using app = await createTestApp();
  const events = Array.from({ length: 20 }, (_, i) =>
    makeEvent({
      id: `E${i}`,
      name: `Concert ${i}`,
      localDate: "2025-02-01",
      localTime: "20:00:00",
    }));
  await upsertEvents(app.db.sql, events.map((event) => toEventRow(event)!), new Date());
  const path = "/api/events?from=2025-02-01&to=2025-02-01&format=csv";
  const plain = await decoded(await app.request(path));
  assert.ok(plain.startsWith("\uFEFF") && plain.length > MIN_COMPRESSED_BYTES);
  const response = await app.request(path, { headers: { "Accept-Encoding": "gzip" } });
  assert.equal(response.headers.get("content-encoding"), "gzip");
  assert.equal(response.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.match(response.headers.get("content-disposition") ?? "", /^attachment;/);
  assert.equal(await decoded(response), plain);
});

Deno.test("a streamed answer is compressed as it comes, its headers sent before its end", async () => {
  const LINES = 100;
  const line = (n: number) => `${n},${"x".repeat(1000)}`;
  // The stream stops half-way until the answer has started: buffering it whole would never end.
  const { promise: started, resolve: start } = Promise.withResolvers<void>();
  let sent = 0;
  const app = new Hono();
  useHttpPolicy(app);
  app.get("/stream", (c) => {
    const rows = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === LINES / 2) await started;
        if (sent === LINES) return controller.close();
        controller.enqueue(new TextEncoder().encode(`${line(++sent)}\r\n`));
      },
    });
    return c.body(rows, 200, { "content-type": "text/csv; charset=utf-8" });
  });
  const response = await app.request("/stream", { headers: { "Accept-Encoding": "br" } });
  assert.equal(response.headers.get("content-encoding"), "br");
  assert.ok(sent <= LINES / 2, `${sent} lines read before the answer started`);
  start();
  const lines = (await decoded(response)).split("\r\n");
  assert.deepEqual(lines, [...Array.from({ length: LINES }, (_, i) => line(i + 1)), ""]);
});

const uiBuilt = await Deno.stat(`${WEB_ROOT}/index.html`).then(() => true, () => false);
if (!uiBuilt) console.log(`built UI twins not checked: ${WEB_ROOT} missing (deno task web:build)`);

Deno.test({
  name: "the Vite build writes smaller br and gz twins of its text files that decode to them",
  ignore: !uiBuilt,
  async fn() {
    const files = [`${WEB_ROOT}/index.html`];
    for await (const entry of Deno.readDir(`${WEB_ROOT}/assets`)) {
      if (/\.(js|css)$/.test(entry.name)) files.push(`${WEB_ROOT}/assets/${entry.name}`);
    }
    assert.ok(files.length >= 3, files.join(", "));
    for (const path of files) {
      const file = await Deno.readFile(path);
      const br = await Deno.readFile(`${path}.br`);
      const gz = await Deno.readFile(`${path}.gz`);
      assert.ok(br.byteLength < gz.byteLength && gz.byteLength < file.byteLength, path);
      assert.deepEqual(new Uint8Array(brotliDecompressSync(br)), file, path);
      assert.deepEqual(new Uint8Array(gunzipSync(gz)), file, path);
    }
  },
});
