/**
 * A calendar day's half-hours on a time zone's wall clocks, from the browser's Intl (no date
 * library): how many there really are (46, 48 or 50 in Paris) and how each one is labelled.
 */
// The server's own zone arithmetic, so page and API label instants identically.
import { formatZonedIso, HALF_HOUR_MS, HOUR_MS, MINUTE_MS } from "../../../lib/zoned_time.ts";

export interface HalfHour {
  epochMs: number;
  /** Wall-clock time with its offset, as the API writes it: `2018-10-28T02:00:00+02:00`. */
  iso: string;
}

/**
 * Every half-hour that starts on `day` (YYYY-MM-DD) on the zone's clocks, in time order: 48,
 * or 46 and 50 on the days clocks go forward and back. The candidates are the UTC half-hours
 * around the day (offsets lie within −12 h…+14 h), which are the zone's own half-hours for
 * every zone whose offsets are whole half-hours, Paris included.
 */
export function halfHoursOfDay(day: string, timeZone: string): HalfHour[] {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  const halfHours: HalfHour[] = [];
  for (let t = utcMidnight - 14 * HOUR_MS; t < utcMidnight + 36 * HOUR_MS; t += HALF_HOUR_MS) {
    const iso = formatZonedIso(timeZone, t);
    if (iso.startsWith(day)) halfHours.push({ epochMs: t, iso });
  }
  return halfHours;
}

export interface ClockChange {
  direction: "forward" | "back";
  /** The wall-clock times skipped (forward) or lived twice (back): `02:00`–`02:59`. */
  from: string;
  to: string;
}

/** Where the clocks jump in a day's consecutive half-hours (ISO with offsets), if they do. */
export function clockChange(times: string[]): ClockChange | null {
  for (let i = 1; i < times.length; i++) {
    const expected = wallMs(times[i - 1]) + HALF_HOUR_MS;
    const actual = wallMs(times[i]);
    if (actual === expected) continue;
    const [from, to] = actual > expected ? [expected, actual] : [actual, expected];
    return {
      direction: actual > expected ? "forward" : "back",
      from: wallClock(from),
      to: wallClock(to - MINUTE_MS),
    };
  }
  return null;
}

/** The wall-clock fields of an ISO date-time read as if they were UTC. */
function wallMs(iso: string): number {
  return Date.parse(`${iso.slice(0, 19)}Z`);
}

function wallClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}
