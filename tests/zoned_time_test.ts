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
