/**
 * HTTP caching of GET /api/consumption: a weak ETag that depends only on what the answer means
 * and on the rows its range covers, 304 for a matching If-None-Match (weak comparison, RFC 9110
 * §13.1.2), and a Cache-Control max-age that follows how final the range's half-hours are.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createSql, type Sql } from "../db/client.ts";
import { loadRteSource } from "../ingest/rte/load.ts";
import { createTestApp } from "./helpers/app.ts";
import { byTime, loadDays } from "./helpers/consumption_days.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { eco2mixXls, halfHourlyDay } from "./helpers/rte_fixtures.ts";
import { serve } from "./helpers/server.ts";
import { startTcpProxy } from "./helpers/tcp_proxy.ts";
import { waitFor } from "./helpers/wait.ts";

type Requester = (path: string, init?: RequestInit) => Response | Promise<Response>;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const WEAK_ETAG = /^W\/"[0-9a-f]+"$/i;
const DEFINITIVE = ["max-age=86400", "public"];
const CONSOLIDATED = ["max-age=3600", "public"];
const PROVISIONAL = ["max-age=60", "public"];

const RESOLUTIONS = ["PT30M", "PT1H", "P1D", "P1M"] as const;
const FORMATS = ["json", "csv"] as const;
/** The whole of 2018-01-01, Paris time. */
const JANUARY_FIRST = "/api/consumption?start=2018-01-01&end=2018-01-01T23:30";

/** Asks `path` and reads the whole body, so no response is left open. */
async function ask(
  app: Requester,
  path: string,
  headers: HeadersInit = {},
  method = "GET",
): Promise<Answer> {
  const response = await app(path, { method, headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The answer's ETag, after checking it is a 200 with a weak validator. */
function etagOf(answer: Answer, label: string): string {
  assert.equal(answer.status, 200, `${label}: ${answer.text.slice(0, 200)}`);
  const etag = answer.headers.get("etag");
  assert.match(etag ?? "(none)", WEAK_ETAG, label);
  return etag!;
}

async function etagFor(app: Requester, path: string, headers: HeadersInit = {}): Promise<string> {
  return etagOf(await ask(app, path, headers), path);
}

/** Cache-Control's directives, lower-cased and sorted, so spacing and order do not matter. */
function directivesOf(headers: Headers): string[] {
  return (headers.get("cache-control") ?? "").split(",").map((d) => d.trim().toLowerCase())
    .filter((d) => d !== "").sort();
}

/** `name` as a header whose value is a comma-separated list of field names. */
function listOf(headers: Headers, name: string): string[] {
  return (headers.get(name) ?? "").split(",").map((field) => field.trim().toLowerCase());
}

function assertNotModified(answer: Answer, etag: string, directives: string[], label: string) {
  assert.equal(answer.status, 304, label);
  assert.equal(answer.text, "", `${label}: no body`);
  assert.equal(answer.headers.get("etag"), etag, label);
  assert.deepEqual(directivesOf(answer.headers), directives, label);
  const vary = listOf(answer.headers, "vary");
  assert.ok(vary.includes("accept") && vary.includes("accept-encoding"), `${label}: Vary ${vary}`);
  assert.equal(answer.headers.get("content-type"), null, `${label}: no Content-Type`);
}

function consumptionPath(start: string, end: string, resolution = "PT30M", format = "json") {
  return `/api/consumption?start=${start}&end=${end}&resolution=${resolution}&format=${format}`;
}

/** The same day's file again, every value one MW higher: a load that changes every row. */
async function reissue(sql: Sql, date: string, perimeter?: string) {
  await loadRteSource(sql, {
    name: `reissued_${perimeter ?? "France"}_${date}.xls`,
    bytes: eco2mixXls(halfHourlyDay(date, (time) => byTime(time) + 1), { perimeter }),
  });
}

/** Waits until `path` answers another ETag than `etag` (change notifications are async). */
async function newEtag(app: Requester, path: string, etag: string): Promise<string> {
  let latest = etag;
  await waitFor(async () => (latest = await etagFor(app, path)) !== etag, `a new ETag for ${path}`);
  return latest;
}

Deno.test("every answer, JSON or CSV at every resolution, carries a weak ETag that asking again repeats", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02"]);
  for (const format of FORMATS) {
    for (const resolution of RESOLUTIONS) {
      const path = consumptionPath("2018-01-01", "2018-01-02T23:30", resolution, format);
      const etag = await etagFor(app.request, path);
      assert.equal(await etagFor(app.request, path), etag, `${path} asked again`);
      const head = await ask(app.request, path, {}, "HEAD");
      assert.equal(etagOf(head, `HEAD ${path}`), etag, `HEAD ${path}`);
      assert.deepEqual(directivesOf(head.headers), DEFINITIVE, `HEAD ${path}`);
    }
  }
  // A range without data is a 200 too.
  assert.equal(
    await etagFor(app.request, "/api/consumption?start=1999-01-01&end=1999-01-02"),
    await etagFor(app.request, "/api/consumption?start=1999-01-01&end=1999-01-02"),
  );
});

Deno.test("the ETag tells formats and resolutions apart, whichever way CSV was asked for and whatever the encoding", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02"]);
  const etags = new Map<string, string>();
  for (const format of FORMATS) {
    for (const resolution of RESOLUTIONS) {
      const path = consumptionPath("2018-01-01", "2018-01-02T23:30", resolution, format);
      etags.set(path, await etagFor(app.request, path));
    }
  }
  assert.equal(new Set(etags.values()).size, etags.size, JSON.stringify([...etags], null, 1));

  const byAccept = "/api/consumption?start=2018-01-01&end=2018-01-02T23:30&resolution=P1D";
  assert.equal(
    await etagFor(app.request, byAccept, { Accept: "text/csv" }),
    etags.get(consumptionPath("2018-01-01", "2018-01-02T23:30", "P1D", "csv")),
    "Accept: text/csv means format=csv",
  );
  assert.equal(
    await etagFor(app.request, byAccept),
    etags.get(consumptionPath("2018-01-01", "2018-01-02T23:30", "P1D", "json")),
    "no Accept means format=json",
  );
  // A weak validator holds for every content coding of the same answer.
  const halfHours = consumptionPath("2018-01-01", "2018-01-02T23:30");
  const compressed = await ask(app.request, halfHours, { "Accept-Encoding": "br" });
  assert.equal(compressed.headers.get("content-encoding"), "br");
  assert.equal(etagOf(compressed, "br"), etags.get(halfHours));
});

Deno.test("bounds written differently for the same instants give the same ETag; other bounds or another perimeter another one", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02"]);
  await loadDays(
    app.db.sql,
    ["2018-01-01", "2018-01-02"],
    { perimeter: "Bretagne" },
    (time) => byTime(time) - 45_000,
  );
  const etag = await etagFor(app.request, "/api/consumption?start=2018-01-01&end=2018-01-02");
  for (
    const start of [
      "2018-01-01T00:00",
      "2018-01-01T00:00:00",
      "2017-12-31T23:00Z",
      "2018-01-01T01:00%2B02:00",
    ]
  ) {
    const path = `/api/consumption?start=${start}&end=2018-01-02&perimeter=France`;
    assert.equal(await etagFor(app.request, path), etag, path);
  }
  const others = [
    "/api/consumption?start=2018-01-01&end=2018-01-02T00:30",
    "/api/consumption?start=2018-01-01T00:30&end=2018-01-02",
    "/api/consumption?start=2018-01-01&end=2018-01-02&perimeter=Bretagne",
  ];
  for (const path of others) assert.notEqual(await etagFor(app.request, path), etag, path);
});

