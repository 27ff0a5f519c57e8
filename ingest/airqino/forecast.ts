/**
 * Short-range forecast of one pollutant: a direct ridge model per horizon (1 h, 2 h) on
 * recent lags, 24 h and 7 d means, the same hour yesterday and the target's hour of day,
 * refitted on a sliding window, and served as a concentration: clipped to [0, 1.5 × the window's
 * highest value]. `backtest` scores that served value with a rolling origin against persistence
 * and same-hour-yesterday, every value read as a concentration.
 */
import { predictRidge, RidgeAccumulator, type RidgeModel } from "./ridge.ts";
import { type HourlySeries, hourOfDay } from "./series.ts";

export type Transform = "log1p" | "identity";

export interface ModelOptions {
  /** log1p for skewed, non-negative series (PM2.5); identity when values can be negative (CO). */
  transform: Transform;
  /** Length of the sliding training window. */
  trainingHours: number;
  /** Ridge penalty per sample on standardised features. */
  penalty: number;
  /** Below this many training samples the model is not fitted (persistence is used instead). */
  minTrainingSamples: number;
}

export const HORIZONS = [1, 2];

const LAGS = [0, 1, 2, 3, 4, 5];

export const MODEL_DESCRIPTION =
  "direct ridge regression per horizon (1 h, 2 h) on the last 6 hourly values, the 24 h " +
  "and 7 d means, the target's same hour yesterday and hour-of-day dummies; log1p scale " +
  "for PM2.5, raw scale for CO; 56-day sliding window, penalty 0.01 on standardised features; " +
  "forecasts clipped to [0, 1.5 × the window's highest value]";

export const DEFAULT_MODEL: Omit<ModelOptions, "transform"> = {
  trainingHours: 56 * 24,
  penalty: 0.01,
  minTrainingSamples: 7 * 24,
};

/** What can be known at an origin, precomputed once per series (past-only by construction). */
interface Prepared {
  series: HourlySeries;
  z: Float64Array;
  /** Index of the first present value at or after i (so at most the origin when the origin is present). */
  nextPresent: Int32Array;
  /** Prefix sums of present z and their counts. */
  sums: Float64Array;
  counts: Int32Array;
}

function prepare(series: HourlySeries, transform: Transform): Prepared {
  const n = series.values.length;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = forward(series.values[i], transform);
  const nextPresent = new Int32Array(n);
  let next = n;
  for (let i = n - 1; i >= 0; i--) {
    if (!Number.isNaN(z[i])) next = i;
    nextPresent[i] = next;
  }
  const sums = new Float64Array(n + 1);
  const counts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const present = !Number.isNaN(z[i]);
    sums[i + 1] = sums[i] + (present ? z[i] : 0);
    counts[i + 1] = counts[i] + (present ? 1 : 0);
  }
  return { series, z, nextPresent, sums, counts };
}

function forward(value: number, transform: Transform): number {
  if (transform === "identity") return value;
  return Math.log1p(Math.max(0, value));
}

function inverse(value: number, transform: Transform): number {
  return transform === "identity" ? value : Math.expm1(value);
}

/** The value at j as known at origin i ≥ j: a missing hour takes the next newer known value. */
function known(p: Prepared, j: number, origin: number): number {
  const k = j < 0 ? p.nextPresent[0] : p.nextPresent[j];
  return p.z[Math.min(k, origin)];
}

function windowMean(p: Prepared, from: number, to: number): number {
  const a = Math.max(0, from);
  const count = p.counts[to + 1] - p.counts[a];
  return count === 0 ? NaN : (p.sums[to + 1] - p.sums[a]) / count;
}

// Lags, 24 h mean, 7 d mean, same hour yesterday, 23 hour-of-day dummies.
const FEATURE_COUNT = LAGS.length + 3 + 23;

