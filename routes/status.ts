/** Operational endpoints: /healthz and /api/status. */
import { Hono } from "hono";
import type { AppDeps } from "./deps.ts";
import { latestConsumption, PARIS, RTE_SOURCE } from "../db/consumption.ts";
import { type FileReport, latestRuns, type RunRow } from "../db/refresh_runs.ts";
import { formatZonedIso } from "../lib/zoned_time.ts";

export function statusRoutes({ sql, config }: AppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    await sql`select 1`;
    return c.json({ status: "ok" });
  });
  app.get("/api/status", async (c) => {
    const [runs, newest] = await Promise.all([latestRuns(sql), latestConsumption(sql)]);
    const sources = runs.some((run) => run.source === RTE_SOURCE)
      ? runs
      : [{ source: RTE_SOURCE, lastRun: undefined, lastSuccess: undefined }, ...runs];
    return c.json({
      timezone: PARIS,
      refresh_interval_minutes: config.refreshIntervalMinutes,
      sources: sources.map(({ source, lastRun, lastSuccess }) => ({
        source,
        last_success: lastSuccess ? runJson(lastSuccess) : null,
        last_run: lastRun ? runJson(lastRun) : null,
        ...(source === RTE_SOURCE
          ? {
            newest_data: newest.map((row) => ({
              perimeter: row.perimeter,
              time: time(row.period_start),
              nature: row.nature,
            })),
          }
          : {}),
      })),
    });
  });
  return app;
}

function runJson(run: RunRow) {
  return {
    started_at: time(run.started_at),
    finished_at: run.finished_at ? time(run.finished_at) : null,
    outcome: run.outcome,
    rows_changed: run.rows_changed,
    error: run.error,
    files: run.files.map(fileJson),
  };
}

function fileJson(file: FileReport) {
  return {
    name: file.name,
    status: file.status,
    rows_changed: file.rowsChanged ?? 0,
    ...(file.error ? { error: file.error } : {}),
  };
}

function time(date: Date): string {
  return formatZonedIso(PARIS, date.getTime());
}

const runSchema = {
  type: ["object", "null"],
  properties: {
    started_at: { type: "string", format: "date-time" },
    finished_at: { type: ["string", "null"], format: "date-time" },
    outcome: { enum: ["running", "succeeded", "failed"] },
    rows_changed: { type: "integer" },
    error: { type: ["string", "null"] },
    files: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string", example: "eCO2mix_RTE_En-cours-TR.zip" },
          status: { enum: ["loaded", "not-modified", "not-published", "failed"] },
          rows_changed: { type: "integer" },
          error: { type: "string" },
        },
      },
    },
  },
};

export const statusPaths = {
  "/healthz": {
    get: {
      summary: "Liveness and database reachability",
      responses: {
        "200": { description: "The service and its database answer" },
        "503": { $ref: "#/components/responses/Problem" },
      },
    },
  },
  "/api/status": {
    get: {
      summary: "How fresh the data is: refresh runs and the newest stored half-hour per source",
      description:
        "Per source: the last successful refresh run, the last run whatever its outcome (with " +
        "its error), and for RTE the newest half-hour stored per perimeter with its nature " +
        "(real_time, consolidated, definitive). Times are Europe/Paris with their offset.",
      responses: {
        "200": {
          description: "Freshness report",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  timezone: { type: "string", example: PARIS },
                  refresh_interval_minutes: {
                    type: "integer",
                    description: "0 = the service does not refresh by itself",
                  },
                  sources: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: {
                        source: { type: "string", example: RTE_SOURCE },
                        last_success: runSchema,
                        last_run: runSchema,
                        newest_data: {
                          type: "array",
                          items: {
                            type: "object",
                            properties: {
                              perimeter: { type: "string", example: "France" },
                              time: { type: "string", example: "2026-03-14T15:30:00+01:00" },
                              nature: { enum: ["real_time", "consolidated", "definitive"] },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        "503": { $ref: "#/components/responses/Problem" },
      },
    },
  },
};
