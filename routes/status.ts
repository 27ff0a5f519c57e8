/** Operational endpoints: /healthz, and /api/status (how fresh every feed's data is). */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "./deps.ts";
import { problemResponses } from "./problem.ts";
import { createRouter, jsonAnswer } from "./router.ts";
import { AIRQINO_SOURCE, latestStationHours } from "../db/air_quality.ts";
import { latestConsumption, PARIS, RTE_SOURCE } from "../db/consumption.ts";
import { newestSeenAt, TICKETMASTER_SOURCE } from "../db/events.ts";
import { latestRuns, type RunItem, type RunRow, type SourceRuns } from "../db/run_log.ts";
import { formatUtcSeconds, formatZonedIso } from "../lib/zoned_time.ts";

const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

const RunItemSchema = z.object({
  name: z.string().openapi({
    description: "RTE: the file; AirQino: the station id; Ticketmaster: the date range read",
    example: "eCO2mix_RTE_En-cours-TR.zip",
  }),
  status: z.string().openapi({
    description: "RTE: loaded, not-modified, not-published or failed; AirQino: ok or failed; " +
      "Ticketmaster: complete or incomplete",
  }),
  rows_changed: z.number().int().openapi({
    description: "Rows inserted or rewritten: RTE half-hours, AirQino hours, events",
  }),
  error: z.string().optional(),
}).openapi("RunItem");

const RunSchema = z.object({
  started_at: z.string().openapi({ example: "2026-03-15T16:07:00+01:00" }),
  finished_at: z.string().nullable().openapi({ description: "null while the run goes on" }),
  outcome: z.enum(["running", "succeeded", "failed"]),
  rows_changed: z.number().int().openapi({
    description: "Rows the run inserted or rewrote: the sum of its items'",
  }),
  error: z.string().nullable(),
  items: z.array(RunItemSchema).openapi({
    description: "RTE: one item per file; AirQino: one per station; Ticketmaster: one for " +
      "the date range read",
  }),
  files: z.array(RunItemSchema).optional().openapi({
    description: "RTE only, the same as `items`: its name before the other feeds had runs",
    deprecated: true,
  }),
}).openapi("Run");

const PerimeterFreshnessSchema = z.object({
  perimeter: z.string().openapi({ example: "France" }),
  time: z.string().openapi({ example: "2026-03-14T15:30:00+01:00" }),
  nature: z.enum(["real_time", "consolidated", "definitive"]),
}).openapi("PerimeterFreshness");

const StationFreshnessSchema = z.object({
  station: z.string().openapi({ example: "283164601" }),
  time: z.string().openapi({ example: "2023-12-10T00:00:00Z" }),
}).openapi("StationFreshness");

const EventsFreshnessSchema = z.object({
  time: z.string().openapi({ example: "2025-02-01T14:03:27.512Z" }),
}).openapi("EventsFreshness");

const SourceStatusSchema = z.object({
  source: z.enum([RTE_SOURCE, AIRQINO_SOURCE, TICKETMASTER_SOURCE]),
  // A union rather than .nullable(), which would make the Run component itself nullable.
  last_success: z.union([RunSchema, z.null()]).openapi({
    description: "The newest succeeded run; null before any",
  }),
  last_run: z.union([RunSchema, z.null()]).openapi({
    description: "The newest run whatever its outcome, runs skipped for a held lock aside",
  }),
  newest_data: z.array(
    z.union([PerimeterFreshnessSchema, StationFreshnessSchema, EventsFreshnessSchema]),
  ).openapi({
    description: "RTE: the newest half-hour per perimeter, with its nature; AirQino: the " +
      "newest stored hour per station; Ticketmaster: the newest last_seen_at (the start of " +
      "the last run that stored events). Empty when nothing is stored.",
  }),
}).openapi("SourceStatus");

