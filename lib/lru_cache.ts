/**
 * A least-recently-used cache of strings bounded by total size, whose entries also expire
 * after `ttlMs` (a safety net should an invalidation be missed).
 */
export class LruCache {
  #entries = new Map<string, { value: string; storedAt: number }>();
  #size = 0;
  #generation = 0;

  constructor(
    readonly maxChars: number,
    readonly ttlMs: number,
    private now: () => number = Date.now,
  ) {}

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#delete(key);
    if (this.now() - entry.storedAt > this.ttlMs) return undefined;
    this.#entries.set(key, entry); // most recently used goes last
    this.#size += entry.value.length;
    return entry.value;
  }

  set(key: string, value: string, generation = this.#generation): void {
    if (value.length > this.maxChars || generation !== this.#generation) return;
    this.#delete(key);
    this.#entries.set(key, { value, storedAt: this.now() });
    this.#size += value.length;
    for (const oldest of this.#entries.keys()) {
      if (this.#size <= this.maxChars) break;
      this.#delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#size = 0;
    this.#generation++;
  }

  /**
   * Counts `clear()` calls. Read it before computing a value and pass it to `set`: a value
   * computed while the cache was cleared is not stored, since it may predate the change.
   */
  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#size;
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#size -= entry.value.length;
  }
}
