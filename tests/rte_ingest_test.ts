import assert from "node:assert/strict";
import { zipSync } from "fflate";
import type { Sql } from "../db/client.ts";
import { loadRteSource, RteFormatError } from "../ingest/rte/load.ts";
import { createTestDatabase } from "./helpers/database.ts";
import {
  consecutiveDates,
  eco2mixText,
  eco2mixXls,
  halfHourlyDay,
  latin1,
  odreCsv,
  quarterHourlyDay,
  V36_HEADER,
  V40_HEADER,
  zipOf,
} from "./helpers/rte_fixtures.ts";

/** A value that encodes its own time, so a misplaced row shows: 50 000 + HHMM. */
const byTime = (time: string) => 50_000 + Number(time.replace(":", ""));

async function stored(sql: Sql) {
  const rows = await sql`
    select period_start, consumption_mw, nature, source_file
    from rte_consumption order by perimeter, period_start`;
  return rows.map((r) => ({
    at: (r.period_start as Date).toISOString(),
    mw: r.consumption_mw as number,
    nature: r.nature as string,
    file: r.source_file as string,
  }));
}

Deno.test("a definitive zip loads 48 half-hours a day keyed by their UTC instant", async () => {
  await using db = await createTestDatabase();
  const xls = eco2mixXls(halfHourlyDay("2018-01-01", byTime));
  const result = await loadRteSource(db.sql, {
    name: "eCO2mix_RTE_Annuel-Definitif_2018.zip",
    bytes: zipOf("eCO2mix_RTE_Annuel-Definitif_2018.xls", xls),
  });
  assert.deepEqual(result, {
    file: "eCO2mix_RTE_Annuel-Definitif_2018.zip",
    rowsRead: 48,
    rowsChanged: 48,
  });
  const rows = await stored(db.sql);
  assert.equal(rows.length, 48);
  // Paris is UTC+1 in January: local midnight is 23:00 the day before.
  assert.deepEqual(rows[0], {
    at: "2017-12-31T23:00:00.000Z",
    mw: 50_000,
    nature: "definitive",
    file: "eCO2mix_RTE_Annuel-Definitif_2018.zip",
  });
  assert.deepEqual(rows[47].at, "2018-01-01T22:30:00.000Z");
  assert.equal(rows[47].mw, 52_330);
});

Deno.test("the spring-forward day keeps 46 half-hours and drops RTE's 02:00 and 02:30 copies", async () => {
  await using db = await createTestDatabase();
  await loadRteSource(db.sql, {
    name: "spring.xls",
    bytes: eco2mixXls(halfHourlyDay("2018-03-25", byTime)),
  });
  const rows = await stored(db.sql);
  assert.equal(rows.length, 46);
  const around = rows.filter((r) =>
    r.at >= "2018-03-25T00:00:00.000Z" && r.at <= "2018-03-25T01:30:00.000Z"
  );
  assert.deepEqual(around.map((r) => [r.at.slice(11, 16), r.mw]), [
    ["00:00", 50_100], // 01:00 CET
    ["00:30", 50_130], // 01:30 CET
    ["01:00", 50_300], // 03:00 CEST, the next instant
    ["01:30", 50_330],
  ]);
});

Deno.test("the autumn day stamps the single 02:00 and 02:30 rows with +01:00 and invents nothing", async () => {
  await using db = await createTestDatabase();
  await loadRteSource(db.sql, {
    name: "autumn.xls",
    bytes: eco2mixXls(halfHourlyDay("2018-10-28", byTime)),
  });
  const rows = await stored(db.sql);
  assert.equal(rows.length, 48);
  const night = rows.filter((r) =>
    r.at >= "2018-10-27T23:00:00.000Z" && r.at <= "2018-10-28T02:00:00.000Z"
  );
  assert.deepEqual(night.map((r) => [r.at.slice(11, 16), r.mw]), [
    ["23:00", 50_100], // 01:00 CEST
    ["23:30", 50_130], // 01:30 CEST; 00:00Z and 00:30Z (02:00/02:30 CEST) stay absent
    ["01:00", 50_200], // 02:00 CET
    ["01:30", 50_230], // 02:30 CET
    ["02:00", 50_300], // 03:00 CET
  ]);
});

