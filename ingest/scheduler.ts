/**
 * Periodic jobs for the running service. A job never overlaps itself: locally the next run
 * is scheduled only after the previous one ends, and across processes and replicas each run
 * holds a Postgres advisory lock named after the job (a run that finds it taken is skipped).
 * Runs after the first fall on multiples of the interval since the epoch, so replicas tick
 * together and one of them runs each tick, not one each.
 */
import type { Config } from "../config.ts";
import type { Sql } from "../db/client.ts";
import { messageOf } from "../lib/message_of.ts";

/** What every feed's job is built from (see jobs.ts). */
export interface JobDeps {
  sql: Sql;
  config: Config;
}

export interface Job {
  name: string;
  /** 0 disables the job. */
  intervalMs: number;
  run: (signal: AbortSignal) => Promise<void>;
}

export interface Scheduler extends AsyncDisposable {
  stop(): Promise<void>;
}

/**
 * Runs `fn` while holding the advisory lock for `name` on one reserved connection.
 * Returns `{ ran: false }` without waiting when another session holds it.
 */
export async function withAdvisoryLock<T>(
  sql: Sql,
  name: string,
  fn: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const connection = await sql.reserve();
  try {
    const [{ locked }] = await connection`
      select pg_try_advisory_lock(hashtextextended(${name}, 0)) as locked`;
    if (!locked) return { ran: false };
    try {
      return { ran: true, result: await fn() };
    } finally {
      await connection`select pg_advisory_unlock(hashtextextended(${name}, 0))`;
    }
  } finally {
    connection.release();
  }
}

/** The advisory lock a job's runs hold; a CLI doing the same work takes it too. */
export function jobLockName(jobName: string): string {
  return `job:${jobName}`;
}

/**
 * Starts every enabled job: first run right away, then at the first multiple of `intervalMs`
 * (since the epoch) after each run ends.
 * Errors are logged as one line and the job carries on at its next tick.
 */
export function startScheduler(
  sql: Sql,
  jobs: Job[],
  log: (line: string) => void = console.error,
): Scheduler {
  const controller = new AbortController();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const running = new Set<Promise<void>>();

  function schedule(job: Job, delayMs: number) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = tick(job).finally(() => running.delete(run));
      running.add(run);
    }, delayMs);
    timers.add(timer);
  }

  async function tick(job: Job) {
    try {
      const outcome = await withAdvisoryLock(
        sql,
        jobLockName(job.name),
        () => job.run(controller.signal),
      );
      if (!outcome.ran) log(`${job.name}: skipped, another run holds the lock`);
    } catch (error) {
      if (!controller.signal.aborted) {
        log(
          `${job.name}: ${messageOf(error)}`,
        );
      }
    }
    if (!controller.signal.aborted) schedule(job, untilNextTick(job.intervalMs));
  }

  for (const job of jobs) {
    if (job.intervalMs > 0) schedule(job, 0);
  }

  async function stop() {
    controller.abort(new Error("scheduler stopped"));
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await Promise.allSettled([...running]);
  }
  return { stop, [Symbol.asyncDispose]: stop };
}

/** Time until the next multiple of the interval since the epoch: the same instant everywhere. */
function untilNextTick(intervalMs: number): number {
  return intervalMs - Date.now() % intervalMs;
}
