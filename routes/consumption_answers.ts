/**
 * What the /api/consumption endpoints answer, as zod schemas: /openapi.json describes them, the
 * handlers build values of their types, and the web UI's types are generated from them.
 */
import { z } from "@hono/zod-openapi";
import { PARIS } from "../db/consumption.ts";
import { RESOLUTIONS } from "./consumption_query.ts";

const parisTime = (description: string, example: string) =>
  z.string().openapi({ description, example });

const parisTimeOrNull = (description: string, example: string) =>
  parisTime(description, example).nullable();

const Nature = z.enum(["real_time", "consolidated", "definitive"]).openapi({
  description: "How final RTE's figure is: real-time, then consolidated, then definitive; " +
    "for a period, the least final of its half-hours",
});

const ConsumptionPoint = z.object({
  time: parisTime(
    "Start of the half-hour or period, Europe/Paris wall-clock time with its offset",
    "2018-01-01T06:00:00+01:00",
  ),
  consumption_w: z.number().openapi({
    description: "Mean consumed power over the half-hour, in watts (exact); for a period, " +
      "the mean of its half-hours present, rounded to the nearest watt",
    example: 50751000000,
  }),
  nature: Nature,
  half_hours: z.number().int().optional().openapi({
    description: "Periods only (not PT30M): stored half-hours the mean is of",
    example: 48,
  }),
  expected_half_hours: z.number().int().optional().openapi({
    description: "Periods only (not PT30M): half-hours the period holds (46 or 50 on DST " +
      "days); more than `half_hours` when some are missing or cut off by a bound",
    example: 48,
  }),
}).openapi("ConsumptionPoint");

export const ConsumptionAnswer = z.object({
  unit: z.literal("W").openapi({ description: "Unit of `consumption_w`" }),
  resolution: z.enum(RESOLUTIONS).openapi({ description: "Step between points (ISO 8601)" }),
  timezone: z.string().openapi({ description: "Zone of every time given", example: PARIS }),
  perimeter: z.string().openapi({ example: "France" }),
  start: parisTime(
    "The start asked for, in Paris time with its offset",
    "2018-01-01T06:00:00+01:00",
  ),
  end: parisTime("The end asked for, in Paris time with its offset", "2018-01-01T06:30:00+01:00"),
  count: z.number().int().openapi({ description: "Number of points in `data`", example: 2 }),
  data: z.array(ConsumptionPoint).openapi({ description: "The points, oldest first" }),
}).openapi("ConsumptionAnswer");

export type ConsumptionAnswer = z.infer<typeof ConsumptionAnswer>;
export type ConsumptionPoint = z.infer<typeof ConsumptionPoint>;

export const PerimetersAnswer = z.object({
  timezone: z.string().openapi({ description: "Zone of every time given", example: PARIS }),
  count: z.number().int().openapi({ description: "Number of perimeters", example: 1 }),
  data: z.array(z.object({
    perimeter: z.string().openapi({ example: "France" }),
    first: parisTime("Start of the oldest stored half-hour", "2012-01-01T00:00:00+01:00"),
    last: parisTime("Start of the newest stored half-hour", "2018-12-31T23:30:00+01:00"),
  })).openapi({ description: "France first, then the regions alphabetically" }),
}).openapi("ConsumptionPerimetersAnswer");

export type PerimetersAnswer = z.infer<typeof PerimetersAnswer>;

const watts = (description: string, example: number) =>
  z.number().nullable().openapi({ description, example });

export const SummaryAnswer = z.object({
  unit: z.literal("W").openapi({ description: "Unit of the `_w` fields" }),
  timezone: z.string().openapi({ description: "Zone of every time given", example: PARIS }),
  perimeter: z.string().openapi({ example: "France" }),
  start: parisTime(
    "The start asked for, in Paris time with its offset",
    "2018-01-01T06:00:00+01:00",
  ),
  end: parisTime("The end asked for, in Paris time with its offset", "2018-01-03T17:00:00+01:00"),
  count: z.number().int().openapi({ description: "Stored half-hours in the range", example: 119 }),
  expected: z.number().int().openapi({
    description: "Half-hours the range holds (instants every 30 minutes, DST included)",
    example: 119,
  }),
  mean_w: watts("Mean power of the half-hours found, rounded to the nearest watt", 60930453782),
  min_w: watts("Lowest half-hour", 50751000000),
  max_w: watts("Highest half-hour", 71435000000),
  min_at: parisTimeOrNull(
    "Start of the lowest half-hour (the earliest on a tie)",
    "2018-01-01T06:00:00+01:00",
  ),
  max_at: parisTimeOrNull(
    "Start of the highest half-hour (the earliest on a tie)",
    "2018-01-02T19:00:00+01:00",
  ),
  energy_wh: watts("Energy of the half-hours found: the sum of W × 0.5 h, in Wh", 3625362000000),
  first: parisTimeOrNull("Start of the first half-hour found", "2018-01-01T06:00:00+01:00"),
  last: parisTimeOrNull("Start of the last half-hour found", "2018-01-03T17:00:00+01:00"),
}).openapi("ConsumptionSummaryAnswer");

export type SummaryAnswer = z.infer<typeof SummaryAnswer>;
