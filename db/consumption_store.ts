/**
 * `rte_consumption` held in process memory for reading: the half-hours of each perimeter in
 * blocks of consecutive half-hours (a dense grid: slot i is the block's start + i × 30 min),
 * loaded from the database the first time a request needs them and kept while they fit.
 * A range nobody asked for before then costs what its own slots cost, whatever the table's
 * size, with no query, no row decoding and no objects per row.
 *
 * Blocks are trusted only while this process listens to the loaders' change notifications:
 * a commit that changed rows drops the blocks overlapping what it wrote, in every process, so
 * the next request reads them again. While not listening (database down at start, or
 * listening lost), blocks are read for each request and not kept. Blocks also expire after
 * `ttlMs`, for changes made by hand in SQL, which notify nobody.
 */
import type { Sql } from "./client.ts";
import { type Changed, type Nature, watchConsumptionChanges } from "./consumption.ts";

/** 4096 half-hours (85⅓ days): a day reads 1 or 2 blocks, a year 5 or 6. */
export const BLOCK_SLOTS = 4096;
export const SLOT_MS = 1_800_000;
const BLOCK_MS = BLOCK_SLOTS * SLOT_MS;
/** Memory per block: MW (4 bytes) and nature (1 byte) per slot, plus the object itself. */
const BLOCK_BYTES = BLOCK_SLOTS * 5 + 200;

/** `nature` codes, in the enum's order (least final first); 0 means no row in the slot. */
export const NATURES: readonly Nature[] = ["real_time", "consolidated", "definitive"];
export const NO_ROW = 0;

export interface Block {
  /** Epoch ms of slot 0. */
  readonly startMs: number;
  /** Consumption in MW per slot (0 where there is no row). */
  readonly mw: Int32Array;
  /** 1 + the index in NATURES per slot, NO_ROW where there is no row. */
  readonly nature: Uint8Array;
}

interface Held {
  block: Block;
  loadedAt: number;
}

export interface StoreOptions {
  /** Memory for the blocks kept; the least recently used go first. */
  maxBytes: number;
  ttlMs: number;
  now?: () => number;
}

export class ConsumptionStore {
  readonly #sql: Sql;
  readonly #maxBlocks: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** Kept blocks by key, least recently used first. */
  readonly #held = new Map<string, Held>();
  /** Loads under way, shared by the requests that need the same block. */
  readonly #loading = new Map<string, Promise<Block>>();
  /** Counts drops: a load that saw one start after it began may predate the change. */
  #generation = 0;
  #listening = false;
  #firstAttempt: Promise<unknown> | undefined;

