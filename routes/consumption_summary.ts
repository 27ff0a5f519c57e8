/** GET /api/consumption/summary: mean, extremes and energy of a range, computed in SQL. */
import { createRoute } from "@hono/zod-openapi";
import type { AppDeps } from "./deps.ts";
import { PARIS, summarizeConsumption } from "../db/consumption.ts";
import { formatZonedIso, HALF_HOUR_MS } from "../lib/zoned_time.ts";
import { type SummaryAnswer, SummaryAnswer as SummarySchema } from "./consumption_answers.ts";
import { askedRange, consumptionRangeQuery, rangeEcho } from "./consumption_query.ts";
import { problemResponses } from "./problem.ts";
import { checkRange, queryOf } from "./query_params.ts";
import { createRouter, jsonAnswer } from "./router.ts";

const summaryRoute = createRoute({
  method: "get",
  path: "/summary",
  summary: "Mean, lowest, highest and energy of the half-hours of a range",
  description:
    "Over the stored half-hours whose start lies between `start` and `end`, both included, " +
    "with the same bounds, perimeters and limits as GET /api/consumption. `expected` counts " +
    "the half-hour instants the range holds (every 30 minutes, so a spring day holds 46 and " +
    "an autumn day 50); `count` < `expected` means some are missing. Watts are exact (MW × " +
    "10⁶) except `mean_w`, rounded to the nearest watt; `energy_wh` is the sum of W × 0.5 h " +
    "over the half-hours found; `min_at` and `max_at` are the earliest half-hour on a tie. " +
    "With no half-hour found, every figure and instant is null. " +
    "The README's question, the mean French consumption from 1 January 06:00 to 3 January " +
    "17:00, 2018: `start=2018-01-01T06:00&end=2018-01-03T17:00` gives 60 930 453 782 W " +
    "(60 930.454 MW).",
  request: { query: queryOf(consumptionRangeQuery) },
  responses: {
    200: jsonAnswer("The summary of the range", SummarySchema),
    ...problemResponses(400, 503),
  },
});

export function consumptionSummaryRoutes({ sql, config }: AppDeps) {
  return createRouter().openapi(summaryRoute, async (c) => {
    const query = c.req.valid("query");
    checkRange(c, ["start", "end"], [query.start, query.end], config.maxRangeDays);
    const range = askedRange(query);
    const summary = await summarizeConsumption(sql, range);
    const parisTime = (ms: number | null) => ms === null ? null : formatZonedIso(PARIS, ms);
    const answer: SummaryAnswer = {
      unit: "W",
      timezone: PARIS,
      ...rangeEcho(range),
      count: summary.count,
      expected: halfHoursBetween(query.start, query.end),
      mean_w: summary.mean_w,
      min_w: summary.min_w,
      max_w: summary.max_w,
      min_at: parisTime(summary.min_at_ms),
      max_at: parisTime(summary.max_at_ms),
      energy_wh: summary.energy_wh,
      first: parisTime(summary.first_ms),
      last: parisTime(summary.last_ms),
    };
    return c.json(answer, 200);
  });
}

/**
 * Half-hour instants in [start, end]. Paris is a whole number of hours off UTC, so its
 * half-hours start on UTC half-hours: counting instants counts DST days right.
 */
function halfHoursBetween(start: number, end: number): number {
  return Math.max(0, Math.floor(end / HALF_HOUR_MS) - Math.ceil(start / HALF_HOUR_MS) + 1);
}
