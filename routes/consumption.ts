/**
 * GET /api/consumption: consumption in watts per half-hour, hour, day or month, as JSON or CSV;
 * the other /api/consumption endpoints are mounted here too.
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { accepts } from "hono/accepts";
import type { AppDeps } from "./deps.ts";
import type { DatabaseGuard } from "./database_guard.ts";
import { completeAnswer } from "./answer_headers.ts";
import { ConsumptionStore } from "../db/consumption_store.ts";
import { LruCache } from "../lib/lru_cache.ts";
import { CSV_CONTENT_TYPE } from "../lib/csv.ts";
import { ConsumptionAnswer } from "./consumption_answers.ts";
import { consumptionCsvName, CSV_COLUMNS } from "./consumption_csv.ts";
import { consumptionPerimetersRoutes } from "./consumption_perimeters.ts";
import { countPoints, type RangeFacts, rangeFacts } from "./consumption_points.ts";
import {
  askedRange,
  consumptionRangeQuery,
  rangeEcho,
  resolutionQuery,
} from "./consumption_query.ts";
import { BlockTexts, type Bytes, renderAnswer, renderWhole } from "./consumption_render.ts";
import { consumptionSummaryRoutes } from "./consumption_summary.ts";
import { noneMatchHits, NOT_MODIFIED, REVALIDATION_HEADERS, weakEntityTag } from "./conditional.ts";
import { problemResponses } from "./problem.ts";
import { checkRange, csvAttachmentHeaders, formatQuery, queryOf } from "./query_params.ts";
import { createRouter, jsonOrCsvAnswer } from "./router.ts";

/**
 * Memory for the rows held (db/consumption_store.ts): 24 MB holds ~4.8 million half-hours,
 * every perimeter RTE publishes since 2012 (~2.5 million) with room to spare.
 */
const STORE_BYTES = 24_000_000;
/**
 * Memory for the blocks' half-hours as JSON or CSV text (~360 kB per block in JSON), in each
 * serving thread: two threads hold what one held before.
 */
const TEXTS_BYTES = 16_000_000;
// Even if a change notification were lost, a block read from the database is at most this old.
const STORE_TTL_MS = 5 * 60_000;
/**
 * Answers up to this many points (~ 140 kB, six weeks of half-hours) are built whole, sent with
 * their length and cached; longer ones are streamed piece by piece, so an answer in flight
 * holds one piece, whatever the number of clients.
 */
const WHOLE_POINTS = 2_048;
/** Points per piece of a streamed answer (~ 70 kB). */
const PIECE_POINTS = 1_024;

/** `Cache-Control` by how final the range's data is: definitive data changes once a year. */
const CACHE_CONTROL = {
  definitive: "public, max-age=86400",
  consolidated: "public, max-age=3600",
  changing: "public, max-age=60",
};

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
    "`consumption_<perimeter>_<start date>_<end date>.csv` (accents dropped, other signs `_`)." +
    "\n\nEvery answer carries an `ETag`, the same in every server process, which changes " +
    "only when a stored half-hour of the range does: send it back in `If-None-Match` to get " +
    "`304 Not Modified` without the body. `Cache-Control` follows how final the data is: " +
    "`max-age=86400` when every half-hour present is definitive, `3600` when consolidated, " +
    "`60` when some are real-time, or the range holds none, or its last half-hour is missing " +
    "(newer data may come).",
  request: { query: ConsumptionQuery },
  responses: {
    200: {
      ...jsonOrCsvAnswer("The points, oldest first", ConsumptionAnswer),
      headers: REVALIDATION_HEADERS,
    },
    304: NOT_MODIFIED,
    ...problemResponses(400, 503),
  },
});

/**
 * Answers are read from the rows held in memory (the store drops what a load changes, in
 * every process, on commit); only reading rows from the database runs under `guard`'s
 * deadline, so an answer from memory pays for no timer. An answer's ETag names the request
 * and a digest of the range's rows, so it is the same in every process and changes only when
 * those rows do; the cache of whole answers is keyed the same way, so it never serves a stale
 * answer.
 */
