/**
 * Spaces request starts at least `intervalMs` apart. Ticketmaster's spike arrest allows
 * 5 requests per second with a burst of 1, so bursts fail even under 5 per second: the
 * gap between any two requests matters, not the count per second.
 */
import { sleep } from "../http.ts";

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

export class RequestSpacer {
  #nextSlotMs = -Infinity;

  constructor(readonly intervalMs: number, private clock: Clock = systemClock) {}

  /** Waits for the next free slot and takes it (concurrent callers queue up). */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.#nextSlotMs);
    this.#nextSlotMs = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }

  /** Records a request starting at `atMs` outside `acquire` (a retry). */
  reserve(atMs: number): void {
    this.#nextSlotMs = Math.max(this.#nextSlotMs, atMs + this.intervalMs);
  }
}
