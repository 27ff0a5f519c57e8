/**
 * Local calendar dates in Québec → the UTC instants to query. Québec spans three zones:
 * most of it on America/Toronto (Eastern), the Magdalen Islands on America/Halifax
 * (Atlantic) and the Lower North Shore east of Natashquan on America/Blanc-Sablon
 * (Atlantic, no DST). The query covers the whole local days in all of them, plus a day of
 * margin (events without a time are filtered on an undocumented instant), and the caller
 * keeps only events whose own local date falls in the range.
 */
import { addDays, parseCalendarDate } from "../../lib/calendar_date.ts";
import { DAY_MS, zonedToEpochMs } from "../../lib/zoned_time.ts";

export const QUEBEC_TIME_ZONES = [
  "America/Toronto",
  "America/Halifax",
  "America/Blanc-Sablon",
] as const;

const MARGIN_MS = DAY_MS;

export interface LocalDateRange {
  /** YYYY-MM-DD, both included. */
  from: string;
  to: string;
}

/** Inclusive bounds in whole epoch seconds (the API's resolution). */
export interface InstantWindow {
  startSec: number;
  endSec: number;
}

/** Checks both dates and their order; errors name the date at fault. */
export function parseLocalDateRange(from: string, to: string): LocalDateRange {
  const range = { from: parseCalendarDate(from), to: parseCalendarDate(to) };
  if (range.to < range.from) {
    throw new RangeError(`"to" (${to}) is before "from" (${from})`);
  }
  return range;
}

/** The UTC window that contains every Québec instant of the local days in `range`. */
export function queryWindow(range: LocalDateRange): InstantWindow {
  const firstMidnights = QUEBEC_TIME_ZONES.map((zone) => localMidnight(zone, range.from));
  const endMidnights = QUEBEC_TIME_ZONES.map((zone) => localMidnight(zone, addDays(range.to, 1)));
  return {
    startSec: (Math.min(...firstMidnights) - MARGIN_MS) / 1000,
    endSec: (Math.max(...endMidnights) + MARGIN_MS) / 1000 - 1,
  };
}

export function isInRange(localDate: string, range: LocalDateRange): boolean {
  return localDate >= range.from && localDate <= range.to;
}

function localMidnight(zone: string, date: string): number {
  const [year, month, day] = date.split("-").map(Number);
  // Québec's DST switches at 02:00, so local midnight always exists.
  return zonedToEpochMs(zone, {
    year,
    month,
    day,
    hour: 0,
    minute: 0,
    second: 0,
  })!;
}
