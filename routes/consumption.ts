/** GET /api/consumption: France's consumption in watts, half-hour by half-hour. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import type { AppDeps } from "./deps.ts";
import type { Sql } from "../db/client.ts";
import { listConsumption, PARIS, watchConsumptionChanges } from "../db/consumption.ts";
import { Budget } from "../lib/budget.ts";
import { LruCache } from "../lib/lru_cache.ts";
import { formatZonedIso, parseIsoInZone } from "../lib/zoned_time.ts";
import { problemResponses } from "./problem.ts";
import { checkRange, queryOf, required } from "./query_params.ts";
import { createRouter, jsonAnswer } from "./router.ts";

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

/** `France` or a region name as RTE writes it (letters, digits, spaces, hyphens). */
const PERIMETER = /^[\p{L}\p{N}][\p{L}\p{N} .'-]{0,63}$/u;

const ConsumptionQuery = queryOf({
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
    description: "France, or a region as RTE names it (letters, digits, spaces, . ' -)",
  }),
});

const Nature = z.enum(["real_time", "consolidated", "definitive"]).openapi({
  description: "How final RTE's figure is: real-time, then consolidated, then definitive",
});

const ConsumptionPoint = z.object({
  time: z.string().openapi({
    description: "Start of the half-hour, Europe/Paris wall-clock time with its offset",
    example: "2018-01-01T06:00:00+01:00",
  }),
  consumption_w: z.number().openapi({
    description: "Mean consumed power over the half-hour, in watts",
    example: 50751000000,
  }),
  nature: Nature,
}).openapi("ConsumptionPoint");

const ConsumptionAnswer = z.object({
  unit: z.literal("W").openapi({ description: "Unit of `consumption_w`" }),
  resolution: z.literal("PT30M").openapi({ description: "Step between points (ISO 8601)" }),
  timezone: z.string().openapi({ description: "Zone of every time given", example: PARIS }),
  perimeter: z.string().openapi({ example: "France" }),
  start: z.string().openapi({
    description: "The start asked for, in Paris time with its offset",
    example: "2018-01-01T06:00:00+01:00",
  }),
  end: z.string().openapi({
    description: "The end asked for, in Paris time with its offset",
    example: "2018-01-01T06:30:00+01:00",
  }),
  count: z.number().int().openapi({ description: "Number of points in `data`", example: 2 }),
  data: z.array(ConsumptionPoint).openapi({ description: "The half-hours, oldest first" }),
}).openapi("ConsumptionAnswer");

type ConsumptionAnswer = z.infer<typeof ConsumptionAnswer>;

const consumptionRoute = createRoute({
  method: "get",
  path: "/",
  summary: "France's consumed power, in watts, per half-hour",
  description:
    "Half-hours whose start instant lies between `start` and `end`, both included (like SQL " +
    "BETWEEN). Bounds without an offset are Europe/Paris wall-clock time. On DST days they " +
    "select by wall-clock order: a time that occurs twice (autumn) is its first occurrence as " +
    "start and its second as end; a time that does not exist (spring) falls on the edge of the gap.",
  request: { query: ConsumptionQuery },
  responses: {
    200: jsonAnswer("The half-hours, oldest first", ConsumptionAnswer),
    ...problemResponses(400, 503),
  },
});

/**
 * Answers are cached whole (the JSON text) per range. Every load that changes rows notifies
 * on commit, from any process, and the cache is emptied; it is used only while this process
 * listens, so it never serves a range older than the last committed change it heard of.
 */
export function consumptionRoutes({ sql, config }: AppDeps) {
  const app = createRouter();
  const cache = new LruCache(config.consumptionCacheMb * 1_000_000, CACHE_TTL_MS);
  const listening = config.consumptionCacheMb > 0 ? listenOnce(sql, cache) : () => false;
  const rowBudget = new Budget(ROWS_IN_FLIGHT);

  return app.openapi(consumptionRoute, async (c) => {
    const { start, end, perimeter } = c.req.valid("query");
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
    return serializedJson<ConsumptionAnswer>(c, body);
  });
}

/**
 * A 200 JSON answer serialized beforehand (cached text) by `JSON.stringify` of a `T`. Hono
 * types an answer by how it was built, so a body sent as text is declared what it encodes.
 */
function serializedJson<T>(c: Context, json: string): TypedResponse<JSONParsed<T>, 200, "json"> {
  const response = c.body(json, 200, { "content-type": "application/json" });
  return response as unknown as TypedResponse<JSONParsed<T>, 200, "json">;
}

async function consumptionJson(sql: Sql, perimeter: string, start: number, end: number) {
  const rows = await listConsumption(sql, {
    perimeter,
    start: new Date(start),
    end: new Date(end),
  });
  const answer: ConsumptionAnswer = {
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
  };
  return JSON.stringify(answer);
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

/**
 * A bound: ISO date or date-time; without an offset it is Paris wall-clock time, read by
 * wall-clock order on DST days: a repeated time is its first occurrence as a start and its
 * second as an end; a time the clock skipped falls on the gap's edge on the bound's side.
 */
function parseBound(raw: string, side: "start" | "end"): number {
  return parseIsoInZone(raw, PARIS, side === "start" ? "earlier" : "later");
}
