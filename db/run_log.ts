/**
 * The run log (table `refresh_runs`): one row per run of a feed (`rte`, `airqino`,
 * `ticketmaster`), written when the run starts and completed when it ends, with one item per
 * unit of work (an RTE file, an AirQino station, a Ticketmaster date range). ingest/run_log.ts
 * is the one way feeds write it; GET /api/status reads it.
 */
import type postgres from "postgres";
import type { Sql } from "./client.ts";
import { distinctKeys } from "./distinct_keys.ts";

export type RunOutcome = "running" | "succeeded" | "failed" | "skipped";

/** One unit of a run; each feed extends it with its own facts (URL, hours received…). */
export interface RunItem {
  /** An RTE file name, an AirQino station id, a Ticketmaster date range. */
  name: string;
  /** The feed's word for how the unit went (`loaded`, `ok`, `incomplete`…). */
  status: string;
  /** Rows the unit inserted or rewrote (half-hours, hours, events). */
  rowsChanged?: number;
  error?: string;
}

export interface RunRow {
  id: number;
  source: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: RunOutcome;
  items: RunItem[];
  rows_changed: number;
  error: string | null;
}

export interface RunEnd {
  outcome: "succeeded" | "failed";
  items: RunItem[];
  rowsChanged: number;
  error?: string;
}

/**
 * Records the start of a run; returns its id. The caller holds the source's lock, so a run
 * still marked running is one that lost the database before it could record its end: it is
 * closed as failed first, saying so. `startedAt` defaults to now (a run that touches the
 * database only at its end passes its real start).
 */
export async function startRun(sql: Sql, source: string, startedAt?: Date): Promise<number> {
  const [row] = await sql<{ id: string }[]>`
    with abandoned as (
      update refresh_runs
      set finished_at = now(), outcome = 'failed',
          error = coalesce(error || '; ', '') || ${ABANDONED}
      where source = ${source} and outcome = 'running'
    )
    insert into refresh_runs (source, started_at)
    values (${source}, coalesce(${startedAt ?? null}::timestamptz, now()))
    returning id`;
  return Number(row.id);
}

const ABANDONED = "abandoned: the run lost the database before it could record its end";

/** Adds a finished unit to a running run, so it shows before the run ends (or if it never does). */
export async function appendRunItem(sql: Sql, id: number, item: RunItem): Promise<void> {
  await sql`update refresh_runs set items = items || ${sql.json([toJson(item)])} where id = ${id}`;
}

export async function finishRun(sql: Sql, id: number, end: RunEnd): Promise<void> {
  await sql`
    update refresh_runs
    set finished_at = now(), outcome = ${end.outcome}, items = ${sql.json(end.items.map(toJson))},
        rows_changed = ${end.rowsChanged}, error = ${end.error ?? null}
    where id = ${id}`;
}

/** A run that did not start because another one held the lock. */
export async function recordSkippedRun(sql: Sql, source: string, reason: string): Promise<void> {
  await sql`
    insert into refresh_runs (source, finished_at, outcome, error)
    values (${source}, now(), 'skipped', ${reason})`;
}

export async function listRuns(sql: Sql, source: string, limit = 20): Promise<RunRow[]> {
  const rows = await sql<RunRow[]>`
    select id, source, started_at, finished_at, outcome, items, rows_changed, error
    from refresh_runs where source = ${source}
    order by started_at desc, id desc limit ${limit}`;
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

export interface SourceRuns {
  source: string;
  lastRun: RunRow | undefined;
  lastSuccess: RunRow | undefined;
}

/**
 * Per source that ever ran: its newest run (any outcome, skips aside) and newest success.
 * Read for GET /api/status, so it must not read the whole history: the sources are found by
 * a loose index scan over refresh_runs_source_started, then each run by a probe from the newest
 * end of that index, which passes over only the runs since the one it looks for.
 */
export async function latestRuns(sql: Sql): Promise<SourceRuns[]> {
  const rows = await sql<(RunRow & { kind: "last" | "success" })[]>`
    ${distinctKeys(sql, "refresh_runs", "source")}
    select 'last' as kind, last.*
    from keys cross join lateral (
      select * from refresh_runs
      where refresh_runs.source = keys.key and outcome <> 'skipped'
      order by started_at desc, id desc
      limit 1
    ) last
    union all
    select 'success' as kind, success.*
    from keys cross join lateral (
      select * from refresh_runs
      where refresh_runs.source = keys.key and outcome = 'succeeded'
      order by started_at desc, id desc
      limit 1
    ) success`;
  const bySource = new Map<string, SourceRuns>();
  for (const { kind, ...row } of rows) {
    const run = { ...row, id: Number(row.id) };
    const entry = bySource.get(run.source) ??
      { source: run.source, lastRun: undefined, lastSuccess: undefined };
    if (kind === "last") entry.lastRun = run;
    else entry.lastSuccess = run;
    bySource.set(run.source, entry);
  }
  return [...bySource.values()].sort((a, b) => a.source.localeCompare(b.source));
}

// postgres.js's json() wants a JSON-typed value; items have optional fields.
function toJson(item: RunItem): postgres.JSONValue {
  return JSON.parse(JSON.stringify(item));
}
