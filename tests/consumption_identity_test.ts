/**
 * GET /api/consumption must answer byte for byte what tests/helpers/consumption_reference.ts
 * builds from the SQL of db/consumption.ts: JSON and CSV, every resolution, both perimeters,
 * DST nights, periods cut by a bound, gaps and mixed natures, on seeded random ranges, with the
 * response cache on (each range asked twice: the second is a hit) and off. Then random ranges
 * up to a year on the real 2017 and 2018 annual files in ../shared/data, when present.
 */
import assert from "node:assert/strict";
import type { Config } from "../config.ts";
import type { Sql } from "../db/client.ts";
import { PARIS } from "../db/consumption.ts";
import { loadRteSource, loadRteStream } from "../ingest/rte/load.ts";
import {
  DAY_MS,
  formatZonedIso,
  HALF_HOUR_MS,
  HOUR_MS,
  parseIsoInZone,
} from "../lib/zoned_time.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";
import {
  type ConsumptionQuery,
  type ReferenceAnswer,
  referenceAnswer,
  type Resolution,
} from "./helpers/consumption_reference.ts";
import {
  consecutiveDates,
  eco2mixXls,
  halfHourlyDay,
  type NATURE_TEXT,
  odreCsv,
  quarterHourlyDay,
  type QuarterHourRow,
} from "./helpers/rte_fixtures.ts";
import { seededRandom } from "./helpers/seeded_random.ts";

/** Change it to explore other ranges; every failure message names it. */
const SEED = 20_181_028;
const FRANCE = "France";
const REGION = "Auvergne-Rhône-Alpes";
const RESOLUTIONS: Resolution[] = ["PT30M", "PT1H", "P1D", "P1M"];
const FORMATS: ConsumptionQuery["format"][] = ["json", "csv"];
/** Random ranges asked on the fixtures (on top of the fixed ones) and on the real files. */
const FIXTURE_DRAWS = 400;
const REAL_DRAWS = 200;

interface Stretch {
  perimeter: string;
  nature: keyof typeof NATURE_TEXT;
  first: string;
  days: number;
}

/** One file each: month ends, both 2018 DST days, natures changing inside months. */
const STRETCHES: Stretch[] = [
  { perimeter: FRANCE, nature: "definitive", first: "2018-02-20", days: 36 },
  { perimeter: FRANCE, nature: "real_time", first: "2018-03-28", days: 2 },
  { perimeter: FRANCE, nature: "consolidated", first: "2018-03-30", days: 12 },
  { perimeter: FRANCE, nature: "definitive", first: "2018-10-10", days: 22 },
  { perimeter: FRANCE, nature: "real_time", first: "2018-11-01", days: 12 },
  { perimeter: REGION, nature: "consolidated", first: "2018-03-01", days: 36 },
  { perimeter: REGION, nature: "definitive", first: "2018-10-20", days: 17 },
];
/** Days no file holds. */
const MISSING_DAYS = new Set(["2018-03-05", "2018-10-30", "2018-11-05"]);
/** Half-hours left blank in their day's file. */
const MISSING_HALF_HOURS = new Set([
  "2018-03-20 10:00",
  "2018-03-20 10:30",
  "2018-03-20 11:00",
  "2018-03-20 23:30",
  "2018-03-25 04:00",
  "2018-10-15 00:00",
  "2018-10-15 00:30",
  "2018-10-28 05:00",
  "2018-10-28 05:30",
]);
/**
 * Real-time half-hours in definitive days: the autumn 02:00 hour's first occurrence, which
 * RTE's files lack, and a blank half-hour; their day, hour and month mix natures.
 */
const ODRE_ROWS = [
  ["2018-10-28", "02:00", "2018-10-28T02:00:00+02:00", "61234"],
  ["2018-10-28", "02:30", "2018-10-28T02:30:00+02:00", "61987"],
  ["2018-10-15", "00:30", "2018-10-15T00:30:00+02:00", "48765"],
].map(([date, heure, dateHeure, consommation]) => ({ date, heure, dateHeure, consommation }));

/** MW varying with the day and the time, so that the means of periods need rounding. */
function mwOn(perimeter: string, date: string): (time: string) => number {
  const day = Date.parse(date) / DAY_MS;
  const base = perimeter === FRANCE ? 45_000 : 7_000;
  return (time) => base + (day * 7_919 + Number(time.replace(":", "")) * 104_729) % 20_011;
}

