/**
 * Keeps database outages from holding requests. Work that reads the database runs under a
 * deadline: when the database refuses connections the query fails at once (503 from
 * `handleError`); when it accepts them and never answers, the deadline answers 503 instead.
 * A fixed number of requests may be waiting on the database at once; an abandoned request
 * keeps its place until its query settles, so a frozen database never piles up queued work.
 *
 * Routes that read the database on every request run whole under the guard (`middleware`);
 * a route answering mostly from memory guards only its database reads (`run`), so its other
 * answers pay for no deadline timer and take no place.
 */
import type { MiddlewareHandler } from "hono";
import { Budget } from "../lib/budget.ts";
import { DeadlineExceeded } from "./problem.ts";

export interface DatabaseGuardOptions {
  /** Below the 3 s the README promises, with room for the answer itself. */
  deadlineMs: number;
  /** Requests using the database at once (the pool has 10 connections). */
  maxConcurrent: number;
}

export const DEFAULT_GUARD: DatabaseGuardOptions = { deadlineMs: 2_500, maxConcurrent: 32 };

const LATE = Symbol("late");

export class DatabaseGuard {
  readonly #slots: Budget;
  readonly #deadlineMs: number;

  constructor(options: DatabaseGuardOptions) {
    this.#slots = new Budget(options.maxConcurrent);
    this.#deadlineMs = options.deadlineMs;
  }

  /** `work`'s outcome, or `DeadlineExceeded` (a 503) once the deadline has passed. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const late = new Promise<typeof LATE>((resolve) => {
      controller.signal.addEventListener("abort", () => resolve(LATE), { once: true });
    });
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded()), this.#deadlineMs);
    const guarded = (async () => {
      const release = await this.#slots.acquire(1, controller.signal);
      try {
        return await work();
      } finally {
        release();
      }
    })();
    try {
      const outcome = await Promise.race([guarded.catch(whenLate(controller.signal)), late]);
      if (outcome === LATE) throw new DeadlineExceeded();
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every request of the paths it is used on runs whole under the guard. */
  readonly middleware: MiddlewareHandler = (_c, next) => this.run(next);
}

/** A failure caused by the deadline itself (leaving the wait for a slot) is a late answer. */
function whenLate(signal: AbortSignal) {
  return (error: unknown): typeof LATE => {
    if (signal.aborted) return LATE;
    throw error;
  };
}
