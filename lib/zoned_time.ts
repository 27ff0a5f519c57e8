/**
 * Wall-clock time in an IANA time zone, without a date library. UTC offsets are read once
 * per UTC day and cached, so converting a year of rows costs ~365 look-ups: from `Temporal`
 * where the runtime has it (Deno), else from `Intl` (browsers without Temporal, for the web
 * bundle). The DST policy (`zonedToEpochMs`) and the fast formatter are ours either way:
 * Temporal's own disambiguation reads a spring-gap time differently from what ranges need.
 */

export const MINUTE_MS = 60_000;
export const HALF_HOUR_MS = 1_800_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond?: number;
}

/** What to do with a wall-clock time that happens twice (autumn) or never (spring). */
export type Disambiguation = "earlier" | "later" | "reject";

export interface DayOffsets {
  atStart: number; // minutes east of UTC
  transitionMs?: number; // first instant of the day using `after`
  after: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const dayCaches = new Map<string, Map<number, DayOffsets>>();
// Requests choose the days they touch: past this many, a cache starts over.
const MAX_CACHED_DAYS = 50_000;

/** The zone's UTC offset in minutes at an instant (Paris in winter: 60). */
export function offsetMinutes(timeZone: string, epochMs: number): number {
  const day = dayOffsets(timeZone, Math.floor(epochMs / DAY_MS));
  return day.transitionMs !== undefined && epochMs >= day.transitionMs ? day.after : day.atStart;
}

/** The zone's offsets over one UTC day (day 0 is 1970-01-01), cached. */
export function dayOffsets(timeZone: string, dayIndex: number): DayOffsets {
  let cache = dayCaches.get(timeZone);
  if (!cache) dayCaches.set(timeZone, cache = new Map());
  let day = cache.get(dayIndex);
  if (!day) {
    if (cache.size >= MAX_CACHED_DAYS) cache.clear();
    cache.set(dayIndex, day = computeDay(timeZone, dayIndex * DAY_MS));
  }
  return day;
}

/** The first instant of a new offset in (fromMs, toMs], if the zone changes offset there. */
function transitionBetween(timeZone: string, fromMs: number, toMs: number): number | undefined {
  for (let day = Math.floor(fromMs / DAY_MS); day <= Math.floor(toMs / DAY_MS); day++) {
    const transition = dayOffsets(timeZone, day).transitionMs;
    if (transition !== undefined && transition > fromMs && transition <= toMs) return transition;
  }
  return undefined;
}

/** The part of Temporal used here; typed locally so the web build needs no Temporal types. */
interface TemporalApi {
  Instant: {
    fromEpochMilliseconds(epochMs: number): {
      toZonedDateTimeISO(timeZone: string): ZonedInstant;
    };
  };
}

interface ZonedInstant {
  offsetNanoseconds: number;
  epochMilliseconds: number;
  getTimeZoneTransition(direction: "next"): ZonedInstant | null;
}

const temporal = (globalThis as { Temporal?: TemporalApi }).Temporal;

function computeDay(timeZone: string, startMs: number): DayOffsets {
  return temporal
    ? temporalDayOffsets(temporal, timeZone, startMs)
    : intlDayOffsets(timeZone, startMs);
}

/**
 * A day's offsets from Temporal: the offset at its start and its transition, if any. Read from
 * its UTC year's transitions, asked of Temporal once per year (a few calls, where each new day
 * cost two: answers over decades meet thousands of new days).
 */
export function temporalDayOffsets(
  api: TemporalApi,
  timeZone: string,
  startMs: number,
): DayOffsets {
  const year = yearOffsets(api, timeZone, new Date(startMs).getUTCFullYear());
  let atStart = year.atStart;
  for (const { atMs, offset } of year.transitions) {
    if (atMs <= startMs) atStart = offset;
    else if (atMs < startMs + DAY_MS) return { atStart, transitionMs: atMs, after: offset };
    else break;
  }
  return { atStart, after: atStart };
}

interface YearOffsets {
  /** The offset at the year's first instant (UTC). */
  atStart: number;
  /** Each change of offset after that instant and before the next year, oldest first. */
  transitions: { atMs: number; offset: number }[];
}

/** Per zone, per year asked: a few hundred years at most (bounds are 1900-2199). */
const yearCaches = new Map<string, Map<number, YearOffsets>>();

function yearOffsets(api: TemporalApi, timeZone: string, year: number): YearOffsets {
  let cache = yearCaches.get(timeZone);
  if (!cache) yearCaches.set(timeZone, cache = new Map());
  let offsets = cache.get(year);
  if (offsets === undefined) {
    const startMs = Date.UTC(year, 0, 1);
    const endMs = Date.UTC(year + 1, 0, 1);
    const start = api.Instant.fromEpochMilliseconds(startMs).toZonedDateTimeISO(timeZone);
    offsets = { atStart: minutesOf(start), transitions: [] };
    for (
      let next = start.getTimeZoneTransition("next");
      next !== null && next.epochMilliseconds < endMs;
      next = next.getTimeZoneTransition("next")
    ) {
      offsets.transitions.push({ atMs: next.epochMilliseconds, offset: minutesOf(next) });
    }
    cache.set(year, offsets);
  }
  return offsets;
}

// Old local mean times (Paris before 1911: +00:09:21) are rounded to the minute, as Intl does.
function minutesOf(zoned: ZonedInstant): number {
  return Math.round(zoned.offsetNanoseconds / 60e9);
}

/** The same from Intl, for runtimes without Temporal: a binary search of the transition. */
export function intlDayOffsets(timeZone: string, startMs: number): DayOffsets {
  const atStart = intlOffset(timeZone, startMs);
  const after = intlOffset(timeZone, startMs + DAY_MS - MINUTE_MS);
  if (atStart === after) return { atStart, after };
  // One transition inside the day: binary search its minute.
  let low = startMs; // offset here is atStart
  let high = startMs + DAY_MS - MINUTE_MS; // offset here is after
  while (high - low > MINUTE_MS) {
    const mid = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (intlOffset(timeZone, mid) === atStart) low = mid;
    else high = mid;
  }
  return { atStart, transitionMs: high, after };
}

function intlOffset(timeZone: string, epochMs: number): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(epochMs)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wallMs = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
  );
  const flooredMs = Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
  return Math.round((wallMs - flooredMs) / MINUTE_MS);
}

