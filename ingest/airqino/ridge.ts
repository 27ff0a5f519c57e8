/**
 * Ridge regression in plain TypeScript. Samples are accumulated as sums (Σx, Σxxᵀ, Σy, Σxy),
 * so a sliding training window adds and removes samples instead of refitting from scratch.
 * Features are standardised on the window, the penalty is per sample (its strength does not
 * fade as the window grows), and the normal equations are solved by Cholesky.
 */

export interface RidgeModel {
  means: Float64Array;
  scales: Float64Array;
  intercept: number;
  weights: Float64Array;
}

export class RidgeAccumulator {
  n = 0;
  readonly #p: number;
  readonly #sx: Float64Array;
  readonly #sxx: Float64Array;
  readonly #sxy: Float64Array;
  #sy = 0;

  constructor(features: number) {
    this.#p = features;
    this.#sx = new Float64Array(features);
    this.#sxx = new Float64Array(features * features);
    this.#sxy = new Float64Array(features);
  }

  add(x: ArrayLike<number>, y: number): void {
    this.#update(x, y, 1);
  }

  remove(x: ArrayLike<number>, y: number): void {
    this.#update(x, y, -1);
  }

  #update(x: ArrayLike<number>, y: number, sign: number): void {
    const p = this.#p;
    this.n += sign;
    this.#sy += sign * y;
    for (let j = 0; j < p; j++) {
      const xj = sign * x[j];
      if (xj === 0) continue;
      this.#sx[j] += xj;
      this.#sxy[j] += xj * y;
      for (let k = 0; k <= j; k++) this.#sxx[j * p + k] += xj * x[k];
    }
  }

  /** Minimises mean((y − b − x·w)²) + penalty·|w|² over standardised x. */
  fit(penalty: number): RidgeModel {
    const n = this.n;
    const p = this.#p;
    if (n <= 0) throw new Error("Cannot fit a ridge model on zero samples");
    const means = this.#sx.map((s) => s / n);
    const scales = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const variance = this.#sxx[j * p + j] / n - means[j] ** 2;
      // A (numerically) constant feature carries nothing: scale 1 keeps it at ~0.
      scales[j] = variance > 1e-12 * Math.max(1, means[j] ** 2) ? Math.sqrt(variance) : 1;
    }
    const yMean = this.#sy / n;
    const gram = new Float64Array(p * p);
    const rhs = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      rhs[j] = (this.#sxy[j] / n - means[j] * yMean) / scales[j];
      for (let k = 0; k <= j; k++) {
        const c = (this.#sxx[j * p + k] / n - means[j] * means[k]) /
          (scales[j] * scales[k]);
        gram[j * p + k] = c;
        gram[k * p + j] = c;
      }
      gram[j * p + j] += penalty;
    }
    return {
      means,
      scales,
      intercept: yMean,
      weights: solveSymmetricPositive(gram, rhs),
    };
  }
}

export function predictRidge(model: RidgeModel, x: ArrayLike<number>): number {
  let y = model.intercept;
  for (let j = 0; j < model.weights.length; j++) {
    y += model.weights[j] * (x[j] - model.means[j]) / model.scales[j];
  }
  return y;
}

/** Solves A·x = b for a symmetric positive-definite A (row-major n×n) by Cholesky. */
export function solveSymmetricPositive(
  a: Float64Array,
  b: Float64Array,
): Float64Array {
  const n = b.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) {
          throw new Error("Cannot solve: matrix is not positive definite");
        }
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
    y[i] = sum / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}
