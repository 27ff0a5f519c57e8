/**
 * The HTTP policy (routes/http_policy.ts) seen from a client of a real Deno.serve server:
 * `app.request` would bypass the server, whose own HEAD handling is part of what is tested.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { WEB_ROOT } from "../routes/web.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";
import { serve, type TestServer } from "./helpers/server.ts";

const CONSUMPTION = "/api/consumption?start=2018-01-01&end=2018-01-02";
const BAD_REQUEST = "/api/consumption?start=2018-01-01";
const CORS_PATHS = [CONSUMPTION, "/api/status", "/openapi.json", BAD_REQUEST, "/api/nope"];
const SAME_ORIGIN_PATHS = ["/healthz", "/docs"];
const OTHER_ORIGIN = { Origin: "https://elsewhere.example" };
const BROWSER = { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
/** Deno's fetch decodes br and gzip answers itself, hiding the length sent: ask for neither. */
const BROWSER_UNCOMPRESSED = { ...BROWSER, "Accept-Encoding": "identity" };

const uiBuilt = isFile(`${WEB_ROOT}/index.html`);
if (!uiBuilt) console.log(`web UI assertions skipped: ${WEB_ROOT} missing (deno task web:build)`);

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function serveApp(db: TestDatabase): TestServer {
  return serve(createApp({ sql: db.sql, config: loadConfig({ DATABASE_URL: db.url }) }).fetch);
}

/** GETs `path` and reads the whole body, so no response is left open. */
async function get(server: TestServer, path: string, headers: HeadersInit = {}) {
  const response = await fetch(server.url + path, { headers });
  return { response, body: new Uint8Array(await response.arrayBuffer()) };
}

async function send(server: TestServer, method: string, path: string, headers = {}) {
  const response = await fetch(server.url + path, { method, headers });
  return { response, text: await response.text() };
}

/** The Content-Security-Policy as directive name → sources. */
function cspOf(response: Response): Map<string, string[]> {
  const header = response.headers.get("content-security-policy") ?? "";
  return new Map(
    header.split(";").map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

/**
 * Every answer's security headers. Pages (the UI, /docs) may load from this origin only; the
 * open-data paths' answers (JSON, CSV, problems) may load nothing at all.
 */
function assertSecurityHeaders(response: Response, path: string): void {
  assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
  assert.equal(response.headers.get("referrer-policy"), "no-referrer", path);
  assert.equal(response.headers.get("x-frame-options"), "DENY", path);
  const csp = cspOf(response);
  assert.deepEqual(csp.get("frame-ancestors"), ["'none'"], path);
  assert.doesNotMatch(response.headers.get("content-security-policy")!, /unsafe-/, path);
  if (isDataPath(path)) {
    assert.deepEqual([...csp.keys()].sort(), ["default-src", "frame-ancestors"], path);
    assert.deepEqual(csp.get("default-src"), ["'none'"], path);
    return;
  }
  assert.deepEqual(csp.get("default-src"), ["'self'"], path);
  assert.deepEqual(csp.get("object-src"), ["'none'"], path);
  assert.deepEqual(csp.get("base-uri"), ["'none'"], path);
  assert.equal(csp.has("script-src"), false, `${path}: scripts fall back to 'self'`);
}

function isDataPath(label: string): boolean {
  const path = label.replace(/^[A-Z]+ /, "");
  return path.startsWith("/api/") || path === "/openapi.json";
}

function assertProblem405(response: Response, text: string, allow: string, label: string) {
  assert.equal(response.status, 405, label);
  assert.equal(response.headers.get("allow"), allow, label);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/, label);
  const problem = JSON.parse(text);
  assert.equal(problem.status, 405, label);
  assert.equal(problem.title, "Method Not Allowed", label);
}

/** One HTTP/1.1 exchange over TCP, for methods `fetch` refuses to send (TRACE). */
async function rawExchange(server: TestServer, requestLine: string) {
  const { hostname, port } = new URL(server.url);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  const request = `${requestLine}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`;
  await connection.write(new TextEncoder().encode(request));
  const answer = await new Response(connection.readable).text(); // closes at end of stream
  const [head, body] = answer.split("\r\n\r\n", 2);
  const [statusLine, ...fields] = head.split("\r\n");
  const headers = new Headers(fields.map((field) => {
    const colon = field.indexOf(":");
    return [field.slice(0, colon), field.slice(colon + 1).trim()] as [string, string];
  }));
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

Deno.test("API answers, /docs, /openapi.json, 400s, 404s and 405s all carry the security headers, the API's with a policy that allows nothing", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  for (const path of [...CORS_PATHS, ...SAME_ORIGIN_PATHS, "/nope"]) {
    const { response } = await get(server, path);
    assertSecurityHeaders(response, path);
  }
  const { response: refused } = await send(server, "POST", "/api/status");
  assertSecurityHeaders(refused, "POST /api/status");
  assert.equal(
    (await rawExchange(server, "TRACE /docs HTTP/1.1")).headers.get("x-frame-options"),
    "DENY",
  );
});

Deno.test({
  name: "the web UI gets the same headers, and its build has no inline script or style to allow",
  ignore: !uiBuilt,
  async fn() {
    await using db = await createTestDatabase();
    await using server = serveApp(db);
    const { response, body } = await get(server, "/", BROWSER);
    assertSecurityHeaders(response, "/");
    const html = new TextDecoder().decode(body);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
    assert.ok(scripts.length > 0);
    for (const tag of scripts) assert.match(tag, /\ssrc="\/assets\//, tag);
    assert.doesNotMatch(html, /<style|\sstyle=/);
    const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)![1];
    assertSecurityHeaders((await get(server, asset)).response, asset);
  },
});

Deno.test("the /docs page's one inline stylesheet is exactly the one the CSP allows by hash", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  const { response, body } = await get(server, "/docs");
  const html = new TextDecoder().decode(body);
  const styles = [...html.matchAll(/<style>([^<]*)<\/style>/g)].map(([, css]) => css);
  assert.equal(styles.length, 1);
  const hash = createHash("sha256").update(styles[0]).digest("base64");
  assert.deepEqual(cspOf(response).get("style-src"), ["'self'", `'sha256-${hash}'`]);
  assert.doesNotMatch(html, /<script|\sstyle=/);
});

