/** GET /api/consumption/perimeters: the perimeters stored and the span each covers. */
import { createRoute } from "@hono/zod-openapi";
import type { AppDeps } from "./deps.ts";
import { PARIS, perimeterSpans } from "../db/consumption.ts";
import { formatZonedIso } from "../lib/zoned_time.ts";
import {
  type PerimetersAnswer,
  PerimetersAnswer as PerimetersSchema,
} from "./consumption_answers.ts";
import { problemResponses } from "./problem.ts";
import { createRouter, jsonAnswer } from "./router.ts";

const FRANCE = "France";
// French alphabetical order: "Île-de-France" among the I's, not after every ASCII name.
const frenchOrder = new Intl.Collator("fr");

const perimetersRoute = createRoute({
  method: "get",
  path: "/perimeters",
  summary: "The perimeters stored (France, regions) and the half-hours each covers",
  description:
    "Every perimeter with at least one stored half-hour, France first, then the others in " +
    "French alphabetical order. `first` and `last` are the starts of its oldest and newest " +
    "stored half-hours, in Paris time with their offset; half-hours between them may be " +
    "missing. The cost grows with the number of perimeters, not of stored rows.",
  responses: {
    200: jsonAnswer("The perimeters", PerimetersSchema),
    ...problemResponses(503),
  },
});

export function consumptionPerimetersRoutes({ sql }: AppDeps) {
  return createRouter().openapi(perimetersRoute, async (c) => {
    const spans = await perimeterSpans(sql);
    spans.sort((a, b) =>
      Number(b.perimeter === FRANCE) - Number(a.perimeter === FRANCE) ||
      frenchOrder.compare(a.perimeter, b.perimeter)
    );
    const answer: PerimetersAnswer = {
      timezone: PARIS,
      count: spans.length,
      data: spans.map((span) => ({
        perimeter: span.perimeter,
        first: formatZonedIso(PARIS, span.first_start.getTime()),
        last: formatZonedIso(PARIS, span.last_start.getTime()),
      })),
    };
    return c.json(answer, 200);
  });
}
