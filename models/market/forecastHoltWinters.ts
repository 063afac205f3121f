import { createPrng } from "../createPrng.js";
import type { FitHoltWintersReturnType } from "./fitHoltWinters.js";

export type ForecastPoint = {
  step: number;
  mean: number;
  intervals: { level: number; lower: number; upper: number }[];
};

export type ForecastHoltWintersParameters = {
  fit: FitHoltWintersReturnType;
  horizon: number;
  /** Prediction-interval coverages in percent, e.g. [80, 95]. */
  levels?: number[];
  /** Seed for the simulated intervals of the multiplicative model. */
  seed?: number;
};

/**
 * h-step forecasts with prediction intervals.
 * - Additive: the analytic variance of ETS(A,A,A) (Hyndman et al. 2008, Table 6.1, class 1):
 *   v_h = σ² [1 + Σ_{j<h} c_j²], c_j = α + β* j + γ* 1{j ≡ 0 mod m}, with ETS β* = αβ and γ* = γ(1 − α).
 * - Multiplicative: no closed form is exact, so 2,000 future sample paths are simulated through the same
 *   recursions with relative errors ε ~ N(0, σ²_rel) (σ_rel from the in-sample relative residuals), seeded, and
 *   the intervals are their empirical quantiles.
 */
export function forecastHoltWinters({
  fit,
  horizon,
  levels = [80, 95],
  seed = 1,
}: ForecastHoltWintersParameters): ForecastPoint[] {
  const { level, trend, seasonal } = fit.final;
  const m = fit.seasonLength;
  const { alpha, beta, gamma } = fit.parameters;
  const mean = (h: number) =>
    fit.seasonality === "additive"
      ? level + h * trend + (seasonal[(h - 1) % m] as number)
      : (level + h * trend) * (seasonal[(h - 1) % m] as number);

  if (fit.seasonality === "additive") {
    const betaStar = alpha * beta;
    const gammaStar = gamma * (1 - alpha);
    return Array.from({ length: horizon }, (_, i) => {
      const h = i + 1;
      let sum = 0;
      for (let j = 1; j < h; j++) sum += (alpha + betaStar * j + (j % m === 0 ? gammaStar : 0)) ** 2;
      const sd = Math.sqrt(fit.sigma2 * (1 + sum));
      return {
        step: h,
        mean: mean(h),
        intervals: levels.map((lv) => ({
          level: lv,
          lower: mean(h) - normalQuantile(0.5 + lv / 200) * sd,
          upper: mean(h) + normalQuantile(0.5 + lv / 200) * sd,
        })),
      };
    });
  }

  const relative = fit.relativeResiduals;
  const sigmaRel = Math.sqrt(relative.reduce((s, e) => s + e * e, 0) / Math.max(1, relative.length - 3));
  const prng = createPrng(seed);
  const paths = 2000;
  const samples: number[][] = Array.from({ length: horizon }, () => []);
  for (let p = 0; p < paths; p++) {
    let l = level;
    let b = trend;
    const s = [...seasonal];
    for (let h = 1; h <= horizon; h++) {
      const si = s[(h - 1) % m] as number;
      const y = (l + b) * si * (1 + prng.normal(0, sigmaRel));
      (samples[h - 1] as number[]).push(y);
      const previous = l;
      l = alpha * (y / si) + (1 - alpha) * (l + b);
      b = beta * (l - previous) + (1 - beta) * b;
      s[(h - 1) % m] = gamma * (y / l) + (1 - gamma) * si;
    }
  }
  return samples.map((draws, i) => {
    const sorted = [...draws].sort((x, y) => x - y);
    const q = (prob: number) =>
      sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(prob * (sorted.length - 1))))] as number;
    return {
      step: i + 1,
      mean: mean(i + 1),
      intervals: levels.map((lv) => ({ level: lv, lower: q(0.5 - lv / 200), upper: q(0.5 + lv / 200) })),
    };
  });
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}
