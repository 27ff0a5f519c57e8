/** Hourly values on a regular UTC grid: index i is the hour starting at startMs + i h. */
import { HOUR_MS } from "../../lib/zoned_time.ts";

export interface HourlySeries {
  /** Start of the first hour, epoch ms (a whole UTC hour). */
  startMs: number;
  /** NaN where the hour is missing: gaps stay gaps, nothing is interpolated. */
  values: Float64Array;
}

export interface HourlyPoint {
  hourMs: number;
  value: number | null | undefined;
}

/** Places points on the grid from the first to the last hour given; later duplicates win. */
export function toSeries(points: HourlyPoint[]): HourlySeries {
  if (points.length === 0) return { startMs: 0, values: new Float64Array(0) };
  let first = Infinity;
  let last = -Infinity;
  for (const { hourMs } of points) {
    if (hourMs % HOUR_MS !== 0) {
      throw new Error(
        `Cannot place ${new Date(hourMs).toISOString()}: not a whole hour`,
      );
    }
    first = Math.min(first, hourMs);
    last = Math.max(last, hourMs);
  }
  const values = new Float64Array((last - first) / HOUR_MS + 1).fill(NaN);
  for (const { hourMs, value } of points) {
    if (value !== null && value !== undefined) {
      values[(hourMs - first) / HOUR_MS] = value;
    }
  }
  return { startMs: first, values };
}

/** Hour of day (UTC, 0–23) of index i. */
export function hourOfDay(series: HourlySeries, i: number): number {
  return ((series.startMs / HOUR_MS + i) % 24 + 24) % 24;
}