/** Headers every answer has of its own; the rest come from the HTTP policy. */
const ANSWER_OWN = [
  "content-type",
  "content-length",
  "transfer-encoding",
  "date",
  "etag",
  "cache-control",
  "vary",
];

function policyHeadersOf(response: Response): Array<[string, string]> {
  return [...response.headers].filter(([name]) => !ANSWER_OWN.includes(name));
}

Deno.test("answers built with all their headers at once (consumption, its 304, its CSV) carry the policy's headers like any other", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  const reference = policyHeadersOf((await get(server, "/api/status", OTHER_ORIGIN)).response);
  assert.ok(reference.length >= 8, JSON.stringify(reference));
  const { response: answer } = await get(server, CONSUMPTION, OTHER_ORIGIN);
  assert.equal(answer.status, 200);
  assert.deepEqual(policyHeadersOf(answer), reference);
  const etag = answer.headers.get("etag")!;
  const { response: notModified } = await get(server, CONSUMPTION, {
    ...OTHER_ORIGIN,
    "If-None-Match": etag,
  });
  assert.equal(notModified.status, 304);
  assert.deepEqual(policyHeadersOf(notModified), reference);
  const { response: csv } = await get(server, `${CONSUMPTION}&format=csv`, OTHER_ORIGIN);
  const csvPolicy = policyHeadersOf(csv).filter(([name]) => name !== "content-disposition");
  assert.deepEqual(csvPolicy, reference);
});

Deno.test("the API and /openapi.json are readable from any origin, errors included, without credentials", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  for (const path of CORS_PATHS) {
    const { response } = await get(server, path, OTHER_ORIGIN);
    assert.equal(response.headers.get("access-control-allow-origin"), "*", path);
    assert.equal(response.headers.get("access-control-allow-credentials"), null, path);
    assert.match(response.headers.get("access-control-expose-headers") ?? "", /Retry-After/, path);
  }
});