export function consumptionRoutes(deps: AppDeps, guard: DatabaseGuard) {
  const { sql, config } = deps;
  const app = createRouter();
  app.route("/", consumptionPerimetersRoutes(deps));
  app.route("/", consumptionSummaryRoutes(deps));
  const store = new ConsumptionStore(sql, { maxBytes: STORE_BYTES, ttlMs: STORE_TTL_MS });
  const cache = new LruCache<string>(config.consumptionCacheMb * 1_000_000);
  const texts = new BlockTexts({ maxBytes: TEXTS_BYTES, blockLifetimeMs: STORE_TTL_MS });

  return app.openapi(consumptionRoute, async (c) => {
    const query = c.req.valid("query");
    const { start, end, resolution } = query;
    checkRange(c, ["start", "end"], [start, end], config.maxRangeDays);
    const echo = rangeEcho(askedRange(query));
    const format = negotiatedFormat(c, query.format);
    const blocks = store.held(query.perimeter, start, end) ??
      await guard.run(() => store.blocks(query.perimeter, start, end));
    const source = { blocks, startMs: start, endMs: end, resolution };
    const facts = rangeFacts(source);
    // Everything the answer's bytes depend on: the request's meaning and the stored rows.
    const key = [format, resolution, start, end, query.perimeter, facts.digest].join("\u0000");
    // Built here in one go: headers added one by one cost more than the answer itself.
    const headers: Record<string, string> = {
      "Vary": "Accept, Accept-Encoding",
      "ETag": weakEntityTag(key),
      "Cache-Control": cacheControlOf(facts),
    };
    if (noneMatchHits(c.req.header("If-None-Match"), headers.ETag)) {
      return completeAnswer(c, null, 304, headers);
    }

    // Half-hours are written (or copied from a block's text) at about a look-up's cost; only
    // periods, which aggregate every half-hour, are worth caching.
    const cached = resolution === "PT30M" ? undefined : cache;
    let body: string | ReadableStream<Bytes> | undefined = cached?.get(key);
    if (body === undefined) {
      const count = resolution === "PT30M" ? facts.halfHours : countPoints(source, resolution);
      const answer = { ...source, echo, count };
      if (count <= WHOLE_POINTS) {
        body = renderWhole(answer, format, texts);
        cached?.set(key, body);
      } else {
        body = streamOf(renderAnswer(answer, format, texts, PIECE_POINTS));
      }
    }
    const typed = format === "json"
      ? { "Content-Type": "application/json" }
      : csvAttachmentHeaders(consumptionCsvName(echo));
    return completeAnswer(c, body, 200, { ...headers, ...typed });
  });
}

/** Pieces rendered as the client takes them: one is held at a time. */
function streamOf(pieces: Generator<Bytes>): ReadableStream<Bytes> {
  return new ReadableStream({
    pull(controller) {
      const { done, value } = pieces.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      pieces.return(undefined);
    },
  }, { highWaterMark: 0 });
}

/**
 * How long a client may reuse the answer: by its least final half-hour; briefly when it holds
 * none, or real-time ones, or when its last half-hour is missing (newer data may come). Holes
 * inside old data stay: RTE's files never hold the autumn DST day's first 02:00 hour.
 */
function cacheControlOf({ leastFinal, openEnded }: RangeFacts): string {
  if (openEnded || leastFinal === undefined || leastFinal === "real_time") {
    return CACHE_CONTROL.changing;
  }
  return CACHE_CONTROL[leastFinal];
}

/** `format` when given, else what `Accept` prefers of JSON and CSV (JSON for any type). */
function negotiatedFormat(c: Context, format: "json" | "csv"): "json" | "csv" {
  if (c.req.query("format") !== undefined || c.req.header("Accept") === undefined) return format;
  const type = accepts(c, {
    header: "Accept",
    supports: ["application/json", CSV_CONTENT_TYPE.split(";")[0]],
    default: "application/json",
  });
  return type === "application/json" ? "json" : "csv";
}
