/**
 * GET /api/consumption: consumption in watts per half-hour, hour, day or month, as JSON or CSV;
 * the other /api/consumption endpoints are mounted here too.
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context, TypedResponse } from "hono";
import { accepts } from "hono/accepts";
import type { JSONParsed } from "hono/utils/types";
import type { AppDeps } from "./deps.ts";
import type { Sql } from "../db/client.ts";
import {
  type ConsumptionRange,
  listConsumption,
  listConsumptionPeriods,
  PARIS,
  watchConsumptionChanges,
} from "../db/consumption.ts";
import { Budget } from "../lib/budget.ts";
import { LruCache } from "../lib/lru_cache.ts";
import { CSV_CONTENT_TYPE } from "../lib/csv.ts";
import { DAY_MS, formatZonedIso, HALF_HOUR_MS, HOUR_MS } from "../lib/zoned_time.ts";
import { ConsumptionAnswer, type ConsumptionPoint } from "./consumption_answers.ts";
import { consumptionCsv, consumptionCsvName, CSV_COLUMNS } from "./consumption_csv.ts";
import { consumptionPerimetersRoutes } from "./consumption_perimeters.ts";
import {
  askedRange,
  consumptionRangeQuery,
  rangeEcho,
  resolutionQuery,
  RESOLUTIONS,
} from "./consumption_query.ts";
import { consumptionSummaryRoutes } from "./consumption_summary.ts";
import { problemResponses } from "./problem.ts";
import { checkRange, csvAttachment, formatQuery, queryOf } from "./query_params.ts";
import { createRouter, jsonOrCsvAnswer } from "./router.ts";

type Resolution = (typeof RESOLUTIONS)[number];

const WATTS_PER_MW = 1_000_000;
/** The shortest period of each resolution (a spring day, February), to bound an answer's size. */
const SHORTEST_PERIOD_MS: Record<Resolution, number> = {
  PT30M: HALF_HOUR_MS,
  PT1H: HOUR_MS,
  P1D: 23 * HOUR_MS,
  P1M: 28 * DAY_MS,
};
/**
 * Points being read and rendered at once, whatever the number of clients: a year of half-hours
 * is ~17 600 rows and ~25 MB while its answer is built, so this bounds that memory to ~100 MB
 * (see the heap limit in the Dockerfile). Requests beyond it wait their turn.
 */
const ROWS_IN_FLIGHT = 4 * 17_600;
// Even if a change notification were lost, a cached answer is at most this old.
const CACHE_TTL_MS = 5 * 60_000;

const ConsumptionQuery = queryOf({
  ...consumptionRangeQuery,
  resolution: resolutionQuery,
  format: formatQuery.openapi({
    description: "csv for a spreadsheet-ready download; when absent, `Accept: text/csv` " +
      "asks for CSV too",
  }),
});

const consumptionRoute = createRoute({
  method: "get",
  path: "/",
  summary: "Consumed power, in watts, per half-hour, hour, day or month",
  description:
    "Half-hours whose start instant lies between `start` and `end`, both included (like SQL " +
    "BETWEEN). Bounds without an offset are Europe/Paris wall-clock time. On DST days they " +
    "select by wall-clock order: a time that occurs twice (autumn) is its first occurrence as " +
    "start and its second as end; a time that does not exist (spring) falls on the edge of the " +
    "gap.\n\n" +
    "`resolution` other than PT30M gives one point per Paris period holding at least one of " +
    "those half-hours: PT1H per clock hour (the autumn day's 02:00+02:00 and 02:00+01:00 are " +
    "two hours), P1D per Paris calendar day (46 half-hours in the spring day, 50 in the " +
    "autumn one), P1M per Paris calendar month. `time` is the period's start, " +
    "`consumption_w` the mean of its half-hours present rounded to the nearest watt, " +
    "`half_hours` how many were present, `expected_half_hours` how many the period holds, " +
    "`nature` the least final one present. A period cut by `start` or `end` averages only " +
    "its half-hours inside the range (`half_hours` < `expected_half_hours` then).\n\n" +
    "CSV (`format=csv`, or `Accept: text/csv` when `format` is absent; `format` wins) holds " +
    `the same points: columns \`${CSV_COLUMNS.halfHours}\` for PT30M, ` +
    `\`${CSV_COLUMNS.periods}\` otherwise, saved as ` +
    "`consumption_<perimeter>_<start date>_<end date>.csv` (accents dropped, other signs `_`).",
  request: { query: ConsumptionQuery },
  responses: {
    200: jsonOrCsvAnswer("The points, oldest first", ConsumptionAnswer),
    ...problemResponses(400, 503),
  },
});