Deno.test("a leap day loads and 29 February of a common year is refused with its line", async () => {
  await using db = await createTestDatabase();
  await loadRteSource(db.sql, {
    name: "leap.xls",
    bytes: eco2mixXls(halfHourlyDay("2016-02-29", byTime)),
  });
  assert.equal((await stored(db.sql)).length, 48);
  await assert.rejects(
    loadRteSource(db.sql, {
      name: "bad.xls",
      bytes: eco2mixXls(halfHourlyDay("2018-02-29", byTime)),
    }),
    { message: 'bad.xls: line 2: Cannot parse "2018-02-29": day out of range' },
  );
});

Deno.test("a consumption up to the integer column's 2147483647 MW loads; one more is refused with its line", async () => {
  await using db = await createTestDatabase();
  const dayWith = (mw: string) =>
    eco2mixXls(
      halfHourlyDay("2018-01-03", byTime).map((row, i) =>
        i === 2 ? { ...row, consumption: mw } : row
      ),
    );
  await loadRteSource(db.sql, { name: "max.xls", bytes: dayWith("2147483647") });
  assert.equal((await stored(db.sql))[1].mw, 2_147_483_647);
  await assert.rejects(
    loadRteSource(db.sql, { name: "over.xls", bytes: dayWith("2147483648") }),
    {
      message:
        'over.xls: line 4: Cannot parse consumption "2147483648": out of range (at most 2147483647 MW)',
    },
  );
});

Deno.test("ND, - and empty consumption are missing values, never zero", async () => {
  await using db = await createTestDatabase();
  const rows = halfHourlyDay("2018-01-02", byTime);
  rows[0].consumption = "ND"; // 00:00
  rows[2].consumption = "-"; // 00:30
  rows[4].consumption = ""; // 01:00
  await loadRteSource(db.sql, { name: "gaps.xls", bytes: eco2mixXls(rows) });
  const stored_ = await stored(db.sql);
  assert.equal(stored_.length, 45);
  assert.ok(stored_.every((r) => r.mw > 0));
  assert.equal(stored_[0].at, "2018-01-02T00:30:00.000Z"); // 01:30 local
});

Deno.test("a real-time file keeps the :00 and :30 quarter-hours and its empty tail is skipped", async () => {
  await using db = await createTestDatabase();
  const rows = quarterHourlyDay("2025-07-27", byTime).map((row) =>
    row.time >= "15:30" ? { ...row, consumption: "" } : row
  );
  const result = await loadRteSource(db.sql, {
    name: "eCO2mix_RTE_En-cours-TR.zip",
    bytes: zipOf(
      "eCO2mix_RTE_En-cours-TR.xls",
      eco2mixXls(rows, { nature: "real_time", header: V40_HEADER }),
    ),
  });
  assert.equal(result.rowsRead, 31); // 00:00 … 15:00
  const all = await stored(db.sql);
  assert.ok(all.every((r) => r.nature === "real_time"));
  assert.equal(all.at(-1)!.at, "2025-07-27T13:00:00.000Z"); // 15:00 CEST
});

Deno.test("columns are found by name whatever their position", async () => {
  await using db = await createTestDatabase();
  // Swap Consommation with Prévision J-1 in the header and in the rows.
  const header = [...V36_HEADER];
  [header[4], header[5]] = [header[5], header[4]];
  const text = eco2mixText(halfHourlyDay("2018-01-01", byTime), { header })
    .split("\n")
    .map((line, i) => {
      if (i === 0) return line;
      const fields = line.split("\t");
      if (fields.length < 6) return line;
      [fields[4], fields[5]] = [fields[5], fields[4]];
      return fields.join("\t");
    })
    .join("\n");
  await loadRteSource(db.sql, { name: "swapped.xls", bytes: latin1(text) });
  const rows = await stored(db.sql);
  assert.equal(rows.length, 48);
  assert.equal(rows[1].mw, 50_030);
});