/**
 * The UTC instant of a wall-clock time, choosing by wall-clock order where the clock jumps:
 * - "earlier" (for a range's start): a repeated (autumn) time is its first occurrence; a time
 *   in a spring gap is the first instant after the gap;
 * - "later" (for a range's end): a repeated time is its second occurrence; a time in a gap is
 *   the last millisecond before the gap;
 * - "reject": undefined for both.
 */
export function zonedToEpochMs(
  timeZone: string,
  local: LocalDateTime,
  disambiguation: Disambiguation = "earlier",
): number | undefined {
  const wallMs = wallClockMs(local);
  const offsetBefore = offsetMinutes(timeZone, wallMs - DAY_MS);
  const offsetAfter = offsetMinutes(timeZone, wallMs + DAY_MS);
  if (offsetBefore === offsetAfter) return wallMs - offsetBefore * MINUTE_MS; // no transition near
  const candidates = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => wallMs - offset * MINUTE_MS)
    .filter((epochMs) => wallMs - offsetMinutes(timeZone, epochMs) * MINUTE_MS === epochMs)
    .sort((a, b) => a - b);
  if (candidates.length === 1) return candidates[0];
  if (disambiguation === "reject") return undefined;
  if (candidates.length > 1) {
    return disambiguation === "later" ? candidates[candidates.length - 1] : candidates[0];
  }
  // In a gap: the clock jumped over this time at the transition.
  const [low, high] = [wallMs - offsetAfter * MINUTE_MS, wallMs - offsetBefore * MINUTE_MS].sort(
    (a, b) => a - b,
  );
  const transition = transitionBetween(timeZone, low, high)!;
  return disambiguation === "later" ? transition - 1 : transition;
}

/** The wall-clock fields read as if they were UTC (the "local epoch"). */
function wallClockMs(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) +
    (local.millisecond ?? 0);
}