  constructor(sql: Sql, options: StoreOptions) {
    this.#sql = sql;
    this.#maxBlocks = Math.floor(options.maxBytes / BLOCK_BYTES);
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The blocks holding every slot of `perimeter` from `startMs` to `endMs` (both included),
   * oldest first. A block may still be shared by answers being sent after it was dropped: it
   * is never changed, only replaced.
   */
  async blocks(perimeter: string, startMs: number, endMs: number): Promise<Block[]> {
    const keep = this.#listening || await this.#listen();
    const first = blockIndex(startMs);
    const last = blockIndex(endMs);
    const blocks: (Block | Promise<Block>)[] = [];
    let missingFrom: number | undefined;
    for (let index = first; index <= last + 1; index++) {
      const found = index <= last ? this.#lookUp(perimeter, index, keep) : undefined;
      if (found === undefined && index <= last) {
        missingFrom ??= index;
        continue;
      }
      if (missingFrom !== undefined) {
        blocks.push(...this.#load(perimeter, missingFrom, index - 1, keep));
        missingFrom = undefined;
      }
      if (found !== undefined) blocks.push(found);
    }
    return await Promise.all(blocks);
  }

  /**
   * The same blocks without waiting, when every one is held and trusted; undefined when one
   * must be read (then ask `blocks`). Most answers are read from memory: they skip a promise.
   */
  held(perimeter: string, startMs: number, endMs: number): Block[] | undefined {
    if (!this.#listening) return undefined;
    const blocks: Block[] = [];
    for (let index = blockIndex(startMs); index <= blockIndex(endMs); index++) {
      const found = this.#lookUp(perimeter, index, true);
      if (found === undefined || found instanceof Promise) return undefined;
      blocks.push(found);
    }
    return blocks;
  }

  /** How many blocks are kept (for tests and the status of memory). */
  get size(): number {
    return this.#held.size;
  }

  #lookUp(perimeter: string, index: number, keep: boolean): Block | Promise<Block> | undefined {
    if (!keep) return undefined;
    const key = keyOf(perimeter, index);
    const held = this.#held.get(key);
    if (held === undefined) return this.#loading.get(key);
    if (this.#now() - held.loadedAt > this.#ttlMs) {
      this.#held.delete(key);
      return this.#loading.get(key);
    }
    // Most recently used goes last.
    this.#held.delete(key);
    this.#held.set(key, held);
    return held.block;
  }

  /** Reads blocks first..last in one query; each is kept when `keep` and nothing changed. */
  #load(perimeter: string, first: number, last: number, keep: boolean): Promise<Block>[] {
    const generation = this.#generation;
    const loadedAt = this.#now();
    const read = readBlocks(this.#sql, perimeter, first, last);
    const promises: Promise<Block>[] = [];
    for (let index = first; index <= last; index++) {
      const key = keyOf(perimeter, index);
      const promise = read.then((blocks) => {
        const block = blocks[index - first];
        if (keep && generation === this.#generation) this.#keep(key, { block, loadedAt });
        return block;
      }).finally(() => {
        if (this.#loading.get(key) === promise) this.#loading.delete(key);
      });
      if (keep) this.#loading.set(key, promise);
      promises.push(promise);
    }
    return promises;
  }

  #keep(key: string, held: Held): void {
    this.#held.delete(key);
    this.#held.set(key, held);
    for (const oldest of this.#held.keys()) {
      if (this.#held.size <= this.#maxBlocks) break;
      this.#held.delete(oldest);
    }
  }

  /** Drops what a committed change may have touched; loads under way are not kept. */
  #drop(changed: Changed): void {
    this.#generation++;
    this.#loading.clear();
    if (changed === "all") {
      this.#held.clear();
      return;
    }
    for (const { perimeter, firstMs, lastMs } of changed) {
      for (let index = blockIndex(firstMs); index <= blockIndex(lastMs); index++) {
        this.#held.delete(keyOf(perimeter, index));
      }
    }
  }

  /**
   * Starts listening on first use; resolves whether blocks may be kept. The first request
   * waits for the first attempt. When the listening connection closes, nothing is trusted
   * until postgres.js, which listens again by itself, is listening: everything is dropped at
   * both ends, since changes may have been missed meanwhile.
   */
  async #listen(): Promise<boolean> {
    this.#firstAttempt ??= watchConsumptionChanges(
      this.#sql,
      (changed) => this.#drop(changed),
      () => {
        this.#listening = true;
        this.#drop("all");
      },
      () => {
        this.#listening = false;
        this.#drop("all");
      },
    ).catch(() => {});
    if (!this.#listening) await this.#firstAttempt;
    return this.#listening;
  }
}

function blockIndex(epochMs: number): number {
  return Math.floor(epochMs / BLOCK_MS);
}

function keyOf(perimeter: string, index: number): string {
  return `${index}\u0000${perimeter}`;
}

/** Blocks first..last of a perimeter, read in one query. */
async function readBlocks(
  sql: Sql,
  perimeter: string,
  first: number,
  last: number,
): Promise<Block[]> {
  const startMs = first * BLOCK_MS;
  const endMs = (last + 1) * BLOCK_MS;
  const rows: Iterable<number[]> = await sql`
    select extract(epoch from period_start)::float8 * 1000, consumption_mw,
      -- The enum's order, looked up once: inline, the catalogue is read for every row.
      array_position((select enum_range(null::rte_nature)), nature)
    from rte_consumption
    where perimeter = ${perimeter}
      and period_start >= ${new Date(startMs)} and period_start < ${new Date(endMs)}`.values();
  const slots = Array.from({ length: last - first + 1 }, () => ({
    mw: new Int32Array(BLOCK_SLOTS),
    nature: new Uint8Array(BLOCK_SLOTS),
  }));
  for (const [epochMs, value, code] of rows) {
    const slot = (epochMs - startMs) / SLOT_MS;
    // The loaders store half-hours only; never misplace an instant off that grid.
    if (!Number.isInteger(slot)) throw new Error(`Cannot hold ${epochMs}: not on a half-hour`);
    const block = slots[Math.floor(slot / BLOCK_SLOTS)];
    block.mw[slot % BLOCK_SLOTS] = value;
    block.nature[slot % BLOCK_SLOTS] = code;
  }
  return slots.map(({ mw, nature }, offset) => ({
    startMs: startMs + offset * BLOCK_MS,
    mw,
    nature,
  }));
}