Deno.test("ODRÉ CSV exports load with field-name or label headers, rows in any order", async () => {
  for (const labels of [false, true]) {
    await using db = await createTestDatabase();
    const csv = odreCsv([
      {
        date: "2022-01-01",
        heure: "18:30",
        dateHeure: "2022-01-01T18:30:00+01:00",
        consommation: "52000",
      },
      {
        date: "2022-01-01",
        heure: "18:15",
        dateHeure: "2022-01-01T18:15:00+01:00",
        consommation: "52869",
      },
      {
        date: "2022-01-01",
        heure: "18:00",
        dateHeure: "2022-01-01T18:00:00+01:00",
        consommation: "53100",
      },
      {
        date: "2022-01-20",
        heure: "23:30",
        dateHeure: "2022-01-20T23:30:00+01:00",
        consommation: "",
      },
    ], labels);
    const result = await loadRteSource(db.sql, { name: "eco2mix-national-tr.csv", bytes: csv });
    assert.equal(result.rowsRead, 2, labels ? "labels" : "field names");
    assert.deepEqual((await stored(db.sql)).map((r) => [r.at, r.mw]), [
      ["2022-01-01T17:00:00.000Z", 53_100],
      ["2022-01-01T17:30:00.000Z", 52_000],
    ]);
  }
});

Deno.test("ODRÉ's spring-forward phantom rows are dropped instead of overwriting real ones", async () => {
  await using db = await createTestDatabase();
  // As in the real export: 02:00 local read as +01:00 lands on the same UTC instant as 03:00.
  const csv = odreCsv([
    {
      date: "2025-03-30",
      heure: "01:30",
      dateHeure: "2025-03-30T00:30:00+00:00",
      consommation: "46970",
    },
    {
      date: "2025-03-30",
      heure: "02:00",
      dateHeure: "2025-03-30T01:00:00+00:00",
      consommation: "47361",
    },
    {
      date: "2025-03-30",
      heure: "03:00",
      dateHeure: "2025-03-30T01:00:00+00:00",
      consommation: "46542",
    },
  ]);
  await loadRteSource(db.sql, { name: "odre.csv", bytes: csv });
  assert.deepEqual((await stored(db.sql)).map((r) => [r.at, r.mw]), [
    ["2025-03-30T00:30:00.000Z", 46_970],
    ["2025-03-30T01:00:00.000Z", 46_542],
  ]);
});

Deno.test("a lower nature never overwrites a higher one; a re-issued file of the same nature does", async () => {
  await using db = await createTestDatabase();
  const day = (nature: "definitive" | "consolidated" | "real_time", offset: number) => ({
    name: `${nature}-${offset}.xls`,
    bytes: eco2mixXls(halfHourlyDay("2018-01-05", (t) => byTime(t) + offset), { nature }),
  });
  const load = async (source: ReturnType<typeof day>) =>
    (await loadRteSource(db.sql, source)).rowsChanged;

  assert.equal(await load(day("real_time", 0)), 48);
  assert.equal(await load(day("consolidated", 5)), 48, "consolidated replaces real time");
  assert.equal(await load(day("real_time", 9)), 0, "real time never replaces consolidated");
  assert.equal(await load(day("consolidated", 5)), 0, "a re-run changes nothing");
  assert.equal(await load(day("consolidated", 7)), 48, "a re-issued consolidated file updates");
  assert.equal(await load(day("definitive", 7)), 48, "definitive replaces equal values too");
  assert.equal(await load(day("consolidated", 1)), 0, "consolidated never replaces definitive");
  const rows = await stored(db.sql);
  assert.ok(rows.every((r) => r.nature === "definitive" && r.file === "definitive-7.xls"));
  assert.equal(rows[0].mw, 50_007);
});

Deno.test("loads running at the same time wait for each other and precedence still holds", async () => {
  await using db = await createTestDatabase();
  const day = (nature: "definitive" | "real_time", offset: number) => ({
    name: `${nature}.xls`,
    bytes: eco2mixXls(halfHourlyDay("2018-01-06", (t) => byTime(t) + offset), { nature }),
  });
  // Both start on an empty range; the second one in must see the first one's rows.
  await Promise.all([
    loadRteSource(db.sql, day("real_time", 3)),
    loadRteSource(db.sql, day("definitive", 7)),
  ]);
  const rows = await stored(db.sql);
  assert.equal(rows.length, 48);
  assert.ok(rows.every((r) => r.nature === "definitive" && r.file === "definitive.xls"));
  assert.equal(rows[0].mw, 50_007);
});

Deno.test("loading the same file twice changes nothing", async () => {
  await using db = await createTestDatabase();
  const source = { name: "twice.xls", bytes: eco2mixXls(halfHourlyDay("2018-01-01", byTime)) };
  await loadRteSource(db.sql, source);
  const before = await db.sql`select * from rte_consumption order by period_start`;
  const again = await loadRteSource(db.sql, source);
  assert.equal(again.rowsChanged, 0);
  assert.deepEqual(await db.sql`select * from rte_consumption order by period_start`, before);
});

