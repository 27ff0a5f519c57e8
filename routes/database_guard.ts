/**
 * Keeps database outages from holding requests. Every request that reads the database runs
 * under a deadline: when the database refuses connections the query fails at once (503 from
 * `handleError`); when it accepts them and never answers, the deadline answers 503 instead.
 * A fixed number of requests may be waiting on the database at once; an abandoned request
 * keeps its place until its query settles, so a frozen database never piles up queued work.
 */
import type { MiddlewareHandler } from "hono";
import { Budget } from "../lib/budget.ts";
import { DeadlineExceeded, handleError } from "./problem.ts";

export interface DatabaseGuardOptions {
  /** Below the 3 s the README promises, with room for the answer itself. */
  deadlineMs: number;
  /** Requests using the database at once (the pool has 10 connections). */
  maxConcurrent: number;
}

export const DEFAULT_GUARD: DatabaseGuardOptions = { deadlineMs: 2_500, maxConcurrent: 32 };

export function databaseGuard(options: DatabaseGuardOptions): MiddlewareHandler {
  const slots = new Budget(options.maxConcurrent);
  return async (c, next) => {
    const controller = new AbortController();
    const late = new Promise<"late">((resolve) => {
      controller.signal.addEventListener("abort", () => resolve("late"), { once: true });
    });
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded()), options.deadlineMs);
    const work = (async () => {
      const release = await slots.acquire(1, controller.signal);
      try {
        await next();
      } finally {
        release();
      }
    })();
    try {
      const outcome = await Promise.race([work.catch(whenLate(controller.signal)), late]);
      if (outcome === "late") c.res = handleError(new DeadlineExceeded());
    } finally {
      clearTimeout(timer);
    }
  };
}

/** A failure caused by the deadline itself (leaving the wait for a slot) is a late answer. */
function whenLate(signal: AbortSignal) {
  return (error: unknown): "late" => {
    if (signal.aborted) return "late";
    throw error;
  };
}
