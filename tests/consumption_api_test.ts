import assert from "node:assert/strict";
import { loadRteSource } from "../ingest/rte/load.ts";
import { createTestApp } from "./helpers/app.ts";
import { byTime, loadDays } from "./helpers/consumption_days.ts";
import { eco2mixXls, halfHourlyDay } from "./helpers/rte_fixtures.ts";
import { createApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createSql } from "../db/client.ts";

async function problemOf(response: Response) {
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
  return await response.json();
}

Deno.test("consumption is answered in watts per half-hour with Paris offsets, both bounds included", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02", "2018-01-03"]);
  const response = await app.request(
    "/api/consumption?start=2018-01-01T06:00&end=2018-01-03T17:00",
  );
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const body = await response.json();
  assert.equal(body.unit, "W");
  assert.equal(body.resolution, "PT30M");
  assert.equal(body.timezone, "Europe/Paris");
  assert.equal(body.start, "2018-01-01T06:00:00+01:00");
  assert.equal(body.end, "2018-01-03T17:00:00+01:00");
  assert.equal(body.count, 119);
  assert.equal(body.data.length, 119);
  assert.deepEqual(body.data[0], {
    time: "2018-01-01T06:00:00+01:00",
    consumption_w: 50_600_000_000,
    nature: "definitive",
  });
  assert.equal(body.data.at(-1).time, "2018-01-03T17:00:00+01:00");
  assert.ok(Number.isInteger(body.data[5].consumption_w));
  const times = body.data.map((d: { time: string }) => d.time);
  assert.deepEqual(times, [...times].sort());
});

Deno.test("a date alone means local midnight and offsets or Z are taken as given", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02"]);
  const byDate = await (await app.request("/api/consumption?start=2018-01-02&end=2018-01-02"))
    .json();
  assert.deepEqual(byDate.data.map((d: { time: string }) => d.time), ["2018-01-02T00:00:00+01:00"]);
  const utc = await (await app.request(
    "/api/consumption?start=2018-01-01T05:00:00Z&end=2018-01-01T06:00:00%2B01:00",
  )).json();
  assert.deepEqual(utc.data.map((d: { time: string }) => d.time), [
    "2018-01-01T06:00:00+01:00",
  ]);
});

Deno.test("DST days return 46 and 48 half-hours with the offset changing inside the day", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-03-25", "2018-10-28"]);
  const spring = await (await app.request("/api/consumption?start=2018-03-25&end=2018-03-25T23:30"))
    .json();
  assert.equal(spring.count, 46);
  assert.deepEqual(spring.data.slice(2, 5).map((d: { time: string }) => d.time), [
    "2018-03-25T01:00:00+01:00",
    "2018-03-25T01:30:00+01:00",
    "2018-03-25T03:00:00+02:00",
  ]);
  const autumn = await (await app.request("/api/consumption?start=2018-10-28&end=2018-10-28T23:30"))
    .json();
  assert.equal(autumn.count, 48);
  assert.deepEqual(autumn.data.slice(2, 5).map((d: { time: string }) => d.time), [
    "2018-10-28T01:00:00+02:00",
    "2018-10-28T01:30:00+02:00",
    "2018-10-28T02:00:00+01:00",
  ]);
});

Deno.test("bounds on DST days select by wall-clock order", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-03-25", "2018-10-28"]);
  const times = async (query: string) =>
    (await (await app.request(`/api/consumption?${query}`)).json()).data.map(
      (d: { time: string }) => d.time,
    );
  // Autumn: 02:00–02:30 as an end reaches the second occurrence, where RTE's rows are.
  assert.deepEqual(await times("start=2018-10-28T02:00&end=2018-10-28T02:30"), [
    "2018-10-28T02:00:00+01:00",
    "2018-10-28T02:30:00+01:00",
  ]);
  assert.deepEqual(await times("start=2018-10-28T01:30&end=2018-10-28T02:00"), [
    "2018-10-28T01:30:00+02:00",
    "2018-10-28T02:00:00+01:00",
  ]);
  // Spring: 02:30 does not exist; as an end it stops before the gap, as a start after it.
  assert.deepEqual(await times("start=2018-03-25T01:30&end=2018-03-25T02:30"), [
    "2018-03-25T01:30:00+01:00",
  ]);
  assert.deepEqual(await times("start=2018-03-25T02:30&end=2018-03-25T03:00"), [
    "2018-03-25T03:00:00+02:00",
  ]);
});