function stretchRows({ perimeter, nature, first, days }: Stretch): QuarterHourRow[] {
  const dayRows = nature === "real_time" ? quarterHourlyDay : halfHourlyDay;
  return consecutiveDates(first, days)
    .filter((date) => !MISSING_DAYS.has(date))
    .flatMap((date) => dayRows(date, mwOn(perimeter, date)))
    .map((row) =>
      MISSING_HALF_HOURS.has(`${row.date} ${row.time}`) ? { ...row, consumption: "" } : row
    );
}

async function loadFixtures(sql: Sql): Promise<void> {
  for (const stretch of STRETCHES) {
    const { perimeter, nature, first } = stretch;
    const bytes = eco2mixXls(stretchRows(stretch), { perimeter, nature });
    await loadRteSource(sql, { name: `${perimeter}_${nature}_${first}.xls`, bytes });
  }
  await loadRteSource(sql, { name: "eco2mix-national-tr.csv", bytes: odreCsv(ODRE_ROWS) });
}

/** Where random ranges fall. */
interface RangeSpace {
  /** Instants many ranges hold: DST nights, month starts, gaps, the data's edges. */
  anchors: number[];
  /** Spans the other ranges fall in, data or not. */
  windows: Array<[number, number]>;
  maxDays: number;
  /** Wall-clock bounds DST makes ambiguous (autumn) or nonexistent (spring). */
  dstWallTimes: string[];
  perimeters: string[];
}

const instants = (texts: string[]) => texts.map((text) => Date.parse(text));

const FIXTURE_SPACE: RangeSpace = {
  anchors: instants([
    "2018-02-20T00:00:00+01:00", // France's first half-hour
    "2018-03-01T00:00:00+01:00",
    "2018-03-05T12:00:00+01:00", // the missing day
    "2018-03-20T10:30:00+01:00", // missing half-hours
    "2018-03-25T03:00:00+02:00", // the spring night
    "2018-03-30T00:00:00+02:00", // real time, then consolidated
    "2018-04-01T00:00:00+02:00",
    "2018-04-10T23:30:00+02:00", // France's last spring half-hour
    "2018-10-15T00:00:00+02:00",
    "2018-10-28T02:00:00+02:00", // the autumn night, first and second 02:00
    "2018-10-28T02:00:00+01:00",
    "2018-10-30T12:00:00+01:00",
    "2018-11-01T00:00:00+01:00",
    "2018-11-12T23:30:00+01:00",
  ]),
  windows: [
    instants(["2018-01-10T00:00:00Z", "2018-04-20T00:00:00Z"]) as [number, number],
    instants(["2018-09-25T00:00:00Z", "2018-11-25T00:00:00Z"]) as [number, number],
  ],
  maxDays: 40,
  dstWallTimes: ["2018-03-25T02:00", "2018-03-25T02:30:00", "2018-10-28T02:00", "2018-10-28T02:45"],
  perimeters: [FRANCE, REGION],
};

/** Ranges always asked, at every resolution, in both formats, for both perimeters. */
const FIXED_RANGES: Array<[string, string]> = [
  ["2018-03-05", "2018-03-05T23:59:59"], // inside the missing day
  ["2018-03-24T21:17:03", "2018-03-26T02:00"], // the spring night, cut mid-hour
  ["2018-10-27T12:00:00Z", "2018-10-29T00:00:00+02:00"], // the autumn night, both 02:00 hours
  ["2018-10-28T02:00", "2018-10-28T02:00"], // start == end, a time occurring twice
  ["2018-01-01", "2018-02-10"], // ends before any data
  ["2018-02-20", "2018-04-10T23:30"], // the whole spring stretch
  ["2018-10-10T00:00:00+02:00", "2018-11-12T23:59:59.999"], // the whole autumn stretch
];

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)];

const parisWall = (ms: number) => formatZonedIso(PARIS, ms);

/** Ways a client writes an instant as a bound. */
const BOUND_STYLES: Array<(ms: number) => string> = [
  (ms) => parisWall(ms).slice(0, 19), // Paris wall clock, to the second
  (ms) => parisWall(ms - ms % HALF_HOUR_MS).slice(0, 16), // on a half-hour
  (ms) => parisWall(ms).slice(0, 10), // a date alone
  (ms) => `${new Date(ms).toISOString().slice(0, 19)}Z`,
  (ms) => `${new Date(ms + 2 * HOUR_MS).toISOString().slice(0, 19)}+02:00`,
  (ms) => parisWall(ms), // with Paris's own offset
  (ms) => `${parisWall(ms).slice(0, 19)}.${String(ms % 1000).padStart(3, "0")}`,
];

