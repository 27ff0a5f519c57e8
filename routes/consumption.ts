/** GET /api/consumption: France's consumption in watts, half-hour by half-hour. */
import { Hono } from "hono";
import type { AppDeps } from "../app.ts";
import type { Sql } from "../db/client.ts";
import { listConsumption, watchConsumptionChanges } from "../db/consumption.ts";
import { LruCache } from "../lib/lru_cache.ts";
import { formatZonedIso, parseIsoInZone } from "../lib/zoned_time.ts";
import { checkRange, parseQuery, requiredQuery } from "./query_params.ts";

export const PARIS = "Europe/Paris";
const WATTS_PER_MW = 1_000_000;
// Even if a change notification were lost, a cached answer is at most this old.
const CACHE_TTL_MS = 5 * 60_000;

/**
 * Answers are cached whole (the JSON text) per range. Every load that changes rows notifies
 * on commit, from any process, and the cache is emptied; it is used only while this process
 * listens, so it never serves a range older than the last committed change it heard of.
 */
export function consumptionRoutes({ sql, config }: AppDeps): Hono {
  const app = new Hono();
  const cache = new LruCache(config.consumptionCacheMb * 1_000_000, CACHE_TTL_MS);
  const listening = config.consumptionCacheMb > 0 ? listenOnce(sql, cache) : () => false;

  app.get("/", async (c) => {
    const start = parseQuery("start", requiredQuery(c, "start"), parseBound);
    const end = parseQuery("end", requiredQuery(c, "end"), parseBound);
    const perimeter = c.req.query("perimeter") ?? "France";
    checkRange(c, ["start", "end"], [start, end], config.maxRangeDays);
    const useCache = await listening();
    const key = `${perimeter}\u0000${start}\u0000${end}`;
    let body = useCache ? cache.get(key) : undefined;
    if (body === undefined) {
      const generation = cache.generation;
      body = await consumptionJson(sql, perimeter, start, end);
      if (useCache) cache.set(key, body, generation);
    }
    return c.body(body, 200, { "content-type": "application/json" });
  });
  return app;
}

async function consumptionJson(sql: Sql, perimeter: string, start: number, end: number) {
  const rows = await listConsumption(sql, {
    perimeter,
    start: new Date(start),
    end: new Date(end),
  });
  return JSON.stringify({
    unit: "W",
    resolution: "PT30M",
    timezone: PARIS,
    perimeter,
    start: formatZonedIso(PARIS, start),
    end: formatZonedIso(PARIS, end),
    count: rows.length,
    data: rows.map((row) => ({
      time: formatZonedIso(PARIS, row.period_start_ms),
      consumption_w: row.consumption_mw * WATTS_PER_MW,
      nature: row.nature,
    })),
  });
}

/**
 * Starts listening for changes on first use; resolves whether the cache may be used. A failed
 * attempt (database down) is retried by the next request.
 */
function listenOnce(sql: Sql, cache: LruCache): () => Promise<boolean> {
  let started: Promise<boolean> | undefined;
  return () => {
    started ??= watchConsumptionChanges(sql, () => cache.clear()).then(
      () => true,
      () => {
        started = undefined;
        return false;
      },
    );
    return started;
  };
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
