/** The air-quality API's shapes (routes/air_quality.ts) and its URLs. */
export interface Station {
  id: string;
  name: string | null;
  /** Last stored hour, `2023-12-10T00:00:00Z`; null before the first ETL run. */
  last_hour: string | null;
}

export interface StationsResponse {
  count: number;
  stations: Station[];
}

export interface DailyValue {
  unit: string;
  mean: number | null;
  hours: number;
  /** At least 18 of the 24 hours have a value. */
  valid: boolean;
}

export interface DailyEntry {
  day: string;
  /** The day was not over when the mean was computed. */
  provisional: boolean;
  values: { co?: DailyValue; pm25?: DailyValue };
}

export interface DailyResponse {
  count: number;
  data: DailyEntry[];
}

export interface ForecastValue {
  hour_start: string;
  horizon_hours: number;
  value: number;
  method: string;
}

export interface BacktestScore {
  mae: number | null;
  rmse: number | null;
}

export interface ForecastResponse {
  model: string;
  issued_at: string;
  forecasts: Record<string, {
    unit: string;
    values: ForecastValue[];
    backtest: {
      horizon_hours: number;
      n: number;
      model: BacktestScore;
      persistence: BacktestScore;
    }[];
  }>;
}

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
