import {
  type HoltWintersState,
  holtWintersFilter,
  holtWintersStart,
  type Seasonality,
  type SmoothingParameters,
  type StartValues,
} from "./holtWinters.js";
import { minimiseNelderMead } from "./minimiseNelderMead.js";

export type FitHoltWintersParameters = {
  series: readonly number[];
  seasonLength: number;
  seasonality: Seasonality;
  startValues?: StartValues;
};

export type FitHoltWintersReturnType = {
  parameters: SmoothingParameters;
  sse: number;
  /** Residual variance σ² = SSE / (observations fitted − parameters estimated). */
  sigma2: number;
  fitted: number[];
  /** (y − ŷ) / ŷ for each fitted observation: the error scale of the multiplicative model. */
  relativeResiduals: number[];
  start: HoltWintersState;
  final: HoltWintersState;
  seasonality: Seasonality;
  seasonLength: number;
};

const logistic = (v: number) => 1 / (1 + Math.exp(-v));
const logit = (p: number) => Math.log(p / (1 - p));
/** Deterministic starting points; the first is R's optim() start (α 0.3, β 0.1, γ 0.1). */
const STARTS: SmoothingParameters[] = [
  { alpha: 0.3, beta: 0.1, gamma: 0.1 },
  { alpha: 0.5, beta: 0.05, gamma: 0.5 },
  { alpha: 0.1, beta: 0.01, gamma: 0.9 },
];

/**
 * Fits α, β, γ ∈ (0, 1) by minimising the one-step SSE with Nelder–Mead on logit-transformed parameters (so the
 * simplex never leaves the unit cube), from a few fixed starting points; the best optimum wins.
 */
export function fitHoltWinters({
  series,
  seasonLength,
  seasonality,
  startValues = "r-stats",
}: FitHoltWintersParameters): FitHoltWintersReturnType {
  const start = holtWintersStart(series, seasonLength, seasonality, startValues);
  const toParameters = (x: number[]): SmoothingParameters => ({
    alpha: logistic(x[0] as number),
    beta: logistic(x[1] as number),
    gamma: logistic(x[2] as number),
  });
  const objective = (x: number[]) => {
    const sse = holtWintersFilter(series, seasonLength, seasonality, toParameters(x), start).sse;
    return Number.isFinite(sse) ? sse : Number.MAX_VALUE;
  };
  let best: { x: number[]; value: number } | undefined;
  for (const s of STARTS) {
    const result = minimiseNelderMead({ objective, start: [logit(s.alpha), logit(s.beta), logit(s.gamma)] });
    if (best === undefined || result.value < best.value) best = result;
  }
  const parameters = toParameters((best as { x: number[] }).x);
  const { fitted, sse, final } = holtWintersFilter(series, seasonLength, seasonality, parameters, start);
  return {
    parameters,
    sse,
    sigma2: sse / Math.max(1, fitted.length - 3),
    fitted,
    relativeResiduals: fitted.map((f, i) => ((series[seasonLength + i] as number) - f) / f),
    start,
    final,
    seasonality,
    seasonLength,
  };
}