Deno.test("two apps on the same database, as two service processes, give the same ETags", async () => {
  await using first = await createTestApp();
  await loadDays(first.db.sql, ["2018-01-01", "2018-01-02"]);
  const sql = createSql(first.db.url, { schema: first.db.schema });
  try {
    const second = createApp({ sql, config: first.config });
    for (const resolution of RESOLUTIONS) {
      for (const format of FORMATS) {
        const path = consumptionPath("2018-01-01", "2018-01-02T12:00", resolution, format);
        assert.equal(
          await etagFor((p, init) => second.request(p, init), path),
          await etagFor(first.request, path),
          path,
        );
      }
    }
  } finally {
    await sql.end();
  }
});

Deno.test("a matching If-None-Match, exact, in a list, without W/ or *, gets a bodiless 304 over the wire, GET or HEAD", async () => {
  await using db = await createTestDatabase();
  await loadDays(db.sql, ["2018-01-01"]);
  await using server = serve(
    createApp({ sql: db.sql, config: loadConfig({ DATABASE_URL: db.url }) }).fetch,
  );
  const overTheWire: Requester = (path, init) => fetch(server.url + path, init);
  for (const format of FORMATS) {
    for (const resolution of RESOLUTIONS) {
      const path = consumptionPath("2018-01-01", "2018-01-01T23:30", resolution, format);
      const etag = await etagFor(overTheWire, path);
      const strong = etag.slice(2);
      for (
        const ifNoneMatch of [etag, strong, `"0", ${etag}`, `W/"0",${strong} , "1"`, "*"]
      ) {
        for (const method of ["GET", "HEAD"]) {
          const label = `${method} ${path} If-None-Match: ${ifNoneMatch}`;
          const answer = await ask(overTheWire, path, { "If-None-Match": ifNoneMatch }, method);
          assertNotModified(answer, etag, DEFINITIVE, label);
        }
      }
    }
  }
});

