/**
 * The points of a consumption answer, read from the blocks held in memory: the stored
 * half-hours of the range (PT30M), or one point per Paris hour, day or month holding at least
 * one of them. A cursor, so that a year's answer builds no object per point.
 *
 * The periods follow db/consumption.ts's `listConsumptionPeriods`, the SQL definition they
 * must equal (tests/consumption_identity_test.ts compares them): clock hours cut in UTC
 * (Paris is a whole number of hours off it), days and months from one Paris midnight to the
 * next, the mean of the half-hours present in watts rounded half up, the least final nature.
 */
import { type Block, BLOCK_SLOTS, NATURES, NO_ROW, SLOT_MS } from "../db/consumption_store.ts";
import { type Nature, PARIS } from "../db/consumption.ts";
import { Digest } from "../lib/digest.ts";
import { epochMsToZoned, HOUR_MS, zonedToEpochMs } from "../lib/zoned_time.ts";

export type Resolution = "PT30M" | "PT1H" | "P1D" | "P1M";

export const WATTS_PER_MW = 1_000_000;

/** What an answer is read from: the blocks covering [startMs, endMs] of one perimeter. */
export interface PointSource {
  blocks: Block[];
  startMs: number;
  endMs: number;
}

export interface PointCursor {
  /** Moves to the next point; false past the last. */
  next(): boolean;
  /** The half-hour's or period's first instant (epoch ms). */
  timeMs: number;
  consumptionW: number;
  /** 1 + the nature's index in NATURES: the least final present. */
  natureCode: number;
  /** Periods only: half-hours present, and half-hours the whole period holds. */
  halfHours: number;
  expectedHalfHours: number;
}

export function pointsOf(source: PointSource, resolution: Resolution): PointCursor {
  const halfHours = new HalfHours(source);
  return resolution === "PT30M" ? halfHours : new Periods(halfHours, PERIOD_BOUNDS[resolution]);
}

/** How many points the answer holds (its `count`, written before the points). */
export function countPoints(source: PointSource, resolution: Resolution): number {
  const cursor = pointsOf(source, resolution);
  let count = 0;
  while (cursor.next()) count++;
  return count;
}

/** What the stored half-hours of a range are, read in one pass without rendering them. */
export interface RangeFacts {
  /** Stored half-hours in the range. */
  halfHours: number;
  /** The least final nature present; undefined when the range holds no half-hour. */
  leastFinal?: Nature;
  /** Whether the range's last half-hour is missing: newer data may still come. */
  openEnded: boolean;
  /** 64 bits (16 hex digits) of every stored half-hour's instant, value and nature. */
  digest: string;
}

export function rangeFacts(source: PointSource): RangeFacts {
  const halfHours = new HalfHours(source);
  let leastCode = NATURES.length + 1;
  let lastMs = -Infinity;
  let count = 0;
  const digest = new Digest(); // equal rows give equal digests in every process
  while (halfHours.next()) {
    count++;
    leastCode = Math.min(leastCode, halfHours.natureCode);
    lastMs = halfHours.timeMs;
    digest.add(lastMs / SLOT_MS);
    digest.add(halfHours.mw);
    digest.add(halfHours.natureCode);
  }
  return {
    halfHours: count,
    leastFinal: NATURES[leastCode - 1],
    openEnded: lastMs < Math.floor(source.endMs / SLOT_MS) * SLOT_MS,
    digest: digest.hex(),
  };
}

/** The stored half-hours whose start lies in [startMs, endMs], oldest first. */
class HalfHours implements PointCursor {
  timeMs = 0;
  consumptionW = 0;
  natureCode = NO_ROW;
  halfHours = 1;
  expectedHalfHours = 1;
  mw = 0;
  readonly #blocks: Block[];
  readonly #firstBlockSlot: number;
  readonly #lastSlot: number;
  #slot: number;
  #block: Block;
  #blockSlot: number;

