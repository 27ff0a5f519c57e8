/**
 * GET /api/consumption as CSV: the JSON answer's points, one row each (written by
 * consumption_render.ts), under a file name saying what they are.
 */
import type { ConsumptionAnswer } from "./consumption_answers.ts";

const HALF_HOUR_COLUMNS = ["time", "consumption_w", "nature"] as const;
const PERIOD_COLUMNS = [...HALF_HOUR_COLUMNS, "half_hours", "expected_half_hours"] as const;

/** The columns of a resolution's CSV, for the route's description. */
export const CSV_COLUMNS = {
  halfHours: HALF_HOUR_COLUMNS.join(","),
  periods: PERIOD_COLUMNS.join(","),
};

/**
 * `consumption_France_2018-01-01_2018-01-03.csv`: the perimeter and the Paris dates of the
 * bounds. The perimeter is reduced to ASCII letters, digits and `-` (accents dropped, anything
 * else `_`) so the header stays ASCII and the name is valid on every file system.
 */
export function consumptionCsvName(
  answer: Pick<ConsumptionAnswer, "perimeter" | "start" | "end">,
): string {
  const perimeter = answer.perimeter.normalize("NFD").replace(/\p{M}/gu, "")
    .replace(/[^A-Za-z0-9-]+/g, "_");
  return `consumption_${perimeter}_${answer.start.slice(0, 10)}_${answer.end.slice(0, 10)}.csv`;
}