Deno.test("an If-None-Match that does not match gets the 200 with its body", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const path = consumptionPath("2018-01-01", "2018-01-01T23:30");
  const json = await ask(app.request, path);
  const etag = etagOf(json, path);
  for (const ifNoneMatch of ['W/"0", "1"', `${etag.slice(0, -1)}0"`, `W/"0${etag.slice(3)}`]) {
    const answer = await ask(app.request, path, { "If-None-Match": ifNoneMatch });
    assert.equal(etagOf(answer, `If-None-Match: ${ifNoneMatch}`), etag);
    assert.equal(answer.text, json.text);
  }
  // The JSON answer's ETag names neither the CSV nor another range.
  const others = [
    consumptionPath("2018-01-01", "2018-01-01T23:30", "PT30M", "csv"),
    consumptionPath("2018-01-01", "2018-01-01T12:00"),
  ];
  for (const other of others) {
    const answer = await ask(app.request, other, { "If-None-Match": etag });
    assert.notEqual(etagOf(answer, other), etag, other);
    assert.ok(answer.text.length > 0, other);
  }
});

Deno.test("a load that changes a value in the range changes the ETag, and the old one then gets a 200 with the new value", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const path = "/api/consumption?start=2018-01-01T06:00&end=2018-01-01T06:00";
  const etag = await etagFor(app.request, path);
  await reissue(app.db.sql, "2018-01-01");
  const changed = await newEtag(app.request, path, etag);
  const answer = await ask(app.request, path, { "If-None-Match": etag });
  assert.equal(etagOf(answer, "old If-None-Match"), changed);
  assert.equal(JSON.parse(answer.text).data[0].consumption_w, 50_601_000_000);
  assertNotModified(
    await ask(app.request, path, { "If-None-Match": changed }),
    changed,
    DEFINITIVE,
    "new If-None-Match",
  );
});

Deno.test("a re-run of the same load changes nothing and keeps the ETag", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  await loadDays(app.db.sql, ["2018-01-01"], { perimeter: "Bretagne" });
  const etag = await etagFor(app.request, JANUARY_FIRST);
  const bretagne = `${JANUARY_FIRST}&perimeter=Bretagne`;
  const bretagneEtag = await etagFor(app.request, bretagne);

  await loadDays(app.db.sql, ["2018-01-01"]);
  // Notifications arrive in commit order: once a later load's is seen, the re-run's (if it
  // sent one) was handled too.
  await reissue(app.db.sql, "2018-01-01", "Bretagne");
  await newEtag(app.request, bretagne, bretagneEtag);
  assert.equal(await etagFor(app.request, JANUARY_FIRST), etag);
});

Deno.test("a load that changes only half-hours outside the range keeps the range's ETag", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-05"]);
  const etag = await etagFor(app.request, JANUARY_FIRST);
  const fifth = "/api/consumption?start=2018-01-05&end=2018-01-05T23:30";
  const fifthEtag = await etagFor(app.request, fifth);
  await reissue(app.db.sql, "2018-01-05");
  await newEtag(app.request, fifth, fifthEtag);
  assert.equal(await etagFor(app.request, JANUARY_FIRST), etag);
});

Deno.test("Cache-Control follows the least final half-hour of the range, and a missing last one, on 200s and 304s alike", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-05", "2018-01-07", "2018-03-25"]);
  await loadDays(app.db.sql, ["2018-01-02"], { nature: "consolidated" });
  await loadDays(app.db.sql, ["2018-01-03"], { nature: "real_time" });
  const cases: Array<[string, string, string[], string]> = [
    ["2018-01-01", "2018-01-01T23:30", DEFINITIVE, "all definitive"],
    ["2018-03-25", "2018-03-25T23:30", DEFINITIVE, "the spring day's 46 half-hours, definitive"],
    ["2018-01-01", "2018-01-02T23:30", CONSOLIDATED, "definitive and consolidated"],
    ["2018-01-02", "2018-01-02T23:30", CONSOLIDATED, "all consolidated"],
    ["2018-01-01", "2018-01-03T23:30", PROVISIONAL, "a real-time day in the range"],
    ["2018-01-03T12:00", "2018-01-03T12:00", PROVISIONAL, "one real-time half-hour"],
    ["2018-01-05", "2018-01-07T23:30", DEFINITIVE, "a hole between definitive days (never filled)"],
    ["2018-01-05", "2018-01-06T12:00", PROVISIONAL, "a range ending in missing half-hours"],
    ["2018-03-25", "2018-03-26", PROVISIONAL, "past the newest half-hour"],
    ["1999-01-01", "1999-01-02", PROVISIONAL, "no data at all"],
  ];
  for (const [start, end, directives, what] of cases) {
    for (const resolution of RESOLUTIONS) {
      const path = consumptionPath(start, end, resolution);
      const label = `${what}: ${path}`;
      const answer = await ask(app.request, path);
      const etag = etagOf(answer, label);
      assert.deepEqual(directivesOf(answer.headers), directives, label);
      const conditional = await ask(app.request, path, { "If-None-Match": etag });
      assertNotModified(conditional, etag, directives, `304 ${label}`);
    }
  }
});