Deno.test("a CORS preflight is answered 204 with the read-only methods and a max-age", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  for (const path of [CONSUMPTION, "/openapi.json"]) {
    const { response, text } = await send(server, "OPTIONS", path, {
      ...OTHER_ORIGIN,
      "Access-Control-Request-Method": "GET",
    });
    assert.equal(response.status, 204, path);
    assert.equal(text, "");
    assert.equal(response.headers.get("access-control-allow-origin"), "*", path);
    assert.equal(response.headers.get("access-control-allow-methods"), "GET,HEAD,OPTIONS", path);
    assert.equal(response.headers.get("access-control-max-age"), "86400", path);
    assert.equal(response.headers.get("access-control-allow-credentials"), null, path);
  }
});

Deno.test("the UI, /docs and /healthz are not opened to other origins", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  for (const path of [...SAME_ORIGIN_PATHS, "/"]) {
    const { response } = await get(server, path, { ...OTHER_ORIGIN, ...BROWSER });
    assert.equal(response.headers.get("access-control-allow-origin"), null, path);
  }
  const { response, text } = await send(server, "OPTIONS", "/healthz", {
    ...OTHER_ORIGIN,
    "Access-Control-Request-Method": "GET",
  });
  assertProblem405(response, text, "GET, HEAD", "preflight to /healthz");
  assert.equal(response.headers.get("access-control-allow-origin"), null);
});

Deno.test("a plain OPTIONS on the API is answered 204 with Allow; elsewhere it is refused", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  const { response, text } = await send(server, "OPTIONS", "/api/status");
  assert.equal(response.status, 204);
  assert.equal(text, "");
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
  const docs = await send(server, "OPTIONS", "/docs");
  assertProblem405(docs.response, docs.text, "GET, HEAD", "OPTIONS /docs");
});

Deno.test("any other method on a read-only path is refused with 405, Allow and the problem body", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  const allowByPath = [
    ...CORS_PATHS.map((path) => [path, "GET, HEAD, OPTIONS"]),
    ...SAME_ORIGIN_PATHS.map((path) => [path, "GET, HEAD"]),
  ];
  for (const [path, allow] of allowByPath) {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "PROPFIND"]) {
      const { response, text } = await send(server, method, path);
      assertProblem405(response, text, allow, `${method} ${path}`);
    }
  }
});

Deno.test("TRACE, which fetch cannot send, reaches the app and is refused with 405", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  for (const [path, allow] of [["/api/status", "GET, HEAD, OPTIONS"], ["/healthz", "GET, HEAD"]]) {
    const { status, headers, body } = await rawExchange(server, `TRACE ${path} HTTP/1.1`);
    assert.equal(status, 405, path);
    assert.equal(headers.get("allow"), allow, path);
    assert.match(headers.get("content-type") ?? "", /^application\/problem\+json/, path);
    assert.match(body, /"title":"Method Not Allowed"/, path);
  }
});

Deno.test("HEAD answers like GET, without the body but with its length", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  const paths = [...CORS_PATHS, ...SAME_ORIGIN_PATHS];
  if (uiBuilt) {
    const index = new TextDecoder().decode((await get(server, "/", BROWSER)).body);
    paths.push("/", index.match(/src="(\/assets\/[^"]+\.js)"/)![1]);
  }
  for (const path of paths) {
    const { response: got, body } = await get(server, path, BROWSER_UNCOMPRESSED);
    const head = await fetch(server.url + path, { method: "HEAD", headers: BROWSER_UNCOMPRESSED });
    assert.equal(await head.text(), "", path);
    assert.ok(body.byteLength > 0, path);
    assert.equal(head.status, got.status, path);
    assert.equal(head.headers.get("content-type"), got.headers.get("content-type"), path);
    assert.equal(head.headers.get("content-length"), String(body.byteLength), path);
  }
});

Deno.test("over the wire, /openapi.json and the UI's script come brotli-compressed to a client that takes br", async () => {
  await using db = await createTestDatabase();
  await using server = serveApp(db);
  const paths = ["/openapi.json"];
  if (uiBuilt) {
    const index = new TextDecoder().decode((await get(server, "/", BROWSER)).body);
    paths.push(index.match(/src="(\/assets\/[^"]+\.js)"/)![1]);
  }
  for (const path of paths) {
    const { response, body } = await get(server, path, { "Accept-Encoding": "gzip, br" });
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get("content-encoding"), "br", path);
    assert.match(response.headers.get("vary") ?? "", /accept-encoding/i, path);
    assertSecurityHeaders(response, path);
    assert.ok(body.byteLength > 1024, `${path}: fetch hands over the decoded body`);
  }
});
