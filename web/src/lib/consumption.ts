/** The consumption API's shapes, the day's half-hours and its summary figures. */
import type { components } from "./api/schema.d.ts";
import { DEFAULT_PERIMETER } from "./perimeters.ts";
import { href } from "./router.svelte.ts";
import { halfHoursOfDay } from "./zoned.ts";

export type ConsumptionResponse = components["schemas"]["ConsumptionAnswer"];
export type ConsumptionPoint = components["schemas"]["ConsumptionPoint"];
export type Nature = ConsumptionPoint["nature"];

export const NATURE_LABELS: Record<Nature, string> = {
  real_time: "Real time",
  consolidated: "Consolidated",
  definitive: "Definitive",
};

const W_PER_MW = 1_000_000;
const HOURS_PER_STEP = 0.5;
const STEP_MS = 1_800_000;

export function toMw(watts: number): number {
  return watts / W_PER_MW;
}

/** Both bounds are inclusive: the day's last half-hour starts at 23:30 local time. */
export function dayUrl(day: string, perimeter: string, format?: "csv"): string {
  const query = new URLSearchParams({ start: day, end: `${day}T23:30`, perimeter });
  if (format) query.set("format", format);
  return `/api/consumption?${query}`;
}

/**
 * A half-hour of the day and its value. Without one it is "missing" (RTE never published it,
 * e.g. the first 02:00–02:59 of an autumn day) or "pending" (it is not over yet).
 */
export interface DayRow {
  epochMs: number;
  /** Wall-clock time with its offset: `2018-10-28T02:00:00+02:00`. */
  time: string;
  point: ConsumptionPoint | null;
  status: "published" | "missing" | "pending";
}

/** Every real half-hour of the response's day, whether the API returned it or not. */
export function dayRows(response: ConsumptionResponse, nowMs: number): DayRow[] {
  const rows = new Map<number, DayRow>();
  for (const { epochMs, iso } of halfHoursOfDay(response.start.slice(0, 10), response.timezone)) {
    const status = epochMs + STEP_MS > nowMs ? "pending" : "missing";
    rows.set(epochMs, { epochMs, time: iso, point: null, status });
  }
  for (const point of response.data) {
    const epochMs = Date.parse(point.time);
    rows.set(epochMs, { epochMs, time: point.time, point, status: "published" });
  }
  // A point off the day's grid (never expected) is shown in its place rather than dropped.
  return [...rows.values()].sort((a, b) => a.epochMs - b.epochMs);
}

export interface DaySummary {
  min: ConsumptionPoint;
  max: ConsumptionPoint;
  averageMw: number;
  /** Energy over the published half-hours only: each one holds its power for 30 minutes. */
  energyMwh: number;
  /** Half-hours with a value, out of the day's real number of half-hours. */
  published: number;
  halfHours: number;
}

/** The summary of a day with at least one published half-hour. */
export function summarize(rows: DayRow[]): DaySummary {
  const points = rows.flatMap((row) => (row.point ? [row.point] : []));
  let min = points[0];
  let max = points[0];
  let totalMw = 0;
  for (const point of points) {
    if (point.consumption_w < min.consumption_w) min = point;
    if (point.consumption_w > max.consumption_w) max = point;
    totalMw += toMw(point.consumption_w);
  }
  return {
    min,
    max,
    averageMw: totalMw / points.length,
    energyMwh: totalMw * HOURS_PER_STEP,
    published: points.length,
    halfHours: rows.length,
  };
}

/** `48 half-hours`, or `48 of 50 half-hours` when some have no value. */
export function coverage(summary: DaySummary): string {
  return summary.published === summary.halfHours
    ? `${summary.halfHours} half-hours`
    : `${summary.published} of ${summary.halfHours} half-hours`;
}

/** The page's URL for a day and perimeter; France, the default, is left out. */
export function consumptionHref(day: string | undefined, perimeter: string): string {
  const shownPerimeter = perimeter === DEFAULT_PERIMETER ? undefined : perimeter;
  return href("consumption", day ? [day] : [], { perimeter: shownPerimeter });
}
