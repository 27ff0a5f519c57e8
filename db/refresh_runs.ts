/** Queries over `refresh_runs` (the record of automatic refreshes). */
import type { Sql } from "./client.ts";
import { distinctKeys } from "./distinct_keys.ts";

export type RunOutcome = "running" | "succeeded" | "failed" | "skipped";

export interface FileReport {
  name: string;
  url: string;
  /** `not-published`: RTE has no annual file for that year yet (HTTP 404). */
  status: "loaded" | "not-modified" | "not-published" | "failed";
  rowsRead?: number;
  rowsChanged?: number;
  error?: string;
}

export interface RunRow {
  id: number;
  source: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: RunOutcome;
  files: FileReport[];
  rows_changed: number;
  error: string | null;
}

export interface RunEnd {
  outcome: Exclude<RunOutcome, "running">;
  files: FileReport[];
  rowsChanged: number;
  error?: string;
}

/**
 * Records the start of a run; returns its id. The caller holds the source's lock, so a run
 * still marked running is one that lost the database before it could record its end: it is
 * closed as failed first, saying so.
 */
export async function startRun(sql: Sql, source: string): Promise<number> {
  const [row] = await sql<{ id: string }[]>`
    with abandoned as (
      update refresh_runs
      set finished_at = now(), outcome = 'failed',
          error = coalesce(error || '; ', '') || ${ABANDONED}
      where source = ${source} and outcome = 'running'
    )
    insert into refresh_runs (source) values (${source}) returning id`;
  return Number(row.id);
}

const ABANDONED = "abandoned: the run lost the database before it could record its end";

export async function finishRun(sql: Sql, id: number, end: RunEnd): Promise<void> {
  await sql`
    update refresh_runs
    set finished_at = now(), outcome = ${end.outcome}, files = ${sql.json(toJson(end.files))},
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
    select id, source, started_at, finished_at, outcome, files, rows_changed, error
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

/** Definitive half-hours stored for `perimeter` with a start in [start, end). */
export async function countDefinitive(
  sql: Sql,
  perimeter: string,
  start: Date,
  end: Date,
): Promise<number> {
  const [row] = await sql<{ count: string }[]>`
    select count(*) as count from rte_consumption
    where perimeter = ${perimeter} and nature = 'definitive'
      and period_start >= ${start} and period_start < ${end}`;
  return Number(row.count);
}

// postgres.js's json() wants a JSON-typed value; FileReport has optional fields.
function toJson(files: FileReport[]) {
  return JSON.parse(JSON.stringify(files));
}
