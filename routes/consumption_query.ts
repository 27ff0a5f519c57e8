/** The query parameters of the /api/consumption endpoints, shared by the list and the summary. */
import { z } from "@hono/zod-openapi";
import { type ConsumptionRange, PARIS } from "../db/consumption.ts";
import { formatZonedIso, parseIsoInZone } from "../lib/zoned_time.ts";
import { required } from "./query_params.ts";

/** `France` or a region name as RTE writes it (letters, digits, spaces, hyphens). */
const PERIMETER = /^[\p{L}\p{N}][\p{L}\p{N} .'-]{0,63}$/u;

/** `start`, `end` (Paris wall-clock bounds, both included) and `perimeter`. */
export const consumptionRangeQuery = {
  start: required((raw) => parseBound(raw, "start")).openapi({
    example: "2018-01-01T06:00",
    description: "YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], optionally with Z or ±HH:MM",
  }),
  end: required((raw) => parseBound(raw, "end")).openapi({
    example: "2018-01-03T17:00",
    description: "Same format as start; not before start; range at most MAX_RANGE_DAYS",
  }),
  perimeter: z.string().regex(PERIMETER, {
    error: (issue) => `Cannot parse perimeter "${issue.input}": expected France or a region name`,
  }).default("France").openapi({
    // zod-to-openapi would append the regex's flags to the pattern.
    pattern: PERIMETER.source,
    description: "France, or a region as RTE names it (letters, digits, spaces, . ' -); " +
      "GET /api/consumption/perimeters lists them",
  }),
};

/** The range a request asked for (bounds in epoch ms), as the queries read it. */
export function askedRange(
  { perimeter, start, end }: { perimeter: string; start: number; end: number },
): ConsumptionRange {
  return { perimeter, start: new Date(start), end: new Date(end) };
}

/** The range as every answer echoes it: the perimeter, both bounds in Paris time. */
export function rangeEcho({ perimeter, start, end }: ConsumptionRange) {
  return {
    perimeter,
    start: formatZonedIso(PARIS, start.getTime()),
    end: formatZonedIso(PARIS, end.getTime()),
  };
}

export const RESOLUTIONS = ["PT30M", "PT1H", "P1D", "P1M"] as const;

/** `resolution`: the step between points, as an ISO 8601 duration. */
export const resolutionQuery = z.enum(RESOLUTIONS, {
  error: (issue) => `"resolution" must be PT30M, PT1H, P1D or P1M, not "${issue.input}"`,
}).default("PT30M").openapi({
  description: "PT30M (the stored half-hours), PT1H, P1D or P1M (Paris hours, days, months)",
});

/**
 * A bound: ISO date or date-time; without an offset it is Paris wall-clock time, read by
 * wall-clock order on DST days: a repeated time is its first occurrence as a start and its
 * second as an end; a time the clock skipped falls on the gap's edge on the bound's side.
 */
function parseBound(raw: string, side: "start" | "end"): number {
  return parseIsoInZone(raw, PARIS, side === "start" ? "earlier" : "later");
}
