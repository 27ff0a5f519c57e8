/** The perimeters (France and its regions) with stored consumption, and the days they span. */
import type { components } from "./api/schema.d.ts";
import { isDay } from "./days.ts";

export type PerimetersResponse = components["schemas"]["ConsumptionPerimetersAnswer"];

export const PERIMETERS_URL = "/api/consumption/perimeters";
export const DEFAULT_PERIMETER = "France";

/** The first and last day (Paris dates, YYYY-MM-DD) with data for a perimeter. */
export interface DayRange {
  first: string;
  last: string;
}

/** The days a perimeter's data spans; null when nothing is stored for it. */
export function dayRange(response: PerimetersResponse, perimeter: string): DayRange | null {
  const entry = response.data.find((p) => p.perimeter === perimeter);
  // `first` and `last` are Paris wall-clock times with their offset: the date is their start.
  return entry ? { first: entry.first.slice(0, 10), last: entry.last.slice(0, 10) } : null;
}

/** The perimeters to offer: the stored ones, and the URL's own even if nothing is stored for it. */
export function perimeterChoices(response: PerimetersResponse | undefined, current: string): string[] {
  const names = response?.data.map((p) => p.perimeter) ?? [];
  return names.includes(current) ? names : [...names, current];
}

/** Whether `day` is a day on which the page can step back (`-1`) or forward (`+1`). */
export function canStep(day: string, step: -1 | 1, range: DayRange | null): boolean {
  if (!isDay(day)) return false;
  if (!range) return true;
  return step < 0 ? day > range.first : day < range.last;
}
