import assert from "node:assert/strict";
import { predictRidge, RidgeAccumulator, type RidgeModel } from "../ingest/airqino/ridge.ts";
import {
  backtest,
  CEILING_FACTOR,
  DEFAULT_MODEL,
  forecastNext,
  type ModelOptions,
} from "../ingest/airqino/forecast.ts";
import { type HourlySeries, toSeries } from "../ingest/airqino/series.ts";
import { HOUR_MS } from "../lib/zoned_time.ts";

const START = Date.UTC(2023, 0, 1);
const RAW: ModelOptions = { ...DEFAULT_MODEL, transform: "identity" };
const LOG: ModelOptions = { ...DEFAULT_MODEL, transform: "log1p" };

/** Deterministic uniform (0, 1) numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function series(values: number[]): HourlySeries {
  return { startMs: START, values: Float64Array.from(values) };
}

/** AR(1) around 20: the best h-step forecast is 20 + φʰ (y − 20). */
const PHI = 0.8;
function ar1(hours: number, seed = 1): number[] {
  const noise = gaussian(random(seed));
  const values = [20];
  for (let i = 1; i < hours; i++) values.push(20 + PHI * (values[i - 1] - 20) + noise());
  return values;
}

/** Fits on all rows at once. */
function fitAll(rows: number[][], targets: number[], penalty: number): RidgeModel {
  const accumulator = new RidgeAccumulator(rows[0].length);
  rows.forEach((row, i) => accumulator.add(row, targets[i]));
  return accumulator.fit(penalty);
}

Deno.test("ridge with a tiny penalty recovers an exact linear relation", () => {
  const uniform = random(7);
  const rows = Array.from({ length: 50 }, () => [uniform() * 10, uniform() * 5]);
  const model = fitAll(rows, rows.map(([a, b]) => 2 + 3 * a - b), 1e-12);
  assert.ok(Math.abs(predictRidge(model, [4, 1]) - 13) < 1e-6);
});

Deno.test("removing samples from the accumulator equals fitting without them", () => {
  const uniform = random(3);
  const rows = Array.from({ length: 40 }, () => [uniform(), uniform(), uniform()]);
  const targets = rows.map(([a, b, c]) => a + 2 * b - c + uniform());
  const sliding = new RidgeAccumulator(3);
  rows.forEach((row, i) => sliding.add(row, targets[i]));
  rows.slice(0, 10).forEach((row, i) => sliding.remove(row, targets[i]));
  const direct = fitAll(rows.slice(10), targets.slice(10), 0.01);
  const probe = [0.3, 0.6, 0.9];
  assert.ok(Math.abs(predictRidge(sliding.fit(0.01), probe) - predictRidge(direct, probe)) < 1e-9);
});

Deno.test("on a pure daily cycle the model is near perfect, like same-hour-yesterday, and persistence is not", () => {
  const cycle = (i: number) =>
    10 + 5 * Math.sin(2 * Math.PI * i / 24) + 2 * Math.cos(4 * Math.PI * i / 24);
  const s = series(Array.from({ length: 40 * 24 }, (_, i) => cycle(i)));
  for (const score of backtest(s, RAW, { firstOrigin: 14 * 24 })) {
    assert.ok(score.sameHourYesterday.mae < 1e-9);
    assert.ok(score.model.mae < 0.02 * score.persistence.mae, JSON.stringify(score));
  }
  const next = forecastNext(s, RAW)!;
  assert.deepEqual(next.map((f) => f.method), ["ridge", "ridge"]);
  // The ridge penalty shrinks a little: within 0.25 of a cycle 14 units wide.
  for (const f of next) assert.ok(Math.abs(f.value - cycle(40 * 24 - 1 + f.horizon)) < 0.25);
});