/**
 * Answers are cached whole (the JSON or CSV text) per range, resolution and format. Every load
 * that changes rows notifies on commit, from any process, and the cache is emptied; it is used
 * only while this process listens, so it never serves a range older than the last committed
 * change it heard of.
 */
export function consumptionRoutes(deps: AppDeps) {
  const { sql, config } = deps;
  const app = createRouter();
  app.route("/", consumptionPerimetersRoutes(deps));
  app.route("/", consumptionSummaryRoutes(deps));
  const cache = new LruCache(config.consumptionCacheMb * 1_000_000, CACHE_TTL_MS);
  const listening = config.consumptionCacheMb > 0 ? listenOnce(sql, cache) : () => false;
  const rowBudget = new Budget(ROWS_IN_FLIGHT);

  return app.openapi(consumptionRoute, async (c) => {
    const query = c.req.valid("query");
    const { start, end, resolution } = query;
    checkRange(c, ["start", "end"], [start, end], config.maxRangeDays);
    const range = askedRange(query);
    const format = negotiatedFormat(c, query.format);
    c.header("Vary", "Accept", { append: true });
    const useCache = await listening();
    const key = [range.perimeter, start, end, resolution, format].join("\u0000");
    let body = useCache ? cache.get(key) : undefined;
    if (body === undefined) {
      const generation = cache.generation;
      const points = (end - start) / SHORTEST_PERIOD_MS[resolution] + 1;
      const release = await rowBudget.acquire(points, c.get("deadline"));
      try {
        const answer = await consumptionAnswer(sql, range, resolution);
        body = format === "csv" ? consumptionCsv(answer) : JSON.stringify(answer);
      } finally {
        release();
      }
      if (useCache) cache.set(key, body, generation);
    }
    if (format === "json") return serializedJson<ConsumptionAnswer>(c, body);
    return csvAttachment(c, consumptionCsvName(rangeEcho(range)), body);
  });
}

/** `format` when given, else what `Accept` prefers of JSON and CSV (JSON for any type). */
function negotiatedFormat(c: Context, format: "json" | "csv"): "json" | "csv" {
  if (c.req.query("format") !== undefined) return format;
  const type = accepts(c, {
    header: "Accept",
    supports: ["application/json", CSV_CONTENT_TYPE.split(";")[0]],
    default: "application/json",
  });
  return type === "application/json" ? "json" : "csv";
}

/**
 * A 200 JSON answer serialized beforehand (cached text) by `JSON.stringify` of a `T`. Hono
 * types an answer by how it was built, so a body sent as text is declared what it encodes.
 */
function serializedJson<T>(c: Context, json: string): TypedResponse<JSONParsed<T>, 200, "json"> {
  const response = c.body(json, 200, { "content-type": "application/json" });
  return response as unknown as TypedResponse<JSONParsed<T>, 200, "json">;
}

async function consumptionAnswer(
  sql: Sql,
  range: ConsumptionRange,
  resolution: Resolution,
): Promise<ConsumptionAnswer> {
  const data = resolution === "PT30M"
    ? await halfHourPoints(sql, range)
    : await periodPoints(sql, range, resolution);
  return {
    unit: "W",
    resolution,
    timezone: PARIS,
    ...rangeEcho(range),
    count: data.length,
    data,
  };
}

async function halfHourPoints(sql: Sql, range: ConsumptionRange): Promise<ConsumptionPoint[]> {
  const rows = await listConsumption(sql, range);
  return rows.map((row) => ({
    time: formatZonedIso(PARIS, row.period_start_ms),
    consumption_w: row.consumption_mw * WATTS_PER_MW,
    nature: row.nature,
  }));
}

async function periodPoints(
  sql: Sql,
  range: ConsumptionRange,
  resolution: Exclude<Resolution, "PT30M">,
): Promise<ConsumptionPoint[]> {
  const rows = await listConsumptionPeriods(sql, range, resolution);
  return rows.map((row) => ({
    time: formatZonedIso(PARIS, row.period_start_ms),
    consumption_w: row.mean_w,
    nature: row.nature,
    half_hours: row.half_hours,
    expected_half_hours: row.expected_half_hours,
  }));
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
