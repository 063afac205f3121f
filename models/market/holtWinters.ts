export type Seasonality = "additive" | "multiplicative";

export type HoltWintersState = { level: number; trend: number; seasonal: number[] };
export type SmoothingParameters = { alpha: number; beta: number; gamma: number };

/**
 * Start values, set at the end of the first season (time m), fitting from m + 1:
 * - "hyndman": level = mean of season 1, trend = (mean of season 2 − mean of season 1) / m, seasonal indices from
 *   season 1 against that level (Hyndman & Athanasopoulos, FPP §7.3 / Hyndman et al. 2008 §2.6.1);
 * - "r-stats": R's `HoltWinters()`: `decompose()` of the first two seasons, level and trend from a linear
 *   regression on its moving-average trend, seasonal indices = its seasonal figure.
 */
export type StartValues = "hyndman" | "r-stats";

export function holtWintersStart(
  series: readonly number[],
  m: number,
  seasonality: Seasonality,
  start: StartValues,
): HoltWintersState {
  const y = (i: number) => series[i] as number;
  if (start === "hyndman") {
    const mean = (from: number) => series.slice(from, from + m).reduce((s, v) => s + v, 0) / m;
    const level = mean(0);
    return {
      level,
      trend: (mean(m) - level) / m,
      seasonal: series.slice(0, m).map((v) => (seasonality === "additive" ? v - level : v / level)),
    };
  }
  // R's decompose(): centred moving average (weights ½,1,…,1,½ / m for even m), then the mean detrended value per
  // season position, normalised (sum 0 or mean 1).
  const n = 2 * m;
  const half = Math.floor(m / 2);
  const trend: (number | undefined)[] = Array.from({ length: n }, (_, t) => {
    if (t < half || t >= n - half) return undefined;
    if (m % 2 === 1) return series.slice(t - half, t + half + 1).reduce((s, v) => s + v, 0) / m;
    let sum = 0.5 * y(t - half) + 0.5 * y(t + half);
    for (let k = t - half + 1; k < t + half; k++) sum += y(k);
    return sum / m;
  });
  const figure = Array.from({ length: m }, (_, position) => {
    const values: number[] = [];
    for (let t = position; t < n; t += m) {
      const tr = trend[t];
      if (tr !== undefined) values.push(seasonality === "additive" ? y(t) - tr : y(t) / tr);
    }
    return values.reduce((s, v) => s + v, 0) / values.length;
  });
  const centre = figure.reduce((s, v) => s + v, 0) / m;
  const seasonal = figure.map((v) => (seasonality === "additive" ? v - centre : v / centre));
  const defined = trend.filter((v): v is number => v !== undefined);
  const k = defined.length;
  const xMean = (k + 1) / 2;
  const yMean = defined.reduce((s, v) => s + v, 0) / k;
  let sxy = 0;
  let sxx = 0;
  defined.forEach((v, i) => {
    sxy += (i + 1 - xMean) * (v - yMean);
    sxx += (i + 1 - xMean) ** 2;
  });
  const slope = sxy / sxx;
  return { level: yMean - slope * xMean, trend: slope, seasonal };
}

export type HoltWintersFilterReturnType = {
  /** One-step-ahead fitted values for times m+1 … n (index 0 is time m+1). */
  fitted: number[];
  sse: number;
  /** State after the last observation. */
  final: HoltWintersState;
};

/** Runs the Holt–Winters recursions (R's `HoltWinters` form) from the start state over times m+1 … n. */
export function holtWintersFilter(
  series: readonly number[],
  m: number,
  seasonality: Seasonality,
  { alpha, beta, gamma }: SmoothingParameters,
  start: HoltWintersState,
): HoltWintersFilterReturnType {
  let { level, trend } = start;
  const seasonal = [...start.seasonal];
  const fitted: number[] = [];
  let sse = 0;
  for (let t = m; t < series.length; t++) {
    const y = series[t] as number;
    const s = seasonal[t % m] as number;
    const forecast = seasonality === "additive" ? level + trend + s : (level + trend) * s;
    fitted.push(forecast);
    sse += (y - forecast) ** 2;
    const previousLevel = level;
    level =
      seasonality === "additive"
        ? alpha * (y - s) + (1 - alpha) * (level + trend)
        : alpha * (y / s) + (1 - alpha) * (level + trend);
    trend = beta * (level - previousLevel) + (1 - beta) * trend;
    seasonal[t % m] =
      seasonality === "additive"
        ? gamma * (y - level) + (1 - gamma) * s
        : gamma * (y / level) + (1 - gamma) * s;
  }
  // Re-align the seasonal indices so that final.seasonal[0] applies to time n+1.
  const n = series.length;
  return {
    fitted,
    sse,
    final: { level, trend, seasonal: seasonal.map((_, i) => seasonal[(n + i) % m] as number) },
  };
}
