/**
 * The time axis of a one-day chart: ticks at whole hours of a zone's wall clock, labelled
 * `HH:MM` like the data table. Ticks are real instants, so the hour the clocks skip in spring
 * has no tick, and the hour they repeat in autumn has two, told apart by their UTC offset
 * (`02:00 +02`, `02:00 +01`) wherever the same wall-clock time happens twice.
 */
import { formatZonedIso, HALF_HOUR_MS, HOUR_MS } from "../../../lib/zoned_time.ts";
import { clockTime, utcOffset } from "./format.ts";

// Offsets change by at most two hours (double summer time): a wall-clock time that happens
// twice does so within that distance.
const MAX_SHIFT_MS = 2 * HOUR_MS;

/** Tick spacings a chart may choose from, in seconds: every 1, 2, 3, 4, 6 or 12 hours. */
export const HOUR_STEPS_S = [1, 2, 3, 4, 6, 12].map((hours) => hours * 3600);

/**
 * Instants (seconds) from `minS` to `maxS` whose wall-clock time is a whole multiple of
 * `stepS`, each at least `stepS` after the previous one, so the repeated autumn hour does not
 * crowd a coarse axis.
 */
export function hourTicks(minS: number, maxS: number, stepS: number, timeZone: string): number[] {
  const stepHours = stepS / 3600;
  const ticks: number[] = [];
  const first = Math.ceil((minS * 1000) / HALF_HOUR_MS) * HALF_HOUR_MS;
  for (let ms = first; ms <= maxS * 1000; ms += HALF_HOUR_MS) {
    const clock = clockTime(formatZonedIso(timeZone, ms));
    const onStep = clock.endsWith(":00") && Number(clock.slice(0, 2)) % stepHours === 0;
    const previous = ticks.at(-1);
    if (onStep && (previous === undefined || ms / 1000 - previous >= stepS)) ticks.push(ms / 1000);
  }
  return ticks;
}

/** `14:00`, or `02:00 +02` when that day's clocks show 02:00 twice. */
export function hourLabel(seconds: number, timeZone: string): string {
  const iso = formatZonedIso(timeZone, seconds * 1000);
  const clock = clockTime(iso);
  return happensTwice(seconds * 1000, iso, timeZone)
    ? `${clock} ${utcOffset(iso).replace(/:00$/, "")}`
    : clock;
}

function happensTwice(ms: number, iso: string, timeZone: string): boolean {
  const wallTime = iso.slice(0, 16);
  for (let shift = HALF_HOUR_MS; shift <= MAX_SHIFT_MS; shift += HALF_HOUR_MS) {
    for (const other of [ms - shift, ms + shift]) {
      if (formatZonedIso(timeZone, other).startsWith(wallTime)) return true;
    }
  }
  return false;
}