const StatusSchema = z.object({
  timezone: z.string().openapi({ description: "The zone of RTE's times", example: PARIS }),
  refresh_interval_minutes: z.number().int().openapi({
    description: "RTE's refresh period; 0 = the service does not refresh by itself",
  }),
  sources: z.array(SourceStatusSchema).openapi({
    description: "Every feed, always, in this order: rte, airqino, ticketmaster",
  }),
}).openapi("Status");

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness and database reachability",
  responses: {
    200: jsonAnswer("The service and its database answer", HealthSchema),
    ...problemResponses(503),
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/api/status",
  summary: "How fresh every feed's data is: its runs and its newest stored data",
  description: "Per feed (rte, airqino, ticketmaster; listed before any run): the last " +
    "successful run, the last run whatever its outcome (with its error and its items: RTE's " +
    "files, AirQino's stations, Ticketmaster's date range), and the newest stored data. Times " +
    "keep each feed's convention: RTE's are Europe/Paris with their offset, AirQino's UTC to " +
    "the second (`2023-12-10T00:00:00Z`), Ticketmaster's UTC to the millisecond " +
    "(`2025-02-01T14:03:27.512Z`, as `last_seen_at` in /api/events).",
  responses: {
    200: jsonAnswer("Freshness report", StatusSchema),
    ...problemResponses(503),
  },
});

type Run = z.infer<typeof RunSchema>;
type NewestData = z.infer<typeof SourceStatusSchema>["newest_data"];

/** How one feed shows: its time convention, and whether it keeps RTE's older `files` key. */
interface Feed {
  source: z.infer<typeof SourceStatusSchema>["source"];
  time: (date: Date) => string;
  filesAlias: boolean;
  newestData: NewestData;
}

export function statusRoutes({ sql, config }: AppDeps): OpenAPIHono {
  const app = createRouter();
  app.openapi(healthRoute, async (c) => {
    await sql`select 1`;
    return c.json({ status: "ok" as const }, 200);
  });
  app.openapi(statusRoute, async (c) => {
    const [runs, perimeters, stations, eventsSeenAt] = await Promise.all([
      latestRuns(sql),
      latestConsumption(sql),
      latestStationHours(sql),
      newestSeenAt(sql),
    ]);
    const feeds: Feed[] = [
      {
        source: RTE_SOURCE,
        time: parisTime,
        filesAlias: true,
        newestData: perimeters.map((row) => ({
          perimeter: row.perimeter,
          time: parisTime(row.period_start),
          nature: row.nature,
        })),
      },
      {
        source: AIRQINO_SOURCE,
        time: formatUtcSeconds,
        filesAlias: false,
        newestData: stations.map((row) => ({
          station: row.station_id,
          time: formatUtcSeconds(row.hour_start),
        })),
      },
      {
        source: TICKETMASTER_SOURCE,
        time: utcMilliseconds,
        filesAlias: false,
        newestData: eventsSeenAt ? [{ time: utcMilliseconds(eventsSeenAt) }] : [],
      },
    ];
    return c.json({
      timezone: PARIS,
      refresh_interval_minutes: config.refreshIntervalMinutes,
      sources: feeds.map((feed) => sourceJson(feed, runs)),
    }, 200);
  });
  return app;
}

function sourceJson(feed: Feed, runs: SourceRuns[]) {
  const { lastRun, lastSuccess } = runs.find((run) => run.source === feed.source) ?? {};
  return {
    source: feed.source,
    last_success: lastSuccess ? runJson(lastSuccess, feed) : null,
    last_run: lastRun ? runJson(lastRun, feed) : null,
    newest_data: feed.newestData,
  };
}

function runJson(run: RunRow, feed: Feed): Run {
  const items = run.items.map(itemJson);
  return {
    started_at: feed.time(run.started_at),
    finished_at: run.finished_at ? feed.time(run.finished_at) : null,
    // Skipped runs are never a feed's last run (latestRuns leaves them out).
    outcome: run.outcome as Run["outcome"],
    rows_changed: run.rows_changed,
    error: run.error,
    items,
    ...(feed.filesAlias ? { files: items } : {}),
  };
}

function itemJson(item: RunItem) {
  return {
    name: item.name,
    status: item.status,
    rows_changed: item.rowsChanged ?? 0,
    ...(item.error ? { error: item.error } : {}),
  };
}

function parisTime(date: Date): string {
  return formatZonedIso(PARIS, date.getTime());
}

function utcMilliseconds(date: Date): string {
  return date.toISOString();
}