/** A stored (uncompressed) zip whose data was changed after its CRC-32 was written. */
function alteredStoredZip(entryName: string, xls: Uint8Array): Uint8Array {
  const zip = new Uint8Array(zipSync({ [entryName]: [xls, { level: 0 }] }));
  const at = new TextDecoder("latin1").decode(zip).indexOf("\t50030\t");
  zip[at + 5]++; // 50030 → 50031
  return zip;
}

/** Many days of valid rows, so that several batches are written before the bad line. */
function longFileWithBadLineAtTheEnd(): string {
  const days = consecutiveDates("2017-01-01", 130).flatMap((date) => halfHourlyDay(date, byTime));
  days[days.length - 5] = { ...days[days.length - 5], consumption: "12a4" };
  return eco2mixText(days);
}

Deno.test("bad files fail with one message naming file and line and leave the database as it was", async () => {
  await using db = await createTestDatabase();
  await loadRteSource(db.sql, {
    name: "good.xls",
    bytes: eco2mixXls(halfHourlyDay("2018-01-01", byTime)),
  });
  const before = await db.sql`select * from rte_consumption order by period_start`;
  const good = eco2mixXls(halfHourlyDay("2018-01-02", byTime));
  const zipped = zipOf("eCO2mix_RTE_En-cours-Consolide.xls", good);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    [
      "truncated.zip",
      zipped.subarray(0, Math.floor(zipped.length / 2)),
      /^truncated\.zip: (truncated zip|corrupt zip)/,
    ],
    [
      "page.zip",
      new TextEncoder().encode("<!DOCTYPE html><html>Maintenance</html>"),
      /^page\.zip: not a zip: got an HTML page$/,
    ],
    [
      "utf8.xls",
      new TextEncoder().encode(eco2mixText(halfHourlyDay("2018-01-02", byTime))),
      /^utf8\.xls: line 1: the file is UTF-8/,
    ],
    [
      "nocons.xls",
      latin1(eco2mixText(halfHourlyDay("2018-01-02", byTime)).replace("Consommation", "Conso")),
      /^nocons\.xls: line 1: no Consommation column$/,
    ],
    [
      "cut.xls",
      good.subarray(0, good.length - 200),
      /^cut\.xls: line \d+: \d+ fields where the header has 36 \(line cut short\?\)$/,
    ],
    [
      "nofooter.xls",
      eco2mixXls(halfHourlyDay("2018-01-02", byTime), { footer: false }),
      /^nofooter\.xls: truncated: the RTE disclaimer line that ends every file is missing$/,
    ],
    [
      "long.xls",
      latin1(longFileWithBadLineAtTheEnd()),
      /^long\.xls: line 12477: Cannot parse consumption "12a4": expected whole MW$/,
    ],
    ["notes.txt", good, /^notes\.txt: unsupported file type/],
    [
      "latin1.csv",
      latin1(new TextDecoder().decode(odreCsv([
        {
          date: "2022-01-01",
          heure: "18:00",
          dateHeure: "2022-01-01T18:00:00+01:00",
          consommation: "1",
        },
      ]))),
      /^latin1\.csv: line 2: not valid UTF-8/,
    ],
    [
      "two.zip",
      new Uint8Array(zipSync({ "a.xls": good, "b.xls": good })),
      /^two\.zip: more than one file in the zip$/,
    ],
    [
      "altered.zip",
      alteredStoredZip("day.xls", good),
      /^altered\.zip: corrupt zip entry day\.xls: CRC-32 is [0-9a-f]{8}, header says [0-9a-f]{8}$/,
    ],
    [
      "huge.xls",
      eco2mixXls(
        halfHourlyDay("2018-01-02", byTime).map((row, i) =>
          i === 0 ? { ...row, consumption: "1000000000000" } : row
        ),
      ),
      /^huge\.xls: line 2: Cannot parse consumption "1000000000000": out of range/,
    ],
  ];
  for (const [name, bytes, message] of cases) {
    await assert.rejects(
      loadRteSource(db.sql, { name, bytes }),
      (error: Error) => {
        assert.ok(error instanceof RteFormatError, `${name}: ${error}`);
        assert.match(error.message, message);
        return true;
      },
    );
    assert.deepEqual(
      await db.sql`select * from rte_consumption order by period_start`,
      before,
      name,
    );
  }
});