Deno.test("problem answers carry no ETag, and If-None-Match does not turn them into 304s", async () => {
  await using app = await createTestApp({ maxRangeDays: 31 });
  await loadDays(app.db.sql, ["2018-01-01"]);
  const bad = [
    "/api/consumption?start=2018-01-01",
    "/api/consumption?start=2018-01-02&end=2018-01-01",
    "/api/consumption?start=2018-01-01&end=2018-03-01",
    "/api/consumption?start=2018-01-01&end=2018-01-02&resolution=PT15M",
  ];
  for (const path of bad) {
    for (const headers of [{}, { "If-None-Match": "*" }] as HeadersInit[]) {
      const answer = await ask(app.request, path, headers);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.headers.get("etag"), null, path);
    }
  }

  const unreachable = createSql("postgres://postgres@127.0.0.1:9/none", { max: 1 });
  try {
    const down = createApp({ sql: unreachable, config: loadConfig({}) });
    const answer = await ask((p, init) => down.request(p, init), JANUARY_FIRST);
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get("etag"), null);
  } finally {
    await unreachable.end();
  }
});

Deno.test("a cross-origin client may read the ETag, besides Content-Disposition and Retry-After", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const answer = await ask(app.request, JANUARY_FIRST, { Origin: "https://example.org" });
  etagOf(answer, "cross-origin");
  assert.equal(answer.headers.get("access-control-allow-origin"), "*");
  const exposed = listOf(answer.headers, "access-control-expose-headers");
  for (const name of ["etag", "content-disposition", "retry-after"]) {
    assert.ok(exposed.includes(name), `${name} in ${exposed}`);
  }
});

Deno.test("with the response cache off, ETags, 304s and a load's new ETag work the same", async () => {
  await using app = await createTestApp({ consumptionCacheMb: 0 });
  await loadDays(app.db.sql, ["2018-01-01"]);
  await loadDays(app.db.sql, ["2018-01-02"], { nature: "consolidated" });
  const cases: Array<[string, string[]]> = [
    [consumptionPath("2018-01-01", "2018-01-01T23:30"), DEFINITIVE],
    [consumptionPath("2018-01-01", "2018-01-02T23:30", "P1D", "csv"), CONSOLIDATED],
  ];
  for (const [path, directives] of cases) {
    const etag = await etagFor(app.request, path);
    assert.equal(await etagFor(app.request, path), etag, `${path} asked again`);
    for (const ifNoneMatch of [etag, `"0", ${etag.slice(2)}`, "*"]) {
      const answer = await ask(app.request, path, { "If-None-Match": ifNoneMatch });
      assertNotModified(answer, etag, directives, `${path} If-None-Match: ${ifNoneMatch}`);
    }
  }
  const [path] = cases[0];
  const etag = await etagFor(app.request, path);
  await reissue(app.db.sql, "2018-01-01");
  const changed = await newEtag(app.request, path, etag);
  const answer = await ask(app.request, path, { "If-None-Match": etag });
  assert.equal(etagOf(answer, "old If-None-Match after the load"), changed);
  assert.equal(JSON.parse(answer.text).data[0].consumption_w, 50_001_000_000);
});

Deno.test("a 304 reads no rows: with the database cut off after a first GET, If-None-Match still gets it, same ETag", async () => {
  await using db = await createTestDatabase();
  await loadDays(db.sql, ["2018-01-01"]);
  await using proxy = startTcpProxy(db.url);
  const sql = createSql(proxy.url, { schema: db.schema });
  try {
    const app = createApp({ sql, config: loadConfig({ DATABASE_URL: db.url }) });
    const request: Requester = (path, init) => app.request(path, init);
    const paths = [
      consumptionPath("2018-01-01", "2018-01-01T23:30"),
      consumptionPath("2018-01-01", "2018-01-01T23:30", "P1D", "csv"),
    ];
    const etags = [];
    for (const path of paths) etags.push(await etagFor(request, path));

    await proxy.setMode("refuse");
    for (const [index, path] of paths.entries()) {
      for (const method of ["GET", "HEAD"]) {
        const answer = await ask(request, path, { "If-None-Match": etags[index] }, method);
        assertNotModified(answer, etags[index], DEFINITIVE, `${method} ${path}, database cut`);
      }
    }
    await assert.rejects(sql`select 1`, "the database was out of reach");
  } finally {
    await sql.end({ timeout: 1 });
  }
});
