import assert from "node:assert/strict";
import { createTestApp } from "./helpers/app.ts";
import { loadDays } from "./helpers/consumption_days.ts";

Deno.test("perimeters list France first, then the regions in French order, with their first and last half-hours", async () => {
  await using app = await createTestApp();
  await loadDays(app.db.sql, ["2018-10-28", "2018-01-02"]);
  await loadDays(app.db.sql, ["2018-03-25"], { perimeter: "Occitanie" });
  await loadDays(app.db.sql, ["2018-01-01"], { perimeter: "Île-de-France" });
  await loadDays(app.db.sql, ["2018-06-01"], { perimeter: "Auvergne-Rhône-Alpes" });

  const response = await app.request("/api/consumption/perimeters");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    timezone: "Europe/Paris",
    count: 4,
    data: [
      {
        perimeter: "France",
        first: "2018-01-02T00:00:00+01:00",
        last: "2018-10-28T23:30:00+01:00",
      },
      {
        perimeter: "Auvergne-Rhône-Alpes",
        first: "2018-06-01T00:00:00+02:00",
        last: "2018-06-01T23:30:00+02:00",
      },
      {
        perimeter: "Île-de-France",
        first: "2018-01-01T00:00:00+01:00",
        last: "2018-01-01T23:30:00+01:00",
      },
      {
        perimeter: "Occitanie",
        first: "2018-03-25T00:00:00+01:00",
        last: "2018-03-25T23:30:00+02:00",
      },
    ],
  });
});

Deno.test("perimeters of an empty table are an empty list", async () => {
  await using app = await createTestApp();
  const body = await (await app.request("/api/consumption/perimeters")).json();
  assert.deepEqual(body, { timezone: "Europe/Paris", count: 0, data: [] });
});
