import assert from "node:assert/strict";
import {
  epochMsToZoned,
  formatZonedIso,
  intlDayOffsets,
  offsetMinutes,
  parseIsoInZone,
  temporalDayOffsets,
  zonedToEpochMs,
} from "../lib/zoned_time.ts";
import { ZonedIsoWriter } from "../lib/zoned_iso_bytes.ts";
import { seededRandom } from "./helpers/seeded_random.ts";

const PARIS = "Europe/Paris";
const iso = (ms: number | undefined) => ms === undefined ? undefined : new Date(ms).toISOString();
const local = (year: number, month: number, day: number, hour: number, minute = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second: 0,
});

Deno.test("Paris offsets switch at 01:00 UTC on the last Sundays of March and October", () => {
  assert.equal(offsetMinutes(PARIS, Date.parse("2018-03-25T00:59:00Z")), 60);
  assert.equal(offsetMinutes(PARIS, Date.parse("2018-03-25T01:00:00Z")), 120);
  assert.equal(offsetMinutes(PARIS, Date.parse("2018-10-28T00:59:00Z")), 120);
  assert.equal(offsetMinutes(PARIS, Date.parse("2018-10-28T01:00:00Z")), 60);
  assert.equal(offsetMinutes("America/Toronto", Date.parse("2025-01-15T12:00:00Z")), -300);
});

Deno.test("a wall-clock time in the spring gap is the gap's edge on its side, or is rejected", () => {
  const missing = local(2018, 3, 25, 2, 30);
  // As a range start: the first instant after the gap (03:00 CEST).
  assert.equal(iso(zonedToEpochMs(PARIS, missing, "earlier")), "2018-03-25T01:00:00.000Z");
  // As a range end: the last instant before it (01:59:59.999 CET).
  assert.equal(iso(zonedToEpochMs(PARIS, missing, "later")), "2018-03-25T00:59:59.999Z");
  assert.equal(zonedToEpochMs(PARIS, missing, "reject"), undefined);
});

Deno.test("a repeated autumn wall-clock time resolves to the earlier or later instant", () => {
  const twice = local(2018, 10, 28, 2, 30);
  assert.equal(iso(zonedToEpochMs(PARIS, twice, "earlier")), "2018-10-28T00:30:00.000Z");
  assert.equal(iso(zonedToEpochMs(PARIS, twice, "later")), "2018-10-28T01:30:00.000Z");
  assert.equal(zonedToEpochMs(PARIS, twice, "reject"), undefined);
});

Deno.test("formatting and reading back wall-clock fields round-trips", () => {
  const ms = Date.parse("2018-07-01T10:15:00Z");
  assert.equal(formatZonedIso(PARIS, ms), "2018-07-01T12:15:00+02:00");
  assert.deepEqual(epochMsToZoned(PARIS, ms), local(2018, 7, 1, 12, 15));
  assert.equal(formatZonedIso("America/Toronto", ms), "2018-07-01T06:15:00-04:00");
});

Deno.test("ISO text parses with or without offset and bad text names what is wrong", () => {
  assert.equal(iso(parseIsoInZone("2018-01-01", PARIS)), "2017-12-31T23:00:00.000Z");
  assert.equal(iso(parseIsoInZone("2018-01-01T06:00", PARIS)), "2018-01-01T05:00:00.000Z");
  assert.equal(iso(parseIsoInZone("2018-01-01 06:00:30", PARIS)), "2018-01-01T05:00:30.000Z");
  assert.equal(iso(parseIsoInZone("2018-01-01T06:00Z", PARIS)), "2018-01-01T06:00:00.000Z");
  assert.equal(iso(parseIsoInZone("2018-01-01T06:00-0330", PARIS)), "2018-01-01T09:30:00.000Z");
  assert.throws(() => parseIsoInZone("2018-13-01", PARIS), {
    message: 'Cannot parse "2018-13-01": month out of range',
  });
  assert.throws(() => parseIsoInZone("2019-02-29", PARIS), { message: /day out of range/ });
  assert.throws(() => parseIsoInZone("2018-01-01T06:61", PARIS), {
    message: /minute out of range/,
  });
  assert.throws(() => parseIsoInZone("01/01/2018", PARIS), {
    message: /^Cannot parse "01\/01\/2018"/,
  });
  assert.equal(iso(parseIsoInZone("2018-01-01T06:00:00.250Z", PARIS)), "2018-01-01T06:00:00.250Z");
  assert.throws(() => parseIsoInZone("0018-01-01", PARIS), {
    message: 'Cannot parse "0018-01-01": year out of range (1900-2199)',
  });
  assert.throws(() => parseIsoInZone("2018-03-25T02:30", PARIS, "reject"), {
    message: /does not exist/,
  });
});

Deno.test("Temporal and the Intl fallback give the same offsets and transitions, day by day", () => {
  const spans: [string, number, number][] = [
    [PARIS, 1900, 1920], // local mean time until 1911, wartime changes
    [PARIS, 2015, 2030],
    ["America/Toronto", 2015, 2030],
    ["Australia/Lord_Howe", 2015, 2030], // half-hour DST
    ["America/Sao_Paulo", 2015, 2030], // DST abolished in 2019
    ["Africa/Abidjan", 2015, 2030],
  ];
  let transitions = 0;
  for (const [zone, from, to] of spans) {
    for (let day = Date.UTC(from, 0, 1); day < Date.UTC(to + 1, 0, 1); day += 86_400_000) {
      const fromTemporal = temporalDayOffsets(Temporal, zone, day);
      // Intl reads minutes: it finds Paris's 1911 switch from +00:09:21 at the next minute.
      const { transitionMs, ...offsets } = fromTemporal;
      const expected = transitionMs === undefined
        ? offsets
        : { ...offsets, transitionMs: Math.ceil(transitionMs / 60_000) * 60_000 };
      assert.deepEqual(intlDayOffsets(zone, day), expected, `${zone} ${iso(day)}`);
      if (fromTemporal.transitionMs !== undefined) transitions++;
    }
  }
  assert.ok(transitions > 100, `only ${transitions} transitions compared`);
});