/** The wall-clock fields of an instant in a zone. */
export function epochMsToZoned(
  timeZone: string,
  epochMs: number,
): LocalDateTime {
  const wall = new Date(epochMs + offsetMinutes(timeZone, epochMs) * MINUTE_MS);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
  };
}

/** ISO 8601 with the zone's offset: `2018-01-01T06:00:00+01:00`. Hot in API responses. */
export function formatZonedIso(timeZone: string, epochMs: number): string {
  const offset = offsetMinutes(timeZone, epochMs);
  const wallMs = epochMs + offset * MINUTE_MS;
  const dayIndex = Math.floor(wallMs / DAY_MS);
  const seconds = Math.floor((wallMs - dayIndex * DAY_MS) / 1000);
  return `${isoDate(dayIndex)}T${pad2(Math.floor(seconds / 3600))}:${
    pad2(Math.floor(seconds / 60) % 60)
  }:${pad2(seconds % 60)}${formatOffset(offset)}`;
}

/** `2023-12-10T00:00:00Z`: UTC, second precision (API responses, file names, logs). */
export function formatUtcSeconds(instant: Date | number): string {
  return new Date(instant).toISOString().slice(0, 19) + "Z";
}

const isoDates = new Map<number, string>();

/** `2018-01-01` for day 17532 (days since 1970-01-01), cached: a new `Date` costs ~0.3 µs. */
export function isoDate(dayIndex: number): string {
  let text = isoDates.get(dayIndex);
  if (text === undefined) {
    text = new Date(dayIndex * DAY_MS).toISOString().slice(0, 10);
    if (isoDates.size >= MAX_CACHED_DAYS) isoDates.clear();
    isoDates.set(dayIndex, text);
  }
  return text;
}

/** `+01:00`, `-05:00`, `+00:00`. */
export function formatOffset(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

const PAD2 = Array.from({ length: 60 }, (_, n) => (n < 10 ? `0${n}` : String(n)));

function pad2(n: number): string {
  return PAD2[n] ?? String(n);
}

const ISO_LOCAL =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
// Dates are checked against this range: it keeps Date arithmetic exact and caches small.
const MIN_YEAR = 1900;
const MAX_YEAR = 2199;

/**
 * Parses an ISO 8601 date or date-time. Without an offset the value is wall-clock time
 * in `timeZone`. Errors read like `Cannot parse "2018-13-01": month out of range`.
 */
export function parseIsoInZone(
  text: string,
  timeZone: string,
  disambiguation: Disambiguation = "earlier",
): number {
  const match = ISO_LOCAL.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `Cannot parse "${text}": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.sss]] with an optional offset`,
    );
  }
  const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "", zone] = match;
  const local = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    millisecond: Number(fraction.padEnd(3, "0").slice(0, 3)),
  };
  checkFields(text, local);
  if (zone === undefined) {
    const epochMs = zonedToEpochMs(timeZone, local, disambiguation);
    if (epochMs === undefined) {
      throw new RangeError(
        `Cannot parse "${text}": that wall-clock time does not exist`,
      );
    }
    return epochMs;
  }
  const wallMs = wallClockMs(local);
  if (zone === "Z") return wallMs;
  const digits = zone.replace(":", "");
  const offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) *
    (digits[0] === "-" ? -1 : 1);
  if (Number(digits.slice(3, 5)) > 59 || Math.abs(offset) > 18 * 60) {
    throw new RangeError(`Cannot parse "${text}": offset out of range`);
  }
  return wallMs - offset * MINUTE_MS;
}

function checkFields(text: string, local: LocalDateTime): void {
  const problem = local.year < MIN_YEAR || local.year > MAX_YEAR
    ? `year out of range (${MIN_YEAR}-${MAX_YEAR})`
    : local.month < 1 || local.month > 12
    ? "month out of range"
    : local.day < 1 || local.day > daysInMonth(local.year, local.month)
    ? "day out of range"
    : local.hour > 23
    ? "hour out of range"
    : local.minute > 59
    ? "minute out of range"
    : local.second > 59
    ? "second out of range"
    : undefined;
  if (problem) throw new RangeError(`Cannot parse "${text}": ${problem}`);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