  constructor({ blocks, startMs, endMs }: PointSource) {
    this.#blocks = blocks;
    this.#firstBlockSlot = Math.round(blocks[0].startMs / SLOT_MS);
    this.#slot = Math.ceil(startMs / SLOT_MS);
    this.#lastSlot = Math.floor(endMs / SLOT_MS);
    this.#block = blocks[0];
    this.#blockSlot = this.#firstBlockSlot;
  }

  next(): boolean {
    while (this.#slot <= this.#lastSlot) {
      const slot = this.#slot++;
      let offset = slot - this.#blockSlot;
      if (offset >= BLOCK_SLOTS || offset < 0) {
        const index = Math.floor((slot - this.#firstBlockSlot) / BLOCK_SLOTS);
        this.#block = this.#blocks[index];
        this.#blockSlot = this.#firstBlockSlot + index * BLOCK_SLOTS;
        offset = slot - this.#blockSlot;
      }
      const code = this.#block.nature[offset];
      if (code === NO_ROW) continue;
      this.timeMs = slot * SLOT_MS;
      this.mw = this.#block.mw[offset];
      this.consumptionW = this.mw * WATTS_PER_MW;
      this.natureCode = code;
      return true;
    }
    return false;
  }
}

/** A period's first instant and the next period's, for an instant inside it. */
type PeriodBounds = (epochMs: number) => [first: number, next: number];

const PERIOD_BOUNDS: Record<Exclude<Resolution, "PT30M">, PeriodBounds> = {
  PT1H: (epochMs) => {
    const first = Math.floor(epochMs / HOUR_MS) * HOUR_MS;
    return [first, first + HOUR_MS];
  },
  P1D: (epochMs) => {
    const { year, month, day } = epochMsToZoned(PARIS, epochMs);
    return [parisMidnight(year, month, day), parisMidnight(year, month, day + 1)];
  },
  P1M: (epochMs) => {
    const { year, month } = epochMsToZoned(PARIS, epochMs);
    return [parisMidnight(year, month, 1), parisMidnight(year, month + 1, 1)];
  },
};

/** Midnight always exists in Paris, once; day 32 or month 13 roll over to the next. */
function parisMidnight(year: number, month: number, day: number): number {
  return zonedToEpochMs(PARIS, { year, month, day, hour: 0, minute: 0, second: 0 })!;
}

class Periods implements PointCursor {
  timeMs = 0;
  consumptionW = 0;
  natureCode = NO_ROW;
  halfHours = 0;
  expectedHalfHours = 0;
  readonly #halfHours: HalfHours;
  readonly #bounds: PeriodBounds;
  /** Whether #halfHours stands on a half-hour not yet counted in a period. */
  #pending = false;

  constructor(halfHours: HalfHours, bounds: PeriodBounds) {
    this.#halfHours = halfHours;
    this.#bounds = bounds;
  }

  next(): boolean {
    const halfHour = this.#halfHours;
    if (!this.#pending && !halfHour.next()) return false;
    const [first, next] = this.#bounds(halfHour.timeMs);
    let sumMw = 0;
    let count = 0;
    let natureCode = halfHour.natureCode;
    do {
      sumMw += halfHour.mw;
      count++;
      natureCode = Math.min(natureCode, halfHour.natureCode);
      this.#pending = halfHour.next();
    } while (this.#pending && halfHour.timeMs < next);
    this.timeMs = first;
    this.consumptionW = meanWatts(sumMw, count);
    this.natureCode = natureCode;
    this.halfHours = count;
    this.expectedHalfHours = (next - first) / SLOT_MS;
    return true;
  }
}

/**
 * sumMw / count in watts, rounded half up, exactly: as SQL's numeric `round(avg(mw) * 1e6)`.
 * Floating point would not do: sumMw × 10⁶ passes 2⁵³ within a month of half-hours.
 */
function meanWatts(sumMw: number, count: number): number {
  const wholeMw = Math.floor(sumMw / count);
  const remainderW = (sumMw - wholeMw * count) * WATTS_PER_MW; // < count × 10⁶, exact
  const wholeW = Math.floor(remainderW / count);
  const roundUp = 2 * (remainderW - wholeW * count) >= count ? 1 : 0;
  return wholeMw * WATTS_PER_MW + wholeW + roundUp;
}
