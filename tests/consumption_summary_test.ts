import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "./helpers/app.ts";
import { loadDays } from "./helpers/consumption_days.ts";

async function summary(app: TestApp, query: string) {
  const response = await app.request(`/api/consumption/summary?${query}`);
  assert.equal(response.status, 200, query);
  return await response.json();
}

Deno.test("the summary of a range gives its count, mean, extremes and energy, both bounds included", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  // 06:00 to 08:00: 50 600, 50 630, 50 700, 50 730 and 50 800 MW.
  assert.deepEqual(await summary(app, "start=2018-01-01T06:00&end=2018-01-01T08:00"), {
    unit: "W",
    timezone: "Europe/Paris",
    perimeter: "France",
    start: "2018-01-01T06:00:00+01:00",
    end: "2018-01-01T08:00:00+01:00",
    count: 5,
    expected: 5,
    mean_w: 50_692_000_000,
    min_w: 50_600_000_000,
    max_w: 50_800_000_000,
    min_at: "2018-01-01T06:00:00+01:00",
    max_at: "2018-01-01T08:00:00+01:00",
    energy_wh: 253_460 * 500_000, // MW summed, × 10⁶ W/MW × 0.5 h
    first: "2018-01-01T06:00:00+01:00",
    last: "2018-01-01T08:00:00+01:00",
  });
});

Deno.test("the summary's mean is rounded to the nearest watt", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  // (50 600 + 50 630 + 50 700) / 3 = 50 643.333… MW
  const body = await summary(app, "start=2018-01-01T06:00&end=2018-01-01T07:00");
  assert.equal(body.mean_w, 50_643_333_333);
  assert.equal(body.energy_wh, 151_930 * 500_000);
});

Deno.test("a range with missing half-hours counts fewer than it expects", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-03"]); // the 2nd is missing
  const body = await summary(app, "start=2018-01-01T23:00&end=2018-01-03T00:30");
  assert.equal(body.count, 4);
  assert.equal(body.expected, 2 + 48 + 2);
  assert.equal(body.mean_w, (52_300 + 52_330 + 50_000 + 50_030) / 4 * 1e6);
  assert.deepEqual([body.min_w, body.min_at], [50_000_000_000, "2018-01-03T00:00:00+01:00"]);
  assert.deepEqual([body.max_w, body.max_at], [52_330_000_000, "2018-01-01T23:30:00+01:00"]);
  assert.deepEqual([body.first, body.last], [
    "2018-01-01T23:00:00+01:00",
    "2018-01-03T00:30:00+01:00",
  ]);
});

Deno.test("on a tie the lowest and highest half-hours are the earliest", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"], {}, () => 40_000);
  const body = await summary(app, "start=2018-01-01T10:00&end=2018-01-01T12:00");
  assert.equal(body.min_at, "2018-01-01T10:00:00+01:00");
  assert.equal(body.max_at, "2018-01-01T10:00:00+01:00");
});

Deno.test("an empty range has a count of 0 and null figures", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const body = await summary(app, "start=2019-01-01&end=2019-01-01T01:00");
  assert.equal(body.count, 0);
  assert.equal(body.expected, 3);
  for (const field of ["mean_w", "min_w", "max_w", "min_at", "max_at", "energy_wh"]) {
    assert.equal(body[field], null, field);
  }
  assert.deepEqual([body.first, body.last], [null, null]);
});

Deno.test("DST days expect 46 half-hours in spring and 50 in autumn, of which RTE publishes 48", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-03-25", "2018-10-28"]);
  const spring = await summary(app, "start=2018-03-25&end=2018-03-25T23:30");
  assert.deepEqual([spring.count, spring.expected], [46, 46]);
  assert.deepEqual([spring.first, spring.last], [
    "2018-03-25T00:00:00+01:00",
    "2018-03-25T23:30:00+02:00",
  ]);
  const autumn = await summary(app, "start=2018-10-28&end=2018-10-28T23:30");
  assert.deepEqual([autumn.count, autumn.expected], [48, 50]);
  assert.equal(autumn.start, "2018-10-28T00:00:00+02:00");
  assert.equal(autumn.end, "2018-10-28T23:30:00+01:00");
});

Deno.test("the summary agrees with the half-hours the list answers", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-03-24", "2018-03-25", "2018-03-26", "2018-10-28"]);
  for (
    const range of [
      "start=2018-03-24T13:00&end=2018-03-26T02:30",
      "start=2018-10-28T01:30&end=2018-10-28T02:30",
      "start=2018-03-25T02:30&end=2018-03-25T03:00",
    ]
  ) {
    const list = await (await app.request(`/api/consumption?${range}`)).json();
    const watts: number[] = list.data.map((point: { consumption_w: number }) =>
      point.consumption_w
    );
    const body = await summary(app, range);
    assert.equal(body.count, list.count, range);
    const total = watts.reduce((sum, w) => sum + w, 0);
    assert.equal(body.mean_w, Math.round(total / watts.length), range);
    assert.equal(body.energy_wh, total / 2, range);
    assert.equal(body.min_w, Math.min(...watts), range);
    assert.equal(body.max_w, Math.max(...watts), range);
    assert.equal(body.first, list.data[0].time, range);
    assert.equal(body.last, list.data.at(-1).time, range);
  }
});

Deno.test("the summary checks its bounds like the list does", async () => {
  await using app = await createTestApp({ maxRangeDays: 31 });
  const cases: Array<[string, string, RegExp]> = [
    ["end=2018-01-02", "start", /"start" is required/],
    ["start=2018-13-01&end=2018-12-02", "start", /^Cannot parse "2018-13-01": month out of range$/],
    ["start=2018-01-02&end=2018-01-01", "end", /is before "start"/],
    ["start=2018-01-01&end=2018-03-01", "end", /more than 31 days/],
    ["start=2018-01-01&end=2018-01-02&perimeter=%00", "perimeter", /Cannot parse perimeter/],
  ];
  for (const [query, parameter, detail] of cases) {
    const response = await app.request(`/api/consumption/summary?${query}`);
    assert.equal(response.status, 400, query);
    const problem = await response.json();
    assert.equal(problem.parameter, parameter, query);
    assert.match(problem.detail, detail, query);
  }
});