/** Features at origin i (z[i] present) for the hour i + h. */
function features(p: Prepared, i: number, h: number): Float64Array {
  const x = new Float64Array(FEATURE_COUNT);
  let k = 0;
  for (const lag of LAGS) x[k++] = known(p, i - lag, i);
  const mean24 = windowMean(p, i - 23, i);
  x[k++] = mean24;
  x[k++] = windowMean(p, i - 167, i);
  const yesterday = i + h - 24;
  x[k++] = yesterday >= 0 && !Number.isNaN(p.z[yesterday]) ? p.z[yesterday] : mean24;
  const hour = hourOfDay(p.series, i + h);
  if (hour > 0) x[k + hour - 1] = 1;
  return x;
}

/**
 * The horizon-h training set as a sliding window of origins: at `origin`, every earlier
 * origin i with i + h ≤ origin (its target is known by then), at most `trainingHours` back.
 */
class SlidingTrainer {
  readonly #accumulator = new RidgeAccumulator(FEATURE_COUNT);
  #from = 0;
  #to = 0;

  constructor(
    readonly p: Prepared,
    readonly h: number,
    readonly options: ModelOptions,
  ) {}

  /** Moves the window to `origin` (never backwards) and fits, or undefined if too few samples. */
  fitAt(origin: number): RidgeModel | undefined {
    const from = Math.max(0, origin - this.options.trainingHours);
    const to = Math.max(from, origin - this.h + 1);
    for (; this.#to < to; this.#to++) this.#apply(this.#to, 1);
    for (; this.#from < from; this.#from++) this.#apply(this.#from, -1);
    this.#to = Math.max(this.#to, this.#from);
    if (this.#accumulator.n < this.options.minTrainingSamples) return undefined;
    return this.#accumulator.fit(this.options.penalty);
  }

  #apply(i: number, sign: 1 | -1) {
    // Samples before the window start were never added.
    if (sign === -1 && i >= this.#to) return;
    const { z } = this.p;
    if (Number.isNaN(z[i]) || Number.isNaN(z[i + this.h])) return;
    const x = features(this.p, i, this.h);
    if (sign === 1) this.#accumulator.add(x, z[i + this.h]);
    else this.#accumulator.remove(x, z[i + this.h]);
  }
}

/**
 * What a forecast may say: a concentration, never negative, and never far above anything the
 * training window saw (that is the linear model extrapolating, not a foreseen peak).
 */
function servable(value: number, ceiling: number): number {
  return Math.min(concentration(value), ceiling);
}

/**
 * A value as a concentration: a negative one is a sensor offset, read as 0, as the API itself
 * has done since 2024 (it clamped the 2022–23 negatives to 0.0).
 */
function concentration(value: number): number {
  return Math.max(0, value);
}

/** How far above the training window's highest value a forecast may go. */
export const CEILING_FACTOR = 1.5;

/** The training window's highest present value × CEILING_FACTOR, tracked as origins move forward. */
class Ceiling {
  // Indices of decreasing values: the front is the window's maximum.
  readonly #candidates: number[] = [];
  #next = 0;

  constructor(readonly series: HourlySeries, readonly trainingHours: number) {}

  at(origin: number): number {
    const values = this.series.values;
    for (; this.#next <= origin; this.#next++) {
      if (Number.isNaN(values[this.#next])) continue;
      while (
        this.#candidates.length > 0 && values[this.#candidates.at(-1)!] <= values[this.#next]
      ) this.#candidates.pop();
      this.#candidates.push(this.#next);
    }
    while (this.#candidates[0] < origin - this.trainingHours) this.#candidates.shift();
    const highest = values[this.#candidates[0]];
    return highest === undefined ? Infinity : concentration(highest) * CEILING_FACTOR;
  }
}

export interface Forecast {
  /** Index of the origin hour (the last known value). */
  origin: number;
  horizon: number;
  value: number;
  /** "ridge", or "persistence" when the history is too short to fit. */
  method: "ridge" | "persistence";
}

/**
 * Forecasts the hours after the last present value of `series`, which must hold only
 * complete hours. Undefined when the series has no value at all.
 */
export function forecastNext(
  series: HourlySeries,
  options: ModelOptions,
): Forecast[] | undefined {
  const p = prepare(series, options.transform);
  let origin = series.values.length - 1;
  while (origin >= 0 && Number.isNaN(p.z[origin])) origin--;
  if (origin < 0) return undefined;
  const ceiling = new Ceiling(series, options.trainingHours).at(origin);
  return HORIZONS.map((h) => {
    const model = new SlidingTrainer(p, h, options).fitAt(origin);
    return model
      ? {
        origin,
        horizon: h,
        value: servable(predict(p, model, origin, h, options.transform), ceiling),
        method: "ridge" as const,
      }
      : {
        origin,
        horizon: h,
        value: servable(series.values[origin], ceiling),
        method: "persistence" as const,
      };
  });
}

function predict(
  p: Prepared,
  model: RidgeModel,
  origin: number,
  h: number,
  transform: Transform,
): number {
  return inverse(predictRidge(model, features(p, origin, h)), transform);
}

export interface ErrorStats {
  mae: number;
  rmse: number;
}

export interface HorizonScore {
  horizon: number;
  /** Origins scored (the same for every method). */
  n: number;
  model: ErrorStats;
  persistence: ErrorStats;
  sameHourYesterday: ErrorStats;
}

export interface BacktestOptions {
  /** Score only origins at or after this index (the rest is warm-up history). */
  firstOrigin?: number;
  /** Refit every this many origins (a day by default). */
  refitEvery?: number;
}

/**
 * Rolling-origin backtest: at each refit point the model is fitted on the sliding window of
 * what was known then and scored on the next `refitEvery` origins. An origin counts when
 * its own value, the target and the target's same hour yesterday are all present, so the
 * three methods are scored on exactly the same cases. The model is scored as served (clipped),
 * and every method against the target read as a concentration (a negative reading as 0).
 */
export function backtest(
  series: HourlySeries,
  options: ModelOptions,
  { firstOrigin = 0, refitEvery = 24 }: BacktestOptions = {},
): HorizonScore[] {
  const p = prepare(series, options.transform);
  const y = series.values;
  return HORIZONS.map((h) => {
    const model = new ErrorSums();
    const persistence = new ErrorSums();
    const yesterday = new ErrorSums();
    const trainer = new SlidingTrainer(p, h, options);
    const ceiling = new Ceiling(series, options.trainingHours);
    for (let block = firstOrigin; block + h < y.length; block += refitEvery) {
      const fitted = trainer.fitAt(block);
      if (!fitted) continue;
      const end = Math.min(block + refitEvery, y.length - h);
      for (let i = block; i < end; i++) {
        const target = y[i + h];
        const sameHour = i + h - 24 >= 0 ? y[i + h - 24] : NaN;
        if (Number.isNaN(y[i]) || Number.isNaN(target) || Number.isNaN(sameHour)) continue;
        const predicted = servable(predict(p, fitted, i, h, options.transform), ceiling.at(i));
        model.add(predicted - concentration(target));
        persistence.add(concentration(y[i]) - concentration(target));
        yesterday.add(concentration(sameHour) - concentration(target));
      }
    }
    return {
      horizon: h,
      n: model.n,
      model: model.stats(),
      persistence: persistence.stats(),
      sameHourYesterday: yesterday.stats(),
    };
  });
}

class ErrorSums {
  n = 0;
  #absolute = 0;
  #squared = 0;
  add(error: number) {
    this.n++;
    this.#absolute += Math.abs(error);
    this.#squared += error * error;
  }
  stats(): ErrorStats {
    return this.n === 0 ? { mae: NaN, rmse: NaN } : {
      mae: this.#absolute / this.n,
      rmse: Math.sqrt(this.#squared / this.n),
    };
  }
}
