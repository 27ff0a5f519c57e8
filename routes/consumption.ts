/** GET /api/consumption: France's consumption in watts, half-hour by half-hour. */
import { Hono } from "hono";
import type { AppDeps } from "../app.ts";
import { listConsumption } from "../db/consumption.ts";
import { formatZonedIso, parseIsoInZone } from "../lib/zoned_time.ts";
import { checkRange, parseQuery, requiredQuery } from "./query_params.ts";

export const PARIS = "Europe/Paris";
const WATTS_PER_MW = 1_000_000;

export function consumptionRoutes({ sql, config }: AppDeps): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const start = parseQuery("start", requiredQuery(c, "start"), parseBound);
    const end = parseQuery("end", requiredQuery(c, "end"), parseBound);
    const perimeter = c.req.query("perimeter") ?? "France";
    checkRange(c, ["start", "end"], [start, end], config.maxRangeDays);
    const rows = await listConsumption(sql, {
      perimeter,
      start: new Date(start),
      end: new Date(end),
    });
    return c.json({
      unit: "W",
      resolution: "PT30M",
      timezone: PARIS,
      perimeter,
      start: formatZonedIso(PARIS, start),
      end: formatZonedIso(PARIS, end),
      count: rows.length,
      data: rows.map((row) => ({
        time: formatZonedIso(PARIS, row.period_start.getTime()),
        consumption_w: row.consumption_mw * WATTS_PER_MW,
        nature: row.nature,
      })),
    });
  });
  return app;
}

/** A bound: ISO date or date-time; without an offset it is Paris wall-clock time. */
function parseBound(raw: string): number {
  return parseIsoInZone(raw, PARIS, "earlier");
}

export const consumptionPaths = {
  "/api/consumption": {
    get: {
      summary: "France's consumed power, in watts, per half-hour",
      description:
        "Half-hours whose start instant lies between `start` and `end`, both included (like SQL BETWEEN). " +
        "Bounds without an offset are Europe/Paris wall-clock time; a time that occurs twice (autumn) " +
        "means its first occurrence, a time that does not exist (spring) moves forward by one hour.",
      parameters: [
        {
          name: "start",
          in: "query",
          required: true,
          schema: { type: "string" },
          example: "2018-01-01T06:00",
          description: "YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], optionally with Z or ±HH:MM",
        },
        {
          name: "end",
          in: "query",
          required: true,
          schema: { type: "string" },
          example: "2018-01-03T17:00",
          description: "Same format as start; not before start; range at most MAX_RANGE_DAYS",
        },
        {
          name: "perimeter",
          in: "query",
          required: false,
          schema: { type: "string", default: "France" },
        },
      ],
      responses: {
        "200": {
          description: "The half-hours, oldest first",
          content: {
            "application/json": {
              example: {
                unit: "W",
                resolution: "PT30M",
                timezone: PARIS,
                perimeter: "France",
                start: "2018-01-01T06:00:00+01:00",
                end: "2018-01-01T06:30:00+01:00",
                count: 2,
                data: [
                  {
                    time: "2018-01-01T06:00:00+01:00",
                    consumption_w: 50751000000,
                    nature: "definitive",
                  },
                  {
                    time: "2018-01-01T06:30:00+01:00",
                    consumption_w: 51286000000,
                    nature: "definitive",
                  },
                ],
              },
            },
          },
        },
        "400": { $ref: "#/components/responses/Problem" },
        "503": { $ref: "#/components/responses/Problem" },
      },
    },
  },
};
