import assert from "node:assert/strict";
import { parseHourStart, parsePayload, PayloadError } from "../ingest/airqino/payload.ts";
import { apiBody, apiRow, HTML_ERROR_PAGE } from "./helpers/airqino_api.ts";

Deno.test("a response in the real format parses, omitted keys stay absent and the raw row is kept", () => {
  const body = apiBody([
    apiRow("2022-12-10 01:00:00", {
      "CO": 0.5717233,
      "T": 18.2,
      "T. int.": 289.03333,
      "NO2": 22.749876,
      "O3": 5.4892926,
      "PM10": 11.1,
      "PM2.5": 4.3,
      "RH": 70.6,
    }),
    apiRow("2022-12-10 03:00:00", { "CO": -0.2, "PM2.5": 4, "T. int.": 288 }),
  ]);
  assert.match(body, /"T": 18.2, "T. int.": 289.03333/);
  const payload = parsePayload(body);
  assert.deepEqual(payload.header, {
    name: "SMART188",
    latitude: 5.369297504425049,
    longitude: -3.958930253982544,
    raw: {
      station_name: "SMART188",
      station_lat: 5.369297504425049,
      station_lon: -3.958930253982544,
    },
  });
  assert.equal(payload.rows[0].values.pm25, 4.3);
  assert.equal(payload.rows[0].values.t_int, 289.03333);
  assert.deepEqual(payload.rows[1].values, { co: -0.2, pm25: 4, t_int: 288 });
  assert.deepEqual(payload.rows[1].raw, {
    timestamp: "2022-12-10 03:00:00",
    "CO": -0.2,
    "T. int.": 288,
    "PM2.5": 4,
  });
});

Deno.test("timestamps are the UTC start of the hour", () => {
  assert.equal(parseHourStart("2023-12-10 00:00:00").toISOString(), "2023-12-10T00:00:00.000Z");
  // The European DST hours exist once, as they should in Abidjan.
  assert.equal(parseHourStart("2024-03-31 02:00:00").toISOString(), "2024-03-31T02:00:00.000Z");
});

Deno.test("a bad timestamp is refused with the row and what is wrong with it", () => {
  const cases: Array<[string, string]> = [
    ["2023-02-30 10:00:00", "day out of range"],
    ["2023-13-01 00:00:00", "month out of range"],
    ["2023-12-10 24:00:00", "hour out of range"],
    ["2023-12-10 10:30:00", "not the start of an hour"],
    ["2023-12-10 10:00:60", "second out of range"],
    ["10/12/2023", "expected YYYY-MM-DD HH:00:00"],
    ["2023-12-10T10:00:00Z", "expected YYYY-MM-DD HH:00:00"],
  ];
  for (const [label, problem] of cases) {
    const body = apiBody([apiRow("2023-12-10 09:00:00", {}), apiRow(label, {})]);
    assert.throws(() => parsePayload(body), (error: Error) => {
      assert.ok(error instanceof PayloadError);
      assert.equal(error.message, `data[1].timestamp: Cannot parse "${label}": ${problem}`);
      return true;
    });
  }
});

Deno.test("an explicit null is a missing value, not a zero", () => {
  const payload = parsePayload(
    `{"header": {"station_name": "SMART188"}, "data": [{"timestamp": "2023-12-10 00:00:00", "RH": null, "CO": 0.0}]}`,
  );
  assert.deepEqual(payload.rows[0].values, { co: 0 });
  assert.deepEqual([payload.header.latitude, payload.header.longitude], [null, null]);
});

Deno.test("an empty data array is a valid answer with no hours", () => {
  assert.deepEqual(parsePayload(apiBody([])).rows, []);
});

Deno.test("bodies that are not an AirQino response are refused with a message saying why", () => {
  const cases: Array<[string, RegExp]> = [
    [HTML_ERROR_PAGE, /not JSON \(starts with "<!DOCTYPE html> <html><head>/],
    ["", /not JSON \(starts with nothing \(empty body\)\)/],
    ["{}", /empty object \{\}, the API's answer when authentication is required/],
    ['{"data": []}', /wrong shape: header: .*expected object/],
    ['{"header": {}, "data": {}}', /wrong shape: data: .*expected array/],
    [apiBody([{ "PM2.5": 3 }]), /wrong shape: data\[0\]\.timestamp: .*expected string/],
    [
      apiBody([{ timestamp: "2023-12-10 00:00:00", "CO": "0.4" }]),
      /data\[0\]\.CO: .*expected number/,
    ],
    [
      apiBody([apiRow("2023-12-10 00:00:00", {}), apiRow("2023-12-10 00:00:00", {})]),
      /data\[1\]\.timestamp: "2023-12-10 00:00:00" appears twice/,
    ],
  ];
  for (const [body, message] of cases) {
    assert.throws(() => parsePayload(body), (error: Error) => {
      assert.ok(error instanceof PayloadError);
      assert.match(error.message, message);
      return true;
    });
  }
});
