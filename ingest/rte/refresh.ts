/**
 * One automatic refresh of the RTE files: En-cours-TR, En-cours-Consolide and the annual
 * files still missing (the previous year's in January–February, and the backfill years not
 * yet stored as definitive). Each file is fetched with conditional GET, time-outs and retries,
 * then ingested through `loadRteStream` (one transaction per file, nature-aware, idempotent).
 * A Postgres advisory lock keeps runs from overlapping, also across replicas and the CronJob;
 * every run is recorded in the run log, one item per file. A failing file never touches stored
 * data: its validators are kept as they were, so the next run downloads it again.
 */
import type { Sql } from "../../db/client.ts";
import { countDefinitive, PARIS, RTE_SOURCE } from "../../db/consumption.ts";
import type { RunItem } from "../../db/run_log.ts";
import { readValidators, saveValidators } from "../../db/http_validators.ts";
import { epochMsToZoned, HALF_HOUR_MS, zonedToEpochMs } from "../../lib/zoned_time.ts";
import { conditionalGet, type FetchRetryOptions, HttpError } from "../http.ts";
import { messageOf } from "../../lib/message_of.ts";
import { exclusiveRun, loggedRun, runError } from "../run_log.ts";
import { type Job, type JobDeps, jobLockName } from "../scheduler.ts";
import { loadRteStream } from "./load.ts";
import { annualFile, consolidatedFile, realTimeFile, type RteRemoteFile } from "./urls.ts";

export const RTE_REFRESH_JOB = "rte-refresh";

/** One file of a run, as the run log keeps it. */
export interface FileReport extends RunItem {
  url: string;
  /** `not-published`: RTE has no annual file for that year yet (HTTP 404). */
  status: "loaded" | "not-modified" | "not-published" | "failed";
  rowsRead?: number;
}

export type HttpTuning = Pick<
  FetchRetryOptions,
  "timeoutMs" | "retries" | "baseDelayMs" | "maxDelayMs"
>;

// An annual file is a few MB; RTE answers slowly at times. Tests pass tiny values.
const HTTP_DEFAULTS: Required<HttpTuning> = {
  timeoutMs: 120_000,
  retries: 3,
  baseDelayMs: 5_000,
  maxDelayMs: 60_000,
};

export interface RefreshOptions {
  baseUrl: string;
  /** Years of annual files to fill in, counting the current one (which has none yet). */
  backfillYears: number;
  /** Decides the current year and month; defaults to the clock. */
  now?: Date;
  http?: HttpTuning;
  signal?: AbortSignal;
  /** Receives exactly one line per run. */
  log?: (line: string) => void;
}

export type RefreshReport =
  | { outcome: "skipped" }
  | {
    outcome: "succeeded" | "failed";
    runId: number;
    files: FileReport[];
    rowsChanged: number;
    error?: string;
  };

/**
 * Runs one refresh unless another one holds the job's lock (then records and reports a
 * skip): what `deno task refresh` (the CronJob) does.
 */
export async function refreshRte(sql: Sql, options: RefreshOptions): Promise<RefreshReport> {
  const reason = "another refresh holds the lock";
  const locked = await exclusiveRun(
    sql,
    { source: RTE_SOURCE, lockName: jobLockName(RTE_REFRESH_JOB), reason },
    () => refreshHoldingLock(sql, options),
  );
  if (locked.ran) return locked.result;
  (options.log ?? console.error)(`rte refresh skipped: ${reason}`);
  return { outcome: "skipped" };
}

/** The scheduled job of the running service (the scheduler holds the job's lock). */
export function rteRefreshJob(
  { sql, config }: JobDeps,
  tuning: { intervalMs?: number } & Pick<RefreshOptions, "http" | "log"> = {},
): Job {
  return {
    name: RTE_REFRESH_JOB,
    intervalMs: tuning.intervalMs ?? config.refreshIntervalMinutes * 60_000,
    run: async (signal) => {
      await refreshHoldingLock(sql, {
        baseUrl: config.rteBaseUrl,
        backfillYears: config.rteBackfillYears,
        http: tuning.http,
        log: tuning.log,
        signal,
      });
    },
  };
}

async function refreshHoldingLock(
  sql: Sql,
  options: RefreshOptions,
): Promise<Exclude<RefreshReport, { outcome: "skipped" }>> {
  const started = performance.now();
  const report = await runRefresh(sql, options);
  (options.log ?? console.error)(describeRun(report, performance.now() - started));
  return report;
}

async function runRefresh(
  sql: Sql,
  options: RefreshOptions,
): Promise<Exclude<RefreshReport, { outcome: "skipped" }>> {
  const run = await loggedRun<FileReport>(sql, RTE_SOURCE, async (run) => {
    try {
      for (const file of await plannedFiles(sql, options)) {
        if (options.signal?.aborted) break;
        await run.add(await refreshFile(sql, file, options));
      }
    } catch (unexpected) {
      // The database failed between files: still try to record the run.
      return { error: messageOf(unexpected) };
    }
    const failures = run.items.filter((file) => file.status === "failed");
    return { error: runError(failures.map((file) => file.error ?? ""), options.signal) };
  });
  const { runId, outcome, items: files, rowsChanged, error } = run;
  return { outcome, runId, files, rowsChanged, error };
}

