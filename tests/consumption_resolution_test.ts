import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "./helpers/app.ts";
import { loadDays } from "./helpers/consumption_days.ts";

interface Point {
  time: string;
  consumption_w: number;
  nature: string;
  half_hours: number;
  expected_half_hours: number;
}

async function points(app: TestApp, query: string): Promise<Point[]> {
  const response = await app.request(`/api/consumption?${query}`);
  assert.equal(response.status, 200, query);
  const body = await response.json();
  assert.equal(body.resolution, new URLSearchParams(query).get("resolution"), query);
  assert.equal(body.count, body.data.length);
  return body.data;
}

/** [time, half_hours, expected_half_hours] of each point. */
const shapes = (data: Point[]) =>
  data.map((point) => [point.time, point.half_hours, point.expected_half_hours]);

Deno.test("hourly points split the autumn day's two 02:00 hours and skip the spring day's gap", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-03-25", "2018-10-28"]);
  // RTE leaves out the first 02:00 hour of the autumn day; give it one half-hour here.
  await app.db.sql`
    insert into rte_consumption (perimeter, period_start, consumption_mw, nature, source_file)
    values ('France', '2018-10-28T02:30:00+02:00', 40000, 'real_time', 'test')`;

  const autumn = await points(app, "start=2018-10-28T01:00&end=2018-10-28T03:30&resolution=PT1H");
  assert.deepEqual(shapes(autumn), [
    ["2018-10-28T01:00:00+02:00", 2, 2],
    ["2018-10-28T02:00:00+02:00", 1, 2],
    ["2018-10-28T02:00:00+01:00", 2, 2],
    ["2018-10-28T03:00:00+01:00", 2, 2],
  ]);
  assert.deepEqual(autumn.slice(1, 3).map((point) => [point.consumption_w, point.nature]), [
    [40_000_000_000, "real_time"],
    [50_215_000_000, "definitive"], // (50 200 + 50 230) / 2 MW
  ]);

  const spring = await points(app, "start=2018-03-25&end=2018-03-25T23:30&resolution=PT1H");
  assert.equal(spring.length, 23);
  assert.deepEqual(shapes(spring.slice(1, 3)), [
    ["2018-03-25T01:00:00+01:00", 2, 2],
    ["2018-03-25T03:00:00+02:00", 2, 2],
  ]);
});

Deno.test("daily points hold 46 half-hours on the spring day and expect 50 on the autumn day", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-03-24", "2018-03-25", "2018-10-28"]);
  assert.deepEqual(
    shapes(await points(app, "start=2018-03-24&end=2018-03-25T23:30&resolution=P1D")),
    [
      ["2018-03-24T00:00:00+01:00", 48, 48],
      ["2018-03-25T00:00:00+01:00", 46, 46],
    ],
  );
  assert.deepEqual(
    shapes(await points(app, "start=2018-10-28&end=2018-10-28T23:30&resolution=P1D")),
    [["2018-10-28T00:00:00+02:00", 48, 50]],
  );
});

Deno.test("a period cut by a bound averages only its half-hours inside the range", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02"]);
  const days = await points(app, "start=2018-01-01T06:00&end=2018-01-02T05:30&resolution=P1D");
  assert.deepEqual(days, [
    {
      time: "2018-01-01T00:00:00+01:00",
      consumption_w: 51_465_000_000, // 06:00 to 23:30
      nature: "definitive",
      half_hours: 36,
      expected_half_hours: 48,
    },
    {
      time: "2018-01-02T00:00:00+01:00",
      consumption_w: 50_265_000_000, // 00:00 to 05:30
      nature: "definitive",
      half_hours: 12,
      expected_half_hours: 48,
    },
  ]);
  // (50 600 + 50 630 + 50 700) / 3 MW, rounded to the nearest watt.
  const [cut] = await points(app, "start=2018-01-01T06:00&end=2018-01-01T07:00&resolution=P1D");
  assert.deepEqual([cut.consumption_w, cut.half_hours], [50_643_333_333, 3]);
});

Deno.test("monthly points follow Paris calendar months across a month boundary and DST", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-31", "2018-02-01", "2018-03-25", "2018-10-28"]);
  const months = await points(app, "start=2018-01-31T12:00&end=2018-02-01T11:30&resolution=P1M");
  assert.deepEqual(months.map((point) => [point.time, point.consumption_w]), [
    ["2018-01-01T00:00:00+01:00", 51_765_000_000], // 12:00 to 23:30
    ["2018-02-01T00:00:00+01:00", 50_565_000_000], // 00:00 to 11:30
  ]);
  assert.deepEqual(shapes(months), [
    ["2018-01-01T00:00:00+01:00", 24, 31 * 48],
    ["2018-02-01T00:00:00+01:00", 24, 28 * 48],
  ]);
  assert.deepEqual(
    shapes(await points(app, "start=2018-03-01&end=2018-10-31T23:30&resolution=P1M")),
    [
      ["2018-03-01T00:00:00+01:00", 46, 31 * 48 - 2],
      ["2018-10-01T00:00:00+02:00", 48, 31 * 48 + 2],
    ],
  );
});

Deno.test("a period's nature is the least final of its half-hours", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  await app.db.sql`
    update rte_consumption set nature = 'consolidated'
    where period_start = '2018-01-01T10:30:00+01:00'`;
  await app.db.sql`
    update rte_consumption set nature = 'real_time'
    where period_start = '2018-01-01T12:00:00+01:00'`;
  const hours = await points(app, "start=2018-01-01T10:00&end=2018-01-01T12:30&resolution=PT1H");
  assert.deepEqual(hours.map((point) => point.nature), ["consolidated", "definitive", "real_time"]);
  const [day] = await points(app, "start=2018-01-01&end=2018-01-01T23:30&resolution=P1D");
  assert.equal(day.nature, "real_time");
});

Deno.test("the resolution's CSV holds the same periods with their half-hour counts", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-03-25"]);
  const query = "start=2018-03-25&end=2018-03-25T23:30&resolution=PT1H";
  const json = await points(app, query);
  const response = await app.request(`/api/consumption?${query}&format=csv`);
  const lines = (await response.text()).replace(/^\uFEFF/, "").trimEnd().split("\r\n");
  assert.deepEqual(lines, [
    "time,consumption_w,nature,half_hours,expected_half_hours",
    ...json.map((point) =>
      [
        point.time,
        point.consumption_w,
        point.nature,
        point.half_hours,
        point.expected_half_hours,
      ].join(",")
    ),
  ]);
});

Deno.test("PT30M answers the stored half-hours without period counts", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const [point] = await points(app, "start=2018-01-01T06:00&end=2018-01-01T06:00&resolution=PT30M");
  assert.deepEqual(point, {
    time: "2018-01-01T06:00:00+01:00",
    consumption_w: 50_600_000_000,
    nature: "definitive",
  });
});
