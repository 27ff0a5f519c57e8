/** GET /api/consumption: France's consumption in watts, half-hour by half-hour. */
import { Hono } from "hono";
import type { AppDeps } from "./deps.ts";
import type { Sql } from "../db/client.ts";
import { listConsumption, PARIS, watchConsumptionChanges } from "../db/consumption.ts";
import { Budget } from "../lib/budget.ts";
import { LruCache } from "../lib/lru_cache.ts";
import { formatZonedIso, parseIsoInZone } from "../lib/zoned_time.ts";
import { checkRange, parseQuery, requiredQuery } from "./query_params.ts";

const WATTS_PER_MW = 1_000_000;
const HALF_HOUR_MS = 30 * 60_000;
/**
 * Half-hours being read and rendered at once, whatever the number of clients: a year is
 * ~17 600 rows and ~25 MB while its answer is built, so this bounds that memory to ~100 MB
 * (see the heap limit in the Dockerfile). Requests beyond it wait their turn.
 */
const ROWS_IN_FLIGHT = 4 * 17_600;
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
  const rowBudget = new Budget(ROWS_IN_FLIGHT);

  app.get("/", async (c) => {
    const start = parseQuery("start", requiredQuery(c, "start"), (raw) => parseBound(raw, "start"));
    const end = parseQuery("end", requiredQuery(c, "end"), (raw) => parseBound(raw, "end"));
    const perimeter = parseQuery("perimeter", c.req.query("perimeter") ?? "France", parsePerimeter);
    checkRange(c, ["start", "end"], [start, end], config.maxRangeDays);
    const useCache = await listening();
    const key = `${perimeter}\u0000${start}\u0000${end}`;
    let body = useCache ? cache.get(key) : undefined;
    if (body === undefined) {
      const generation = cache.generation;
      const release = await rowBudget.acquire((end - start) / HALF_HOUR_MS + 1, c.get("deadline"));
      try {
        body = await consumptionJson(sql, perimeter, start, end);
      } finally {
        release();
      }
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
 * Starts listening for changes on first use; resolves whether the cache may be used. The first
 * request waits for the first attempt; after a failure (database down) postgres.js retries by
 * itself and calls back each time it listens again, so LISTEN is asked for once per process.
 */
function listenOnce(sql: Sql, cache: LruCache): () => Promise<boolean> {
  let listening = false;
  let firstAttempt: Promise<unknown> | undefined;
  return async () => {
    firstAttempt ??= watchConsumptionChanges(sql, () => cache.clear(), () => {
      listening = true;
      cache.clear(); // changes may have been missed while not listening
    }).catch(() => {});
    if (!listening) await firstAttempt;
    return listening;
  };
}

/** `France` or a region name as RTE writes it (letters, digits, spaces, hyphens). */
function parsePerimeter(raw: string): string {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} .'-]{0,63}$/u.test(raw)) {
    throw new RangeError(`Cannot parse perimeter "${raw}": expected France or a region name`);
  }
  return raw;
}

/**
 * A bound: ISO date or date-time; without an offset it is Paris wall-clock time, read by
 * wall-clock order on DST days: a repeated time is its first occurrence as a start and its
 * second as an end; a time the clock skipped falls on the gap's edge on the bound's side.
 */
function parseBound(raw: string, side: "start" | "end"): number {
  return parseIsoInZone(raw, PARIS, side === "start" ? "earlier" : "later");
}

export const consumptionPaths = {
  "/api/consumption": {
    get: {
      summary: "France's consumed power, in watts, per half-hour",
      description:
        "Half-hours whose start instant lies between `start` and `end`, both included (like SQL BETWEEN). " +
        "Bounds without an offset are Europe/Paris wall-clock time. On DST days they select by " +
        "wall-clock order: a time that occurs twice (autumn) is its first occurrence as start and its " +
        "second as end; a time that does not exist (spring) falls on the edge of the gap.",
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
