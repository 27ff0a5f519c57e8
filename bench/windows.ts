/**
 * Windows of a fixed length over the loaded half-hours, never the same one twice in a run: the
 * k-th request asks for the window whose start is the ((a·k + c) mod M)-th of the M possible
 * starts, a bijection of [0, M) when gcd(a, M) = 1, so no start repeats while k < M. A start is
 * possible when the whole window lies in one stretch of loaded data (the six annual files leave
 * 2016 out: no window straddles it). bench/unique_windows.lua computes the same sequence inside
 * wrk; the bench checks that the two agree.
 */
import { formatUtcSeconds } from "../lib/zoned_time.ts";

export const HALF_HOUR_S = 1800;
export const DAY_S = 86_400;

/** A stretch of loaded half-hours: epoch seconds of the first and of the last start. */
export interface Island {
  firstS: number;
  lastS: number;
}

/** Where windows may start: at `phaseS + stepS × n` (epoch seconds) for whole n. */
export interface StartGrid {
  stepS: number;
  phaseS: number;
}

export const EVERY_SECOND: StartGrid = { stepS: 1, phaseS: 0 };

/** Possible starts n = first, first + 1, …, first + count − 1 of a grid, within one island. */
export interface StartRun {
  first: number;
  count: number;
}

/**
 * The grid's starts of windows lasting `durationS` that lie wholly inside an island: from the
 * island's first half-hour to the end of its last one.
 */
export function startRuns(
  islands: Island[],
  durationS: number,
  { stepS, phaseS }: StartGrid = EVERY_SECOND,
): StartRun[] {
  return islands.flatMap(({ firstS, lastS }) => {
    const first = Math.ceil((firstS - phaseS) / stepS);
    const last = Math.floor((lastS + HALF_HOUR_S - durationS - phaseS) / stepS);
    return last >= first ? [{ first, count: last - first + 1 }] : [];
  });
}

export function startCount(runs: StartRun[]): number {
  return runs.reduce((sum, run) => sum + run.count, 0);
}

/** The grid number of the `index`-th possible start (0-based), runs taken in order. */
export function nthStart(runs: StartRun[], index: number): number {
  let left = index;
  for (const run of runs) {
    if (left < run.count) return run.first + left;
    left -= run.count;
  }
  throw new RangeError(`Cannot take start ${index}: only ${startCount(runs)} starts`);
}

/** k ↦ (multiplier × k + offset) mod modulus, a bijection of [0, modulus). */
export interface Permutation {
  modulus: number;
  multiplier: number;
  offset: number;
}

/**
 * The Lua side multiplies in 16-bit halves to stay exact in doubles: that holds for a modulus
 * below 2^32 (a second-granular start over 136 years).
 */
const MAX_MODULUS = 2 ** 32;

/**
 * A permutation of [0, modulus) whose multiplier is the first one coprime with the modulus
 * from modulus × 0.618… (the golden ratio spreads consecutive k over the whole range).
 */
export function permutationOf(modulus: number, offset: number): Permutation {
  if (!Number.isInteger(modulus) || modulus < 1 || modulus >= MAX_MODULUS) {
    throw new RangeError(`Cannot permute ${modulus} starts: expected 1 to 2^32 − 1`);
  }
  let multiplier = Math.max(1, Math.floor(modulus * (Math.sqrt(5) - 1) / 2));
  while (gcd(multiplier, modulus) !== 1) multiplier++;
  return { modulus, multiplier, offset: offset % modulus };
}

export function permute({ modulus, multiplier, offset }: Permutation, k: number): number {
  return Number((BigInt(multiplier) * BigInt(k) + BigInt(offset)) % BigInt(modulus));
}

export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A run's sequence of windows, as /api/consumption's query and as the k-th one. */
export interface WindowSequence {
  permutation: Permutation;
  runs: StartRun[];
  durationS: number;
}

export function windowSequence(
  islands: Island[],
  durationS: number,
  offset = Math.floor(Math.random() * MAX_MODULUS),
): WindowSequence {
  const runs = startRuns(islands, durationS);
  const modulus = startCount(runs);
  if (modulus === 0) throw new RangeError(`Cannot fit a window of ${durationS} s in the data`);
  return { permutation: permutationOf(modulus, offset), runs, durationS };
}

/** The k-th window: epoch seconds of its bounds, both included (SQL BETWEEN). */
export function windowBounds(
  { permutation, runs, durationS }: WindowSequence,
  k: number,
): { startS: number; endS: number } {
  const startS = nthStart(runs, permute(permutation, k));
  return { startS, endS: startS + durationS - 1 };
}

/** The k-th window's query: both bounds in UTC, the end one second before the next window. */
export function windowQuery(sequence: WindowSequence, k: number): string {
  const { startS, endS } = windowBounds(sequence, k);
  return `start=${utcBound(startS)}&end=${utcBound(endS)}`;
}

/** `2013-04-05T12:34:56Z`, as the Lua script writes it with os.date("!…"). */
export function utcBound(epochS: number): string {
  return formatUtcSeconds(epochS * 1000);
}

/** wrk's script arguments, in the order bench/unique_windows.lua reads them. */
export function luaArguments(
  sequence: WindowSequence,
  { path, threads, firstK }: { path: string; threads: number; firstK: number },
): string[] {
  const { modulus, multiplier, offset } = sequence.permutation;
  return [
    path,
    sequence.durationS,
    modulus,
    multiplier,
    offset,
    threads,
    firstK,
    ...sequence.runs.flatMap((run) => [run.first, run.count]),
  ].map(String);
}
