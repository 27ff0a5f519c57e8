/**
 * A least-recently-used cache bounded by the total length of its values (characters of
 * strings, bytes of byte arrays). Its users key entries by what the value depends on, so an
 * entry is never stale: it stops being asked for and ages out.
 */
export class LruCache<V extends { readonly length: number }> {
  #entries = new Map<string, V>();
  #size = 0;

  constructor(readonly maxSize: number) {}

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value); // most recently used goes last
    return value;
  }

  set(key: string, value: V): void {
    if (value.length > this.maxSize) return;
    this.#delete(key);
    this.#entries.set(key, value);
    this.#size += value.length;
    for (const oldest of this.#entries.keys()) {
      if (this.#size <= this.maxSize) break;
      this.#delete(oldest);
    }
  }

  get size(): number {
    return this.#size;
  }

  #delete(key: string): void {
    const value = this.#entries.get(key);
    if (value === undefined) return;
    this.#entries.delete(key);
    this.#size -= value.length;
  }
}
