import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "./helpers/app.ts";
import {
  apiBody,
  apiRow,
  jsonResponse,
  sampleHistory,
  serveAirqino,
} from "./helpers/airqino_api.ts";
import type { DailyEntry } from "../routes/air_quality_answers.ts";
import { runAirQualityEtl } from "../ingest/airqino/etl.ts";

const STATION = "283164601";

/** An app whose database holds `rows` (the sample history), loaded by the ETL at 2023-12-10 00:20Z. */
async function appWithData(rows = sampleHistory()): Promise<TestApp> {
  const app = await createTestApp();
  await using api = serveAirqino(() => jsonResponse(apiBody(rows)));
  await runAirQualityEtl(app.db.sql, {
    baseUrl: api.url,
    stations: [STATION],
    retries: 0,
    now: () => new Date("2023-12-10T00:20:00Z"),
    log: () => {},
  });
  return app;
}

async function problem(app: TestApp, path: string) {
  const response = await app.request(path);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
  return { status: response.status, ...(await response.json()) };
}

Deno.test("stations lists each station with its coverage and last run", async () => {
  await using app = await appWithData();
  const body = await (await app.request("/api/air-quality/stations")).json();
  assert.equal(body.count, 1);
  assert.deepEqual(body.stations[0], {
    id: STATION,
    name: "SMART188",
    latitude: 5.369297504425049,
    longitude: -3.958930253982544,
    timezone: "Africa/Abidjan",
    first_hour: "2023-12-08T00:00:00Z",
    last_hour: "2023-12-10T00:00:00Z",
    hours: 42,
    fetched_at: "2023-12-10T00:20:00Z",
    last_run: { finished_at: "2023-12-10T00:20:00Z", status: "ok", error: null },
  });
});

Deno.test("hourly returns every parameter, null where the API omitted it, and marks the filling hour", async () => {
  await using app = await appWithData();
  const response = await app.request(
    `/api/air-quality/hourly?station=${STATION}&from=2023-12-08T03:00&to=2023-12-10`,
  );
  assert.equal(response.status, 200);
  const body = await response.json();
  // 12-08 03:00–23:00 (21), 12-09 00:00–16:00 (17), 12-10 00:00 (a date as `to` is its whole day).
  assert.equal(body.count, 21 + 17 + 1);
  assert.deepEqual(body.data[0], {
    hour_start: "2023-12-08T03:00:00Z",
    co: 0.6 - 0.05 * 3,
    t: 25.3,
    t_int: 303,
    no2: null,
    o3: null,
    pm10: 33,
    pm25: 13,
    rh: 70,
    provisional: false,
    fetched_at: "2023-12-10T00:20:00Z",
  });
  assert.equal(body.data.at(-1).provisional, true);
  assert.deepEqual(Object.keys(body.units), [
    "co",
    "t",
    "t_int",
    "no2",
    "o3",
    "pm10",
    "pm25",
    "rh",
  ]);
  assert.deepEqual([body.units.pm25, body.units.co], ["µg/m³", "mg/m³"], "from airqino_parameters");
});

