/**
 * A weighted semaphore: work takes `weight` units of a fixed capacity and gives them back when
 * done; work that does not fit waits, first come first served (a heavy request is not starved
 * by a stream of light ones). Waiting ends early when the caller's signal aborts.
 */
export type Release = () => void;

interface Waiter {
  weight: number;
  grant: () => void;
}

export class Budget {
  #available: number;
  readonly #waiting: Waiter[] = [];

  constructor(readonly capacity: number) {
    this.#available = capacity;
  }

  /** Resolves with the function that gives the units back; weights above capacity are capped. */
  acquire(weight: number, signal?: AbortSignal): Promise<Release> {
    const units = Math.min(Math.max(weight, 1), this.capacity);
    signal?.throwIfAborted();
    if (this.#waiting.length === 0 && units <= this.#available) {
      this.#available -= units;
      return Promise.resolve(this.#releaser(units));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight: units,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#releaser(units));
        },
      };
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(signal!.reason);
        this.#grantWaiting(); // a heavy waiter leaving may let lighter ones behind it in
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #releaser(units: number): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#available += units;
      this.#grantWaiting();
    };
  }

  #grantWaiting(): void {
    while (this.#waiting.length > 0 && this.#waiting[0].weight <= this.#available) {
      const next = this.#waiting.shift()!;
      this.#available -= next.weight;
      next.grant();
    }
  }
}
