/** The air-quality API's shapes (generated from routes/air_quality_answers.ts) and its URLs. */
import type { components } from "./api/schema.d.ts";

type Schemas = components["schemas"];
export type StationsResponse = Schemas["StationsAnswer"];
export type DailyResponse = Schemas["DailyAnswer"];
export type ForecastResponse = Schemas["ForecastAnswer"];
export type DailyValue = Schemas["DailyValue"];

/** The pollutants the page shows, with the decimals their magnitudes need. */
export const POLLUTANTS = [
  { key: "co", label: "CO", digits: 2 },
  { key: "pm25", label: "PM2.5", digits: 1 },
] as const;

export type PollutantKey = typeof POLLUTANTS[number]["key"];

export const UNITS: Record<PollutantKey, string> = { co: "mg/m³", pm25: "µg/m³" };

export function dailyUrl(station: string, from: string, to: string, format?: "csv"): string {
  const query = new URLSearchParams({ station, from, to, ...(format ? { format } : {}) });
  return `/api/air-quality/daily?${query}`;
}

export function forecastUrl(station: string): string {
  return `/api/air-quality/forecast?${new URLSearchParams({ station })}`;
}

/** A daily mean below zero: a sensor offset (older CO data), not a real concentration. */
export function isNegativeMean(value: DailyValue | undefined): boolean {
  return value?.flag === "negative_mean";
}

/** The mean to draw: none for a flagged day, so the chart never plots an offset as a level. */
export function chartedMean(value: DailyValue | undefined): number | null {
  return value && !isNegativeMean(value) ? value.mean : null;
}