Deno.test("a range without data answers an empty list", async () => {
  await using app = await createTestApp();
  const body = await (await app.request("/api/consumption?start=1999-01-01&end=1999-01-02")).json();
  assert.equal(body.count, 0);
  assert.deepEqual(body.data, []);
});

Deno.test("bad bounds answer 400 problems naming the parameter", async () => {
  await using app = await createTestApp({ maxRangeDays: 31 });
  const cases: Array<[string, string, RegExp]> = [
    ["/api/consumption?end=2018-01-02", "start", /"start" is required/],
    ["/api/consumption?start=2018-01-01", "end", /"end" is required/],
    [
      "/api/consumption?start=2018-13-01&end=2018-12-02",
      "start",
      /^Cannot parse "2018-13-01": month out of range$/,
    ],
    [
      "/api/consumption?start=2018-01-01&end=yesterday",
      "end",
      /^Cannot parse "yesterday": expected YYYY-MM-DD/,
    ],
    ["/api/consumption?start=2018-01-01T25:00&end=2018-01-02", "start", /hour out of range/],
    ["/api/consumption?start=2018-01-02&end=2018-01-01", "end", /is before "start"/],
    ["/api/consumption?start=2018-01-01&end=2018-03-01", "end", /more than 31 days/],
    [
      "/api/consumption?start=2018-01-01&end=2018-01-02&perimeter=%00",
      "perimeter",
      /Cannot parse perimeter/,
    ],
    ["/api/consumption?start=0018-01-01&end=2018-01-02", "start", /year out of range/],
  ];
  for (const [path, parameter, detail] of cases) {
    const problem = await problemOf(await app.request(path));
    assert.equal(problem.parameter, parameter, path);
    assert.equal(problem.status, 400);
    assert.ok(problem.type && problem.title, path);
    assert.match(problem.detail, detail, path);
  }
});

Deno.test("other methods than GET answer 405 with an Allow header", async () => {
  await using app = await createTestApp();
  const response = await app.request("/api/consumption?start=2018-01-01&end=2018-01-02", {
    method: "POST",
  });
  assert.equal(response.status, 405);
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
  assert.equal((await response.json()).title, "Method Not Allowed");
  const head = await app.request("/api/consumption?start=2018-01-01&end=2018-01-02", {
    method: "HEAD",
  });
  assert.equal(head.status, 200);
});

Deno.test("consumption answers 503 problem when the database is unreachable", async () => {
  const sql = createSql("postgres://postgres@127.0.0.1:9/none", { max: 1 });
  const app = createApp({ sql, config: loadConfig({}) });
  const response = await app.request("/api/consumption?start=2018-01-01&end=2018-01-02");
  assert.equal(response.status, 503);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
  await response.body?.cancel();
  await sql.end();
});

Deno.test("a cached answer is replaced once an ingest commits new values", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const path = "/api/consumption?start=2018-01-01T06:00&end=2018-01-01T06:00";
  const first = await (await app.request(path)).json();
  assert.equal(first.data[0].consumption_w, 50_600_000_000);
  // A change behind the loaders' back sends no notification: the cached answer stays.
  await app.db.sql`delete from rte_consumption`;
  assert.deepEqual(await (await app.request(path)).json(), first, "served from the cache");

  await loadRteSource(app.db.sql, {
    name: "reissued.xls",
    bytes: eco2mixXls(halfHourlyDay("2018-01-01", (time) => byTime(time) + 1)),
  });
  // The change notification arrives asynchronously after the commit.
  let latest = first;
  for (
    let attempt = 0;
    attempt < 100 && latest.data[0].consumption_w === 50_600_000_000;
    attempt++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    latest = await (await app.request(path)).json();
  }
  assert.equal(latest.data[0].consumption_w, 50_601_000_000);
});