function randomLength(random: () => number, maxDays: number): number {
  const roll = random();
  const longest = roll < 0.3
    ? 4 * HOUR_MS
    : roll < 0.6
    ? 3 * DAY_MS
    : roll < 0.8
    ? 40 * DAY_MS
    : maxDays * DAY_MS;
  return Math.floor(random() * Math.min(longest, maxDays * DAY_MS));
}

function randomBounds(random: () => number, space: RangeSpace): [string, string] {
  const length = randomLength(random, space.maxDays);
  const [from, to] = pick(random, space.windows);
  const anchor = random() < 0.5 ? pick(random, space.anchors) : from + random() * (to - from);
  const startMs = Math.floor(anchor - random() * length);
  const bound = (ms: number) =>
    random() < 0.1 ? pick(random, space.dstWallTimes) : pick(random, BOUND_STYLES)(ms);
  const start = bound(startMs);
  return random() < 0.08 ? [start, start] : [start, bound(startMs + length)];
}

/** A range the route accepts (end not before start, not too long), drawn until one is. */
function randomQuery(random: () => number, space: RangeSpace): ConsumptionQuery {
  for (;;) {
    const [start, end] = randomBounds(random, space);
    const span = parseIsoInZone(end, PARIS, "later") - parseIsoInZone(start, PARIS, "earlier");
    if (span < 0 || span > space.maxDays * DAY_MS) continue;
    return {
      perimeter: pick(random, space.perimeters),
      start,
      end,
      resolution: pick(random, RESOLUTIONS),
      format: pick(random, FORMATS),
    };
  }
}

interface Ask {
  query: ConsumptionQuery;
  path: string;
  accept?: string;
}

/** How a client asks: defaults sometimes left out, CSV by `format` or by `Accept` alone. */
function askFor(random: () => number, query: ConsumptionQuery): Ask {
  const params = new URLSearchParams({ start: query.start, end: query.end });
  if (query.resolution !== "PT30M" || random() < 0.5) params.set("resolution", query.resolution);
  if (query.perimeter !== FRANCE || random() < 0.5) params.set("perimeter", query.perimeter);
  const byAccept = query.format === "csv" && random() < 0.5;
  if (!byAccept && (query.format === "csv" || random() < 0.3)) params.set("format", query.format);
  return { query, path: `/api/consumption?${params}`, accept: byAccept ? "text/csv" : undefined };
}

function fixtureAsks(): Ask[] {
  const random = seededRandom(SEED);
  const fixed = FIXED_RANGES.flatMap(([start, end]) =>
    RESOLUTIONS.flatMap((resolution) =>
      FORMATS.flatMap((format) =>
        FIXTURE_SPACE.perimeters.map((perimeter) => ({ perimeter, start, end, resolution, format }))
      )
    )
  );
  const drawn = Array.from({ length: FIXTURE_DRAWS }, () => randomQuery(random, FIXTURE_SPACE));
  return [...fixed, ...drawn].map((query) => askFor(random, query));
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function firstDifference(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number | undefined {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? undefined : shorter;
}

/** The first differing byte, with 80 characters of each text on each side of it. */
function describeDifference(actual: Uint8Array, expected: Uint8Array): string | undefined {
  const byte = firstDifference(actual, expected);
  if (byte === undefined) return undefined;
  const [got, reference] = [decoder.decode(actual), decoder.decode(expected)];
  const at = firstDifference(got, reference) ?? 0;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, at - 80), at + 80));
  return `the body differs at byte ${byte} (${actual.length} bytes, reference ${expected.length})` +
    `\n  got:       ${around(got)}\n  reference: ${around(reference)}`;
}

async function assertAnswersAsReference(
  app: TestApp,
  ask: Ask,
  expected: ReferenceAnswer,
  label: string,
): Promise<void> {
  const headers: HeadersInit = ask.accept ? { accept: ask.accept } : {};
  const response = await app.request(ask.path, { headers });
  const body = new Uint8Array(await response.arrayBuffer());
  const where = `${label}: GET ${ask.path}${ask.accept ? ` (Accept: ${ask.accept})` : ""}`;
  assert.equal(response.status, 200, `${where}: ${decoder.decode(body)}`);
  assert.equal(response.headers.get("content-type"), expected.contentType, where);
  const disposition = expected.fileName && `attachment; filename="${expected.fileName}"`;
  assert.equal(response.headers.get("content-disposition"), disposition ?? null, where);
  const difference = describeDifference(body, new TextEncoder().encode(expected.body));
  if (difference) assert.fail(`${where}: ${difference}`);
}