Deno.test("on an AR(1) series the model is within 5 % of the known best forecast and beats persistence", () => {
  const values = ar1(80 * 24);
  const firstOrigin = 60 * 24;
  for (const score of backtest(series(values), RAW, { firstOrigin })) {
    const h = score.horizon;
    let oracle = 0;
    for (let i = firstOrigin; i + h < values.length; i++) {
      oracle += Math.abs(20 + PHI ** h * (values[i] - 20) - values[i + h]);
    }
    oracle /= values.length - h - firstOrigin;
    assert.equal(score.n, values.length - h - firstOrigin);
    assert.ok(score.model.mae < 1.05 * oracle, `h=${h}: ${score.model.mae} vs best ${oracle}`);
    assert.ok(score.model.mae < score.persistence.mae);
  }
});

Deno.test("a backtest prediction uses only what was known at its origin", () => {
  const values = ar1(40 * 24, 5).map((v) => Math.max(0, v));
  const origin = 30 * 24 + 5;
  for (const h of [1, 2]) {
    // Scoring exactly one origin makes the model's MAE the absolute error of its prediction.
    const [one] = backtest(series(values.slice(0, origin + h + 1)), LOG, {
      firstOrigin: origin,
      refitEvery: 1,
    }).filter((s) => s.horizon === h);
    assert.equal(one.n, 1);
    const forecast = forecastNext(series(values.slice(0, origin + 1)), LOG)!
      .find((f) => f.horizon === h)!;
    assert.ok(Math.abs(one.model.mae - Math.abs(forecast.value - values[origin + h])) < 1e-9);
  }
});

Deno.test("a constant series is forecast as that constant on the log scale", () => {
  const forecasts = forecastNext(series(Array(30 * 24).fill(12.5)), LOG)!;
  for (const f of forecasts) assert.ok(Math.abs(f.value - 12.5) < 1e-9);
});

Deno.test("the forecast starts at the last present hour and uses persistence on a short history", () => {
  const s = toSeries([
    { hourMs: START, value: 3 },
    { hourMs: START + HOUR_MS, value: 4 },
    { hourMs: START + 2 * HOUR_MS, value: null },
  ]);
  assert.equal(s.values.length, 3);
  assert.deepEqual(forecastNext(s, LOG), [
    { origin: 1, horizon: 1, value: 4, method: "persistence" },
    { origin: 1, horizon: 2, value: 4, method: "persistence" },
  ]);
  assert.equal(forecastNext(toSeries([]), LOG), undefined);
});

Deno.test("a forecast is never negative, and the backtest scores that clipped value", () => {
  // CO falling through zero: the fitted trend goes on below it.
  const values = Array.from({ length: 30 * 24 }, (_, i) => 2 - i / 300);
  const forecasts = forecastNext(series(values), RAW)!;
  assert.deepEqual(forecasts.map((f) => [f.method, f.value]), [["ridge", 0], ["ridge", 0]]);
  // One scored origin at 1 h, whose target comes back to 0.5: the error is the clipped
  // forecast's, 0.5, not that of the negative value the trend gives.
  const comeback = [...values, 0.5];
  const [one] = backtest(series(comeback), RAW, { firstOrigin: comeback.length - 2 });
  assert.deepEqual([one.horizon, one.n, one.model.mae], [1, 1, 0.5]);
});

Deno.test("a forecast never goes above 1.5 times the highest value of its training window", () => {
  // Doubling every hour: the model foresees ×2 and ×4, more than the window ever saw.
  const values = Array.from({ length: 8 * 24 }, (_, i) => 2 ** i);
  const forecasts = forecastNext(series(values), LOG)!;
  const ceiling = CEILING_FACTOR * values.at(-1)!;
  assert.deepEqual(forecasts.map((f) => [f.method, f.value]), [
    ["ridge", ceiling],
    ["ridge", ceiling],
  ]);
});

Deno.test("persistence on a short history is clipped at zero too", () => {
  const s = toSeries([
    { hourMs: START, value: 0.2 },
    { hourMs: START + HOUR_MS, value: -0.4 },
  ]);
  assert.deepEqual(forecastNext(s, RAW)!.map((f) => [f.method, f.value]), [
    ["persistence", 0],
    ["persistence", 0],
  ]);
});
