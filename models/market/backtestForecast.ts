import { fitHoltWinters } from "./fitHoltWinters.js";
import { forecastHoltWinters } from "./forecastHoltWinters.js";
import type { Seasonality, StartValues } from "./holtWinters.js";

export type ForecastErrors = { mae: number; rmse: number; mape: number };

export type BacktestForecastReturnType = {
  holdout: number;
  holtWinters: ForecastErrors;
  seasonalNaive: ForecastErrors;
  /** MAE of Holt–Winters over MAE of seasonal-naive: below 1 means the model beats the benchmark. */
  relativeMae: number;
};

/**
 * Fits on all but the last `holdoutSeasons` seasons, forecasts them, and scores the forecast next to the
 * seasonal-naive benchmark (each point forecast = the value one season earlier, from the training data).
 */
export function backtestForecast(
  series: readonly number[],
  seasonLength: number,
  seasonality: Seasonality,
  holdoutSeasons: number,
  startValues: StartValues,
): BacktestForecastReturnType {
  const holdout = holdoutSeasons * seasonLength;
  const train = series.slice(0, series.length - holdout);
  const test = series.slice(series.length - holdout);
  const fit = fitHoltWinters({ series: train, seasonLength, seasonality, startValues });
  const hw = forecastHoltWinters({ fit, horizon: holdout, levels: [] }).map((p) => p.mean);
  const naive = test.map((_, h) => train[train.length - seasonLength + (h % seasonLength)] as number);
  const holtWinters = errors(test, hw);
  const seasonalNaive = errors(test, naive);
  return { holdout, holtWinters, seasonalNaive, relativeMae: holtWinters.mae / seasonalNaive.mae };
}

function errors(actual: readonly number[], forecast: readonly number[]): ForecastErrors {
  const e = actual.map((a, i) => a - (forecast[i] as number));
  return {
    mae: e.reduce((s, v) => s + Math.abs(v), 0) / e.length,
    rmse: Math.sqrt(e.reduce((s, v) => s + v * v, 0) / e.length),
    mape: (100 * e.reduce((s, v, i) => s + Math.abs(v / (actual[i] as number)), 0)) / e.length,
  };
}
