import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "./helpers/app.ts";
import { loadDays } from "./helpers/consumption_days.ts";

const RANGE = "start=2018-01-01T06:00&end=2018-01-03T17:00";

/** The CSV's cells, BOM and CRLF checked (no cell of these answers needs quoting). */
async function csvCells(response: Response): Promise<string[][]> {
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/csv; charset=utf-8");
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await response.arrayBuffer());
  assert.ok(text.startsWith("\uFEFF"), "starts with a byte-order mark");
  assert.ok(text.endsWith("\r\n") && !/[^\r]\n/.test(text), "CRLF line ends");
  return text.slice(1, -2).split("\r\n").map((line) => line.split(","));
}

/** The JSON answer's points as the CSV writes them. */
async function jsonCells(app: TestApp, query: string, columns: string[]): Promise<string[][]> {
  const body = await (await app.request(`/api/consumption?${query}`)).json();
  return [
    columns,
    ...body.data.map((point: Record<string, unknown>) => columns.map((c) => String(point[c]))),
  ];
}

async function problemParameter(response: Response): Promise<string> {
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
  return (await response.json()).parameter;
}

Deno.test("format=csv and Accept: text/csv both give the JSON answer's half-hours as CSV", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01", "2018-01-02", "2018-01-03"]);
  const expected = await jsonCells(app, RANGE, ["time", "consumption_w", "nature"]);
  assert.equal(expected.length, 1 + 119);
  assert.deepEqual(expected[1], ["2018-01-01T06:00:00+01:00", "50600000000", "definitive"]);

  const byFormat = await app.request(`/api/consumption?${RANGE}&format=csv`);
  assert.equal(
    byFormat.headers.get("content-disposition"),
    'attachment; filename="consumption_France_2018-01-01_2018-01-03.csv"',
  );
  assert.deepEqual(await csvCells(byFormat), expected);

  const byAccept = await app.request(`/api/consumption?${RANGE}`, {
    headers: { accept: "text/csv" },
  });
  assert.deepEqual(await csvCells(byAccept), expected);
});

Deno.test("format wins over Accept, which weighs its types, and every answer varies by Accept", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const ask = (query: string, accept?: string) =>
    app.request(`/api/consumption?start=2018-01-01&end=2018-01-01T01:00${query}`, {
      headers: accept ? { accept } : {},
    });
  const cases: Array<[string, string | undefined, RegExp]> = [
    ["", undefined, /^application\/json/],
    ["", "*/*", /^application\/json/],
    ["", "text/html,application/xhtml+xml,*/*;q=0.8", /^application\/json/],
    ["", "application/json;q=0.5, text/csv", /^text\/csv/],
    ["", "text/csv;q=0.5, application/json", /^application\/json/],
    ["&format=json", "text/csv", /^application\/json/],
    ["&format=csv", "application/json", /^text\/csv/],
  ];
  for (const [query, accept, type] of cases) {
    const response = await ask(query, accept);
    await response.body?.cancel();
    assert.match(response.headers.get("content-type") ?? "", type, `${query} ${accept}`);
    const vary = response.headers.get("vary")?.split(/\s*,\s*/);
    assert.ok(vary?.includes("Accept"), `${query} ${accept}: Vary ${vary}`);
  }
});

Deno.test("a cached JSON answer is never served to a CSV request, nor the other way round", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-01-01"]);
  const path = "/api/consumption?start=2018-01-01&end=2018-01-01T00:30";
  const json = await (await app.request(path)).json();
  const csv = await csvCells(await app.request(`${path}&format=csv`));
  assert.equal(json.count, 2);
  assert.equal(csv.length, 3);
  assert.equal((await (await app.request(path)).json()).count, 2);
});

Deno.test("a region's CSV file name keeps ASCII letters, digits and hyphens only", async () => {
  await using app = await createTestApp();
  const response = await app.request(
    "/api/consumption?start=2018-01-01&end=2018-01-02&format=csv&perimeter=Provence-Alpes-C%C3%B4te%20d'Azur",
  );
  await response.body?.cancel();
  assert.equal(
    response.headers.get("content-disposition"),
    'attachment; filename="consumption_Provence-Alpes-Cote_d_Azur_2018-01-01_2018-01-02.csv"',
  );
});

Deno.test("a bad format or resolution answers a 400 problem naming it", async () => {
  await using app = await createTestApp();
  const base = "/api/consumption?start=2018-01-01&end=2018-01-02";
  assert.equal(await problemParameter(await app.request(`${base}&format=xml`)), "format");
  assert.equal(await problemParameter(await app.request(`${base}&format=`)), "format");
  for (const resolution of ["PT15M", "P1W", "pt1h", ""]) {
    const response = await app.request(`${base}&resolution=${resolution}`);
    assert.equal(await problemParameter(response), "resolution", resolution);
  }
  const summary = await app.request("/api/consumption/summary?start=2018-01-02&end=2018-01-01");
  assert.equal(await problemParameter(summary), "end");
});