/**
 * What one run fetches, oldest nature first: annual files of the backfill years not yet
 * complete as definitive, the previous year's in January–February (RTE re-issues it then),
 * the consolidated file and the real-time file.
 */
export async function plannedFiles(
  sql: Sql,
  options: Pick<RefreshOptions, "baseUrl" | "backfillYears" | "now">,
): Promise<RteRemoteFile[]> {
  const today = epochMsToZoned(PARIS, (options.now ?? new Date()).getTime());
  const years = new Set<number>();
  for (let year = today.year - options.backfillYears + 1; year < today.year; year++) {
    if (!(await isDefinitiveYear(sql, year))) years.add(year);
  }
  if (today.month <= 2) years.add(today.year - 1);
  return [
    ...[...years].sort((a, b) => a - b).map((year) => annualFile(options.baseUrl, year)),
    consolidatedFile(options.baseUrl),
    realTimeFile(options.baseUrl),
  ];
}

/**
 * True when every half-hour of the (Paris) year is stored as definitive. RTE's files show
 * the autumn day's repeated hour once, so a complete year lacks those two half-hours.
 */
async function isDefinitiveYear(sql: Sql, year: number): Promise<boolean> {
  const start = yearStartMs(year);
  const end = yearStartMs(year + 1);
  const stored = await countDefinitive(sql, "France", new Date(start), new Date(end));
  return stored >= (end - start) / HALF_HOUR_MS - 2;
}

function yearStartMs(year: number): number {
  return zonedToEpochMs(PARIS, { year, month: 1, day: 1, hour: 0, minute: 0, second: 0 })!;
}

async function refreshFile(
  sql: Sql,
  file: RteRemoteFile,
  options: RefreshOptions,
): Promise<FileReport> {
  const report = { name: file.name, url: file.url };
  const http = { ...HTTP_DEFAULTS, ...options.http };
  try {
    const validators = await readValidators(sql, file.url);
    const response = await conditionalGet(file.url, validators, {
      ...http,
      signal: options.signal,
    });
    if (response.status === "not-modified") return { ...report, status: "not-modified" };
    const result = await loadRteStream(sql, file.name, response.body);
    // Only once the file is in: a failed load must be downloaded again next time.
    await saveValidators(sql, file.url, response.validators);
    return {
      ...report,
      status: "loaded",
      rowsRead: result.rowsRead,
      rowsChanged: result.rowsChanged,
    };
  } catch (error) {
    // RTE publishes last year's annual file in the new year's first weeks; until then, 404.
    if (
      isAwaitedAnnualFile(file, options.now) && error instanceof HttpError && error.status === 404
    ) {
      return { ...report, status: "not-published" };
    }
    return { ...report, status: "failed", error: describeFileError(file, error, http.timeoutMs) };
  }
}

/** Last year's annual file in January–February: RTE may not have published it yet. */
function isAwaitedAnnualFile(file: RteRemoteFile, now = new Date()): boolean {
  const today = epochMsToZoned(PARIS, now.getTime());
  return file.year === today.year - 1 && today.month <= 2;
}

function describeFileError(file: RteRemoteFile, error: unknown, timeoutMs: number): string {
  // The body is read under the same per-attempt time-out as the headers.
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `GET ${file.url}: the download did not complete within ${timeoutMs} ms`;
  }
  const message = messageOf(error);
  return message.includes(file.name) ? message : `${file.name}: ${message}`;
}

/**
 * The one log line of a run. A failed run names what it changed, if anything: the files that
 * failed kept their stored rows, but the others of the same run may have loaded theirs.
 */
function describeRun(
  report: Exclude<RefreshReport, { outcome: "skipped" }>,
  elapsedMs: number,
): string {
  const seconds = (elapsedMs / 1000).toFixed(1);
  if (report.outcome === "succeeded") {
    return `rte refresh succeeded in ${seconds} s: ${report.files.map(describeFile).join(", ")}`;
  }
  const failed = report.files.filter((file) => file.status === "failed");
  const others = report.files.filter((file) => file.status !== "failed").map(describeFile);
  if (report.rowsChanged === 0) {
    return `rte refresh failed after ${seconds} s, stored data unchanged, next run retries: ${report.error}`;
  }
  if (failed.length === 0) {
    // The run itself failed (the database, an abort) after some files were in.
    return `rte refresh failed after ${seconds} s (done before the error: ${others.join(", ")}), ` +
      `next run retries: ${report.error}`;
  }
  const which = failed.length === 1 ? "the failed file" : "the failed files";
  return `rte refresh failed after ${seconds} s (${failed.length} of ${report.files.length} ` +
    `files; the others: ${others.join(", ")}), next run retries ${which}: ${report.error}`;
}

function describeFile(file: FileReport): string {
  return file.status === "loaded"
    ? `${file.name} loaded (${file.rowsChanged} rows changed)`
    : `${file.name} ${file.status.replace("-", " ")}`;
}