/** Every half-hour from the start of `fromYear` to the end of `toYear` (UTC), in order. */
function* halfHoursOf(fromYear: number, toYear: number): Generator<number> {
  for (let ms = Date.UTC(fromYear, 0, 1); ms < Date.UTC(toYear + 1, 0, 1); ms += 1_800_000) {
    yield ms;
  }
}

/** `count` instants at whole seconds from 1800 to 2100, in no order. */
function* randomSeconds(seed: number, count: number): Generator<number> {
  const random = seededRandom(seed);
  const first = Date.UTC(1800, 0, 1);
  const seconds = (Date.UTC(2100, 0, 1) - first) / 1000;
  for (let i = 0; i < count; i++) yield first + Math.floor(random() * seconds) * 1000;
}

const ISO_BYTES = 25; // 2018-01-01T06:00:00+01:00
const UNTOUCHED = 0xff;

/** JSON's bytes around each time, as /api/consumption writes them. */
const JSON_FRAMING = { before: '{"time":"', after: '","consumption_w":' };

/**
 * Writes every instant with one writer, each at another place of a buffer, and compares the
 * bytes with `formatZonedIso`'s text between the framing's; the bytes around must stay as
 * they were.
 */
function assertWritesAsFormatted(
  timeZone: string,
  instants: Iterable<number>,
  framing = { before: "", after: "" },
): number {
  const encoder = new TextEncoder();
  const writer = new ZonedIsoWriter(timeZone, {
    before: encoder.encode(framing.before),
    after: encoder.encode(framing.after),
  });
  const length = framing.before.length + ISO_BYTES + framing.after.length;
  const out = new Uint8Array(length + 16);
  const expected = new Uint8Array(length + 16);
  let count = 0;
  for (const ms of instants) {
    const at = count++ % 16;
    out.fill(UNTOUCHED);
    const end = writer.write(out, at, ms);
    const text = framing.before + formatZonedIso(timeZone, ms) + framing.after;
    const { written } = encoder.encodeInto(text, expected);
    let same = end === at + length && written === length;
    for (let i = 0; same && i < out.length; i++) {
      same = out[i] === (i < at || i >= end ? UNTOUCHED : expected[i - at]);
    }
    if (!same) {
      const wrote = new TextDecoder().decode(out.subarray(at, Math.max(at, end)));
      assert.fail(
        `${timeZone} ${iso(ms)}: wrote "${wrote}" to ${end - at}, not "${text}" to ${length} ` +
          "(or wrote outside it)",
      );
    }
  }
  return count;
}

Deno.test("ZonedIsoWriter writes formatZonedIso's bytes, between the caller's, for every Paris half-hour of 2017-2019, 1940-1946 and 1900-1912", () => {
  assert.equal(assertWritesAsFormatted(PARIS, halfHoursOf(2017, 2019)), 3 * 17_520);
  assertWritesAsFormatted(PARIS, halfHoursOf(2017, 2019), JSON_FRAMING);
  // Wartime: +02:00 from June 1940, double summer time, changes at odd dates.
  assertWritesAsFormatted(PARIS, halfHoursOf(1940, 1946));
  assertWritesAsFormatted(PARIS, [...halfHoursOf(1940, 1946)].reverse());
  // Local mean time (+00:09:21, written +00:09) until March 1911.
  assertWritesAsFormatted(PARIS, halfHoursOf(1900, 1912));
  // Every 7 s over the day Paris left local mean time, its switch not on a whole minute.
  const day = Date.UTC(1911, 2, 10, 12);
  assertWritesAsFormatted(
    PARIS,
    Array.from({ length: 86_400 / 7 }, (_, i) => day + i * 7_000),
  );
});

Deno.test("ZonedIsoWriter writes formatZonedIso's bytes, between the caller's, at random whole seconds from 1800 to 2100", () => {
  assertWritesAsFormatted(PARIS, randomSeconds(1_800, 50_000));
  assertWritesAsFormatted("America/New_York", randomSeconds(1_801, 5_000));
  assertWritesAsFormatted("Asia/Kolkata", randomSeconds(1_802, 5_000)); // +05:30, +06:30 in war
  assertWritesAsFormatted("America/St_Johns", randomSeconds(1_803, 5_000)); // -03:30
  assertWritesAsFormatted(PARIS, randomSeconds(1_804, 5_000), JSON_FRAMING);
  assertWritesAsFormatted("Asia/Kolkata", randomSeconds(1_805, 5_000), JSON_FRAMING);
  // Offsets with minutes, and the bytes themselves, spot-checked by hand.
  const out = new Uint8Array(ISO_BYTES);
  const kolkata = new ZonedIsoWriter("Asia/Kolkata");
  kolkata.write(out, 0, Date.parse("2018-01-01T00:00:00Z"));
  assert.equal(new TextDecoder().decode(out), "2018-01-01T05:30:00+05:30");
  const newYork = new ZonedIsoWriter("America/New_York");
  newYork.write(out, 0, Date.parse("1969-12-31T23:59:59Z"));
  assert.equal(new TextDecoder().decode(out), "1969-12-31T18:59:59-05:00");
});