/** What an answer holds, to prove the asks mix what they should. */
function featuresOf(query: ConsumptionQuery, body: string): string[] {
  const points = query.format === "json" ? !body.includes('"count":0,') : /\n./.test(body);
  const counts = body.matchAll(/"half_hours":(\d+),"expected_half_hours":(\d+)|,(\d+),(\d+)\r/g);
  const cut = [...counts].some((m) => Number(m[1] ?? m[3]) < Number(m[2] ?? m[4]));
  return [
    query.resolution,
    query.format,
    query.perimeter,
    points ? "points" : "no points",
    ...["real_time", "consolidated", "definitive"].filter((nature) => body.includes(nature)),
    ...(cut ? ["a period missing half-hours"] : []),
    ...(body.includes("+01:00") && body.includes("+02:00") ? ["both offsets"] : []),
  ];
}

const EXPECTED_FEATURES = [
  ...RESOLUTIONS,
  ...FORMATS,
  FRANCE,
  REGION,
  "points",
  "no points",
  "real_time",
  "consolidated",
  "definitive",
  "a period missing half-hours",
  "both offsets",
];

/** Each ask against the reference, `times` times in a row; returns the features seen. */
async function checkAsks(app: TestApp, asks: Ask[], times: number, seedNote: string) {
  const seen = new Set<string>();
  for (const [index, ask] of asks.entries()) {
    const expected = await referenceAnswer(app.db.sql, ask.query);
    featuresOf(ask.query, expected.body).forEach((feature) => seen.add(feature));
    for (let time = 1; time <= times; time++) {
      await assertAnswersAsReference(app, ask, expected, `${seedNote}, ask ${index}, try ${time}`);
    }
  }
  return seen;
}

const CACHE_SETTINGS: Array<[string, Partial<Config>, number]> = [
  ["on, each range asked twice (the second from the cache)", {}, 2],
  ["off", { consumptionCacheMb: 0 }, 1],
];

for (const [cache, overrides, times] of CACHE_SETTINGS) {
  Deno.test(`with the response cache ${cache}, every fixture range is answered as the reference byte for byte`, async () => {
    await using app = await createTestApp(overrides);
    await loadFixtures(app.db.sql);
    const seen = await checkAsks(app, fixtureAsks(), times, `seed ${SEED}`);
    const missing = EXPECTED_FEATURES.filter((feature) => !seen.has(feature));
    assert.deepEqual(missing, [], `seed ${SEED}: no answer exercised ${missing.join(", ")}`);
  });
}

const ANNUAL = "../shared/data/rte/national/annuel-definitif";
const ANNUAL_FILES = [2017, 2018].map((year) => `eCO2mix_RTE_Annuel-Definitif_${year}.zip`);
const annualPresent = (await Promise.all(
  ANNUAL_FILES.map((name) => Deno.stat(`${ANNUAL}/${name}`).then(() => true, () => false)),
)).every(Boolean);
if (!annualPresent) {
  console.warn(`Skipping the real-data identity test: ${ANNUAL} lacks ${ANNUAL_FILES.join(", ")}.`);
}

const REAL_SPACE: RangeSpace = {
  anchors: instants([
    "2017-01-01T00:00:00+01:00",
    "2017-03-26T03:00:00+02:00",
    "2017-10-29T02:00:00+01:00",
    "2018-01-01T00:00:00+01:00",
    "2018-03-25T03:00:00+02:00",
    "2018-10-28T02:00:00+01:00",
    "2018-12-31T23:30:00+01:00",
  ]),
  windows: [instants(["2016-11-01T00:00:00Z", "2019-02-28T00:00:00Z"]) as [number, number]],
  maxDays: 365,
  dstWallTimes: ["2017-03-26T02:30", "2017-10-29T02:00", "2018-03-25T02:00", "2018-10-28T02:30"],
  perimeters: [FRANCE],
};

Deno.test({
  name: "on the real 2017 and 2018 annual files, ranges up to a year are answered as the reference",
  ignore: !annualPresent,
  fn: async () => {
    await using app = await createTestApp();
    for (const name of ANNUAL_FILES) {
      using file = await Deno.open(`${ANNUAL}/${name}`);
      await loadRteStream(app.db.sql, name, file.readable);
    }
    const random = seededRandom(SEED);
    const asks = Array.from(
      { length: REAL_DRAWS },
      () => askFor(random, randomQuery(random, REAL_SPACE)),
    );
    const seen = await checkAsks(app, asks, 2, `seed ${SEED}, real data`);
    const missing = [...RESOLUTIONS, ...FORMATS, "points", "both offsets"]
      .filter((feature) => !seen.has(feature));
    assert.deepEqual(missing, [], `seed ${SEED}: no answer exercised ${missing.join(", ")}`);
  },
});
