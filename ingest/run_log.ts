/**
 * The one way every feed records its runs in the run log (db/run_log.ts): start → work →
 * finish, each finished unit (file, station, date range) added as it ends, and a run asked for
 * while another one holds the feed's lock recorded as skipped. GET /api/status reads the log.
 */
import type { Sql } from "../db/client.ts";
import {
  appendRunItem,
  finishRun,
  recordSkippedRun,
  type RunItem,
  startRun,
} from "../db/run_log.ts";
import { messageOf } from "../lib/message_of.ts";
import { withAdvisoryLock } from "./scheduler.ts";

/** A run in progress, handed to its work. */
export interface OpenRun<Item extends RunItem> {
  id: number;
  /** The units finished so far, in order. */
  readonly items: readonly Item[];
  /** Records a finished unit at once: it shows while the run goes on, and survives a crash. */
  add(item: Item): Promise<void>;
}

export interface FinishedRun<Item extends RunItem> {
  runId: number;
  outcome: "succeeded" | "failed";
  items: Item[];
  /** The sum of the items' rows changed. */
  rowsChanged: number;
  error?: string;
}

/**
 * Records one run of `source` around `work`, which returns the run's error if it failed (a
 * unit that failed, an abort). A run that throws is recorded as failed with the thrown message
 * when the database still answers, then the error goes on up; a run that cannot record its end
 * stays `running` until the next start closes it as abandoned.
 *
 * That closing assumes the caller holds the feed's lock. Ticketmaster's CLI takes none: when
 * two of its runs store at once, each may mark the other abandoned for a moment, until that
 * run's own finish overwrites the mark.
 */
export async function loggedRun<Item extends RunItem>(
  sql: Sql,
  source: string,
  work: (run: OpenRun<Item>) => Promise<{ error?: string }>,
  startedAt?: Date,
): Promise<FinishedRun<Item>> {
  const id = await startRun(sql, source, startedAt);
  const items: Item[] = [];
  const run: OpenRun<Item> = {
    id,
    items,
    add: async (item) => {
      items.push(item); // kept for the finish even if this write fails
      await appendRunItem(sql, id, item);
    },
  };
  let finished: FinishedRun<Item>;
  try {
    finished = finishedRun(id, items, (await work(run)).error);
  } catch (error) {
    // The database may be what failed: the original error matters more than this record.
    await finishRun(sql, id, finishedRun(id, items, messageOf(error))).catch(() => {});
    throw error;
  }
  await finishRun(sql, id, finished);
  return finished;
}

function finishedRun<Item extends RunItem>(
  runId: number,
  items: Item[],
  error: string | undefined,
): FinishedRun<Item> {
  const rowsChanged = items.reduce((sum, item) => sum + (item.rowsChanged ?? 0), 0);
  return {
    runId,
    outcome: error === undefined ? "succeeded" : "failed",
    items,
    rowsChanged,
    error,
  };
}

export interface FeedLock {
  source: string;
  /** The advisory lock the feed's scheduled job holds (`jobLockName`). */
  lockName: string;
  /** Recorded as the skipped run's error. */
  reason: string;
}

/**
 * Runs `run` holding the feed's lock; a run that finds it taken does nothing and is recorded
 * as skipped. For runs asked for by hand (CLIs, the CronJob): the scheduler takes the lock
 * itself and only logs the ticks it skips, the normal lot of replicas sharing a job.
 */
export async function exclusiveRun<T>(
  sql: Sql,
  lock: FeedLock,
  run: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const locked = await withAdvisoryLock(sql, lock.lockName, run);
  if (!locked.ran) await recordSkippedRun(sql, lock.source, lock.reason);
  return locked;
}

/** A run's error: its failed units' errors, or else why it was stopped; undefined if neither. */
export function runError(unitErrors: string[], signal?: AbortSignal): string | undefined {
  if (unitErrors.length > 0) return unitErrors.join("; ");
  return signal?.aborted ? messageOf(signal.reason) : undefined;
}
