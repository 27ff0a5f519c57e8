/**
 * Runs the ingest on the real RTE files in ../shared/data/rte (never copied into the repo).
 * Expected numbers come from ../shared/docs/rte-format.md (§8) and RTE's published values.
 */
import assert from "node:assert/strict";
import { loadRteStream } from "../ingest/rte/load.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { averageFromSqlFile } from "./helpers/average_consumption_sql.ts";

const RTE = "../shared/data/rte";
const present = await Deno.stat(RTE).then(() => true, () => false);
if (!present) console.warn(`Skipping the real RTE file tests: ${RTE} is absent.`);

const NATIONAL = `${RTE}/national`;
/** File → half-hours it must yield (quarter-hours with consumption on :00/:30, minus DST copies). */
const EXPECTED: Array<[string, number]> = [
  ["annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2012.zip", 17_568 - 2],
  ["annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2013.zip", 17_520 - 2],
  ["annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2014.zip", 17_520 - 2],
  ["annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2015.zip", 17_520 - 2],
  ["annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2017.zip", 17_520 - 2],
  ["annuel-definitif/eCO2mix_RTE_Annuel-Definitif_2018.zip", 17_520 - 2],
  ["en-cours-consolide/2018_dl-2019-03/eCO2mix_RTE_En-cours-Consolide.zip", 17_520 - 2],
  ["en-cours-tr/2016-06/eCO2mix_RTE_En-cours-TR.xls", 2_344 / 2],
  ["en-cours-tr/2025-01_2025-07/eCO2mix_RTE_En-cours-TR.zip", 9_869],
  ["en-cours-tr/2026-02_2026-03/eCO2mix_RTE_En-cours-TR.xls", 4_000 / 2],
  ["daily/eCO2mix_RTE_2021-01-04.zip", 48],
];
const ODRE_CSV =
  `${RTE}/odre/eco2mix-national-tr/2021-12_2022-01_fieldnames/eco2mix-national-tr.csv`;

/** RTE's inclusive "1 Jan 06:00 → 3 Jan 17:00" averages, MW (rte-format.md §8). */
const REFERENCE_AVERAGES: Record<number, string> = {
  2012: "59558.000",
  2013: "61852.706",
  2014: "59271.529",
  2015: "66797.437",
  2017: "73044.916",
  2018: "60930.454",
};

async function load(sql: Parameters<typeof loadRteStream>[0], path: string) {
  using file = await Deno.open(path);
  return await loadRteStream(sql, path.split("/").pop()!, file.readable);
}

Deno.test({
  name: "every real national file and ODRÉ export loads with the expected half-hour counts",
  ignore: !present,
  fn: async () => {
    await using db = await createTestDatabase();
    for (const [relative, halfHours] of EXPECTED) {
      const result = await load(db.sql, `${NATIONAL}/${relative}`);
      assert.equal(result.rowsRead, halfHours, relative);
    }
    const odre = await load(db.sql, ODRE_CSV);
    assert.equal(odre.rowsRead, 2_394);

    // Consolidated 2018 arrives after definitive 2018: nothing may change.
    const again = await load(
      db.sql,
      `${NATIONAL}/en-cours-consolide/2018_dl-2019-03/eCO2mix_RTE_En-cours-Consolide.zip`,
    );
    assert.equal(again.rowsChanged, 0);

    const perDay = async (day: string) => {
      const [{ count }] = await db.sql`
        select count(*)::int as count from rte_consumption
        where period_start >= (${day}::date)::timestamp at time zone 'Europe/Paris'
          and period_start < (${day}::date + 1)::timestamp at time zone 'Europe/Paris'`;
      return count;
    };
    for (const day of ["2012-03-25", "2013-03-31", "2014-03-30", "2015-03-29", "2018-03-25"]) {
      assert.equal(await perDay(day), 46, `spring-forward ${day}`);
    }
    for (const day of ["2012-10-28", "2013-10-27", "2017-10-29", "2018-10-28"]) {
      assert.equal(await perDay(day), 48, `fall-back ${day}`);
    }
    assert.equal(await perDay("2025-03-30"), 46, "real-time spring-forward 2025");
    assert.equal(await perDay("2016-02-29"), 0, "2016 annual file absent");
    assert.equal(await perDay("2012-02-29"), 48, "leap day 2012");

    const value = async (instant: string) => {
      const [row] = await db.sql`
        select consumption_mw, nature from rte_consumption
        where perimeter = 'France' and period_start = ${instant}::timestamptz`;
      return row && [row.consumption_mw, row.nature];
    };
    assert.deepEqual(await value("2018-01-01T00:00:00+01:00"), [61_127, "definitive"]);
    assert.deepEqual(await value("2012-02-08T19:00:00+01:00"), [102_098, "definitive"]);
    assert.deepEqual(await value("2014-08-17T07:00:00+02:00"), [29_477, "definitive"]);
    assert.deepEqual(await value("2018-10-28T02:00:00+01:00"), [49_196, "definitive"]);
    assert.equal(await value("2018-10-28T02:00:00+02:00"), undefined);
    assert.deepEqual(await value("2021-01-04T00:00:00+01:00"), [68_922, "real_time"]);
    // TR 2025 spring day: 03:00 CEST keeps its own value, not the 02:00 copy of 01:00.
    assert.deepEqual(await value("2025-03-30T03:00:00+02:00"), [46_542, "real_time"]);

    for (const [year, average] of Object.entries(REFERENCE_AVERAGES)) {
      const answer = await averageFromSqlFile(db, Number(year));
      assert.deepEqual([answer.averageMw, answer.halfHours], [average, 119]);
    }
  },
});