Deno.test("hourly as CSV has every parameter column, empty cells where the API omitted a value", async () => {
  await using app = await appWithData();
  const response = await app.request(
    `/api/air-quality/hourly?station=${STATION}&from=2023-12-08T03:00&to=2023-12-10&format=csv`,
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.equal(
    response.headers.get("content-disposition"),
    'attachment; filename="air_quality_hourly_283164601_20231208T030000Z_20231210T230000Z.csv"',
  );
  const text = await response.text();
  assert.ok(text.startsWith("\uFEFF"));
  const lines = text.slice(1).trimEnd().split("\r\n");
  assert.deepEqual(lines[0].split(","), [
    "hour_start",
    "co",
    "t",
    "t_int",
    "no2",
    "o3",
    "pm10",
    "pm25",
    "rh",
    "provisional",
    "fetched_at",
  ]);
  assert.equal(lines.length, 1 + 21 + 17 + 1, "the same hours as the JSON");
  assert.equal(
    lines[1],
    `2023-12-08T03:00:00Z,${0.6 - 0.05 * 3},25.3,303,,,33,13,70,false,2023-12-10T00:20:00Z`,
  );
  assert.equal(
    lines.at(-1),
    "2023-12-10T00:00:00Z,0.4,,,,,14.5,6.5,62.3,true,2023-12-10T00:20:00Z",
  );
});

Deno.test("hourly and daily answer 400 problems naming the parameter at fault", async () => {
  await using app = await createTestApp();
  const cases: Array<[string, string, RegExp]> = [
    ["/api/air-quality/hourly?from=2023-12-01&to=2023-12-02", "station", /required/],
    [
      "/api/air-quality/hourly?station=SMART188&from=2023-12-01&to=2023-12-02",
      "station",
      /numeric/,
    ],
    ["/api/air-quality/daily?station=1&to=2023-12-02", "from", /required/],
    [
      "/api/air-quality/daily?station=1&from=2023-13-01&to=2023-12-02",
      "from",
      /month out of range/,
    ],
    ["/api/air-quality/daily?station=1&from=2023-12-01T00:00&to=2023-12-02", "from", /YYYY-MM-DD/],
    ["/api/air-quality/forecast", "station", /required/],
  ];
  for (const [path, parameter, detail] of cases) {
    const body = await problem(app, path);
    assert.equal(body.status, 400, path);
    assert.equal(body.parameter, parameter, path);
    assert.match(body.detail, detail, path);
  }
});

Deno.test("bad ranges and formats of a known station are 400 problems too", async () => {
  await using app = await appWithData();
  const base = `/api/air-quality`;
  const cases: Array<[string, string, RegExp]> = [
    [`${base}/hourly?station=${STATION}&from=2023-12-09&to=2023-12-08T00:00`, "to", /before/],
    [`${base}/hourly?station=${STATION}&from=2020-01-01&to=2023-12-08`, "to", /366 days/],
    [`${base}/daily?station=${STATION}&from=2023-12-09&to=2023-12-08`, "to", /before/],
    [`${base}/daily?station=${STATION}&from=2023-12-08&to=2023-12-09&format=xml`, "format", /csv/],
    [
      `${base}/hourly?station=${STATION}&from=2023-12-08&to=2023-12-09&format=xlsx`,
      "format",
      /csv/,
    ],
  ];
  for (const [path, parameter, detail] of cases) {
    const body = await problem(app, path);
    assert.deepEqual([body.status, body.parameter], [400, parameter], path);
    assert.match(body.detail, detail, path);
  }
});

Deno.test("an unknown station is a 404 problem on every endpoint", async () => {
  await using app = await appWithData();
  for (
    const endpoint of [
      "hourly?from=2023-12-08&to=2023-12-09&",
      "daily?from=2023-12-08&to=2023-12-09&",
      "forecast?",
    ]
  ) {
    const body = await problem(app, `/api/air-quality/${endpoint}station=42`);
    assert.deepEqual([body.status, body.type, body.parameter], [
      404,
      "/problems/unknown-station",
      "station",
    ]);
    assert.match(body.detail, /No station 42/);
  }
});

Deno.test("daily returns one entry per day with means, hours, valid and provisional flags", async () => {
  await using app = await appWithData();
  const body = await (await app.request(
    `/api/air-quality/daily?station=${STATION}&from=2023-12-08&to=2023-12-10`,
  )).json();
  assert.equal(body.count, 3);
  assert.deepEqual(body.data.map((d: { day: string }) => d.day), [
    "2023-12-08",
    "2023-12-09",
    "2023-12-10",
  ]);
  assert.deepEqual(body.data[0].values.pm25, {
    unit: "µg/m³",
    mean: 21.5,
    min: 10,
    max: 33,
    hours: 24,
    valid: true,
    nonpositive_hours: 0,
    flag: null,
  });
  assert.deepEqual([body.data[1].values.pm25.hours, body.data[1].values.pm25.valid], [17, false]);
  assert.deepEqual([body.data[2].provisional, body.data[0].provisional], [true, false]);
  assert.deepEqual(Object.keys(body.data[0].values), [
    "co",
    "no2",
    "o3",
    "pm10",
    "pm25",
    "t",
    "rh",
  ]);
});

Deno.test("daily as CSV has one row per day and parameter, with a BOM and CRLF", async () => {
  await using app = await appWithData();
  const response = await app.request(
    `/api/air-quality/daily?station=${STATION}&from=2023-12-08&to=2023-12-09&format=csv`,
  );
  assert.equal(response.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.match(
    response.headers.get("content-disposition") ?? "",
    /air_quality_daily_283164601_2023-12-08_2023-12-09\.csv/,
  );
  const text = await response.text();
  assert.ok(text.startsWith("\uFEFFstation_id,station_name,day,parameter,unit,mean,"));
  const lines = text.trimEnd().split("\r\n");
  assert.equal(lines.length, 1 + 2 * 7);
  assert.ok(lines.includes("283164601,SMART188,2023-12-08,pm25,µg/m³,21.5,10,33,24,true,false,0,"));
  assert.ok(lines.includes("283164601,SMART188,2023-12-09,no2,µg/m³,,,,0,false,false,0,"));
});

Deno.test("daily flags a negative mean as a sensor offset, in JSON and in CSV", async () => {
  // 12-07: CO from -0.1 down to -0.33, as the 2022–23 responses have it.
  const offsetDay = Array.from(
    { length: 24 },
    (_, h) => apiRow(`2023-12-07 ${String(h).padStart(2, "0")}:00:00`, { "CO": -0.1 - 0.01 * h }),
  );
  await using app = await appWithData([...offsetDay, ...sampleHistory()]);
  const query = `station=${STATION}&from=2023-12-07&to=2023-12-08`;
  const body = await (await app.request(`/api/air-quality/daily?${query}`)).json();
  const co = body.data.map((day: DailyEntry) => [day.day, day.values.co?.flag]);
  assert.deepEqual(co, [["2023-12-07", "negative_mean"], ["2023-12-08", null]]);
  assert.equal(
    body.data[1].values.co.nonpositive_hours,
    12,
    "a positive mean despite 12 hours ≤ 0",
  );

  const csv = await (await app.request(`/api/air-quality/daily?${query}&format=csv`)).text();
  const lines = csv.replace("\uFEFF", "").trimEnd().split("\r\n");
  assert.ok(lines[0].endsWith(",nonpositive_hours,flag"));
  assert.deepEqual(lines.filter((line) => line.endsWith(",negative_mean")).length, 1);
  assert.match(
    lines.find((line) => line.includes(",2023-12-07,co,"))!,
    /,24,true,false,24,negative_mean$/,
  );
});

Deno.test("forecast returns the next two hours of CO and PM2.5, the model, issue time and backtest", async () => {
  await using app = await appWithData();
  const body = await (await app.request(`/api/air-quality/forecast?station=${STATION}`)).json();
  assert.equal(body.model, "ridge_lags_v1");
  assert.equal(body.issued_at, "2023-12-10T00:20:00Z");
  assert.equal(body.stale, true, "issued in 2023 for hours long over");
  assert.deepEqual(Object.keys(body.forecasts).sort(), ["co", "pm25"]);
  const pm25 = body.forecasts.pm25;
  assert.deepEqual([pm25.unit, body.forecasts.co.unit], ["µg/m³", "mg/m³"]);
  assert.equal(pm25.base_hour, "2023-12-09T16:00:00Z");
  assert.deepEqual(pm25.values, [
    { hour_start: "2023-12-09T17:00:00Z", horizon_hours: 1, value: 20, method: "persistence" },
    { hour_start: "2023-12-09T18:00:00Z", horizon_hours: 2, value: 20, method: "persistence" },
  ]);
  // Two days of history are too few to score the model: the backtest says so with n = 0.
  assert.deepEqual(pm25.backtest[0].n, 0);
  assert.equal(pm25.backtest[0].model.mae, null);
});

Deno.test("forecast of a station without a stored forecast is a 404 problem", async () => {
  await using app = await createTestApp();
  await app.db.sql`
    insert into airqino_stations (station_id, header, fetched_at) values (7, '{}', now())`;
  const body = await problem(app, "/api/air-quality/forecast?station=7");
  assert.deepEqual([body.status, body.type], [404, "/problems/no-forecast"]);
});

Deno.test("openapi.json documents the air-quality endpoints", async () => {
  await using app = await createTestApp();
  const document = await (await app.request("/openapi.json")).json();
  for (const path of ["stations", "hourly", "daily", "forecast"]) {
    assert.ok(document.paths[`/api/air-quality/${path}`].get, path);
  }
  for (const path of ["hourly", "daily"]) {
    const { parameters, responses } = document.paths[`/api/air-quality/${path}`].get;
    assert.ok(parameters.some((p: { name: string }) => p.name === "format"), path);
    assert.ok(responses["200"].content["text/csv"], path);
  }
});
