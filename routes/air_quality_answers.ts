/**
 * What the air-quality endpoints answer, as zod schemas: /openapi.json describes them, the
 * handlers build values of their types, and the web UI's types are generated from them.
 */
import { z } from "@hono/zod-openapi";
import { DAILY_PARAMETERS, HOURLY_PARAMETERS } from "../db/air_quality.ts";

/** One entry per parameter, typed by the names: `{ co: …, pm25: … }`. */
export function byParameter<const Name extends string, T>(
  names: readonly Name[],
  value: (name: Name) => T,
): Record<Name, T> {
  // Object.fromEntries forgets the keys; every name of `names` is one of them.
  return Object.fromEntries(names.map((name) => [name, value(name)])) as Record<Name, T>;
}

const utcTime = (description: string) =>
  z.string().openapi({ description, example: "2023-12-10T00:00:00Z" });

export const StationRef = z.object({
  id: z.string().openapi({ description: "AirQino station id", example: "283164601" }),
  name: z.string().nullable().openapi({ example: "SMART188" }),
}).openapi("StationRef");

export type StationRef = z.infer<typeof StationRef>;

export const Station = z.object({
  ...StationRef.shape,
  latitude: z.number().nullable().openapi({ example: 5.3693 }),
  longitude: z.number().nullable().openapi({ example: -3.9589 }),
  timezone: z.string().openapi({
    description: "The station's local time zone (UTC+0)",
    example: "Africa/Abidjan",
  }),
  first_hour: utcTime("First stored hour, UTC").nullable(),
  last_hour: utcTime("Last stored hour, UTC; null before the first ETL run").nullable(),
  hours: z.number().int().openapi({ description: "Stored hours", example: 1250 }),
  fetched_at: utcTime("When the station's header was last fetched, UTC"),
  last_run: z.object({
    finished_at: utcTime("End of the run, UTC"),
    status: z.enum(["ok", "failed"]).nullable(),
    error: z.string().nullable(),
  }).nullable().openapi({ description: "The station's last ETL run; null before the first" }),
}).openapi("Station");

export type Station = z.infer<typeof Station>;

export const StationsAnswer = z.object({
  count: z.number().int().openapi({ example: 2 }),
  stations: z.array(Station),
}).openapi("StationsAnswer");

export const HourlyAnswer = z.object({
  station: StationRef,
  timezone: z.literal("UTC"),
  from: utcTime("Start of the first hour asked for, UTC"),
  to: utcTime("Start of the last hour asked for, UTC"),
  units: z.object(byParameter(HOURLY_PARAMETERS, () => z.string())).openapi({
    description: "Each parameter's unit",
    example: { co: "mg/m³", pm25: "µg/m³" },
  }),
  count: z.number().int().openapi({ description: "Number of hours in `data`", example: 24 }),
  data: z.array(z.object({
    hour_start: utcTime("Start of the hour, UTC"),
    ...byParameter(HOURLY_PARAMETERS, () => z.number().nullable()),
    provisional: z.boolean().openapi({
      description: "The newest hour of the latest response: still filling, its values will change",
    }),
    fetched_at: utcTime("When the hour was fetched, UTC"),
  })).openapi({ description: "The hours, oldest first; null where the API gave no value" }),
}).openapi("HourlyAnswer");

export type HourlyAnswer = z.infer<typeof HourlyAnswer>;

export const DailyValue = z.object({
  unit: z.string().openapi({ example: "µg/m³" }),
  mean: z.number().nullable().openapi({ description: "Mean of the hours present", example: 21.4 }),
  min: z.number().nullable(),
  max: z.number().nullable(),
  hours: z.number().int().openapi({ description: "Hours with a value, of 24", example: 24 }),
  valid: z.boolean().openapi({ description: "At least 18 of the 24 hours have a value" }),
  nonpositive_hours: z.number().int().openapi({
    description: "Hours whose value was zero or negative",
  }),
  flag: z.enum(["negative_mean"]).nullable().openapi({
    description: "negative_mean: the mean is below zero, a sensor offset (2022–23 CO and O3), " +
      "not a real concentration; null otherwise",
  }),
}).openapi("DailyValue");

export type DailyValue = z.infer<typeof DailyValue>;

export const DailyEntry = z.object({
  day: z.string().openapi({ description: "The UTC day", example: "2023-12-08" }),
  provisional: z.boolean().openapi({ description: "The day was not over" }),
  values: z.object(byParameter(DAILY_PARAMETERS, () => DailyValue.optional())).openapi({
    description: "Per parameter with at least one hour that day",
  }),
}).openapi("DailyEntry");

export type DailyEntry = z.infer<typeof DailyEntry>;

export const DailyAnswer = z.object({
  station: StationRef,
  day_boundary: z.string().openapi({ description: "What a day is" }),
  valid_rule: z.string().openapi({ description: "When a day's mean is `valid`" }),
  from: z.string().openapi({ description: "First day asked for", example: "2023-11-01" }),
  to: z.string().openapi({ description: "Last day asked for", example: "2023-11-30" }),
  count: z.number().int().openapi({ description: "Number of days in `data`", example: 30 }),
  data: z.array(DailyEntry).openapi({ description: "The days with data, oldest first" }),
}).openapi("DailyAnswer");

export type DailyAnswer = z.infer<typeof DailyAnswer>;

const ForecastScore = z.object({
  mae: z.number().nullable().openapi({ description: "Mean absolute error" }),
  rmse: z.number().nullable().openapi({ description: "Root mean square error" }),
}).openapi("ForecastScore");

const ForecastSeries = z.object({
  unit: z.string().openapi({ example: "µg/m³" }),
  base_hour: utcTime("Last observed hour the forecast starts from, UTC"),
  values: z.array(z.object({
    hour_start: utcTime("Start of the forecast hour, UTC"),
    horizon_hours: z.number().int().openapi({ example: 1 }),
    value: z.number(),
    method: z.enum(["ridge", "persistence"]).openapi({
      description: "persistence when the model lacked the history to forecast",
    }),
  })),
  backtest: z.array(z.object({
    horizon_hours: z.number().int().openapi({ example: 1 }),
    from: utcTime("First hour scored, UTC").nullable(),
    to: utcTime("Last hour scored, UTC").nullable(),
    n: z.number().int().openapi({ description: "Hours scored; 0 when too few to score" }),
    model: ForecastScore,
    persistence: ForecastScore,
    same_hour_yesterday: ForecastScore,
  })).openapi({ description: "Rolling-origin backtest per horizon, next to two baselines" }),
}).openapi("ForecastSeries");

export const ForecastAnswer = z.object({
  station: StationRef,
  model: z.string(),
  issued_at: utcTime("When the forecast was issued, UTC"),
  stale: z.boolean().openapi({
    description: "Every forecast hour is over: the station stopped reporting",
  }),
  forecasts: z.record(z.string(), ForecastSeries).openapi({
    description: "Per parameter (co, pm25)",
  }),
}).openapi("ForecastAnswer");
