import { defineModel } from "../defineModel.js";
import { requireInteger, requireNumberArray, requireObject } from "../inputGuards.js";
import { ModelInputError } from "../ModelInputError.js";
import { backtestForecast } from "./backtestForecast.js";
import { fitHoltWinters } from "./fitHoltWinters.js";
import { forecastHoltWinters } from "./forecastHoltWinters.js";
import type { Seasonality, StartValues } from "./holtWinters.js";

export type MarketForecastInput = {
  series: number[];
  seasonLength: number;
  horizon: number;
  seasonality?: Seasonality | "auto";
  holdoutSeasons?: number;
  levels?: number[];
  startValues?: StartValues;
};

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

export const marketForecastModel = defineModel({
  id: "market-forecast",
  title: "Market forecast: Holt–Winters exponential smoothing with prediction intervals and a back-test",
  codeVersion: "1.0.0",
  parameters: {
    optimiser: "Nelder-Mead on logit(alpha, beta, gamma), 3 fixed starts",
    multiplicativePaths: 2000,
    seed: 1,
  },
  inputSchema: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Market forecast input",
    type: "object",
    required: ["series", "seasonLength", "horizon"],
    properties: {
      series: {
        type: "array",
        items: { type: "number" },
        description: "Prices in time order, one per period (e.g. CNY/kg monthly); at least two seasons",
      },
      seasonLength: {
        type: "integer",
        minimum: 2,
        description: "Periods per season (12 for monthly data with a yearly cycle)",
      },
      horizon: { type: "integer", minimum: 1, maximum: 120, description: "Periods to forecast" },
      seasonality: {
        enum: ["additive", "multiplicative", "auto"],
        description: "auto picks the lower in-sample SSE (multiplicative needs positive prices)",
      },
      holdoutSeasons: {
        type: "integer",
        minimum: 1,
        description: "Seasons held out for the back-test (default 1; needs two seasons left to fit)",
      },
      levels: {
        type: "array",
        items: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 100 },
        description: "Prediction-interval coverages in percent (default [80, 95])",
      },
      startValues: {
        enum: ["r-stats", "hyndman"],
        description: "Start values: R's HoltWinters() (default) or Hyndman's first-season averages",
      },
    },
  },
  run: (raw) => {
    const input = validate(raw);
    const positive = input.series.every((v) => v > 0);
    const seasonality: Seasonality =
      input.seasonality === "auto"
        ? positive &&
          fitHoltWinters({ ...input, seasonality: "multiplicative" }).sse <
            fitHoltWinters({ ...input, seasonality: "additive" }).sse
          ? "multiplicative"
          : "additive"
        : input.seasonality;
    const fit = fitHoltWinters({
      series: input.series,
      seasonLength: input.seasonLength,
      seasonality,
      startValues: input.startValues,
    });
    const forecast = forecastHoltWinters({ fit, horizon: input.horizon, levels: input.levels });
    const canBacktest =
      input.series.length - input.holdoutSeasons * input.seasonLength >= 2 * input.seasonLength;
    const backtest = canBacktest
      ? backtestForecast(
          input.series,
          input.seasonLength,
          seasonality,
          input.holdoutSeasons,
          input.startValues,
        )
      : null;
    return {
      seasonality,
      parameters: {
        alpha: round(fit.parameters.alpha),
        beta: round(fit.parameters.beta),
        gamma: round(fit.parameters.gamma),
      },
      sse: round(fit.sse),
      forecast: forecast.map((p) => ({
        step: p.step,
        mean: round(p.mean),
        intervals: p.intervals.map((i) => ({ level: i.level, lower: round(i.lower), upper: round(i.upper) })),
      })),
      backtest: backtest && {
        holdout: backtest.holdout,
        relativeMae: round(backtest.relativeMae),
        holtWinters: roundErrors(backtest.holtWinters),
        seasonalNaive: roundErrors(backtest.seasonalNaive),
      },
    };
  },
});

function roundErrors(e: { mae: number; rmse: number; mape: number }) {
  return { mae: round(e.mae), rmse: round(e.rmse), mape: round(e.mape) };
}

function validate(raw: unknown): Required<MarketForecastInput> & { seasonality: Seasonality | "auto" } {
  const input = requireObject(raw, "$");
  const seasonLength = requireInteger(input.seasonLength, "$.seasonLength", 2, 366);
  const series = requireNumberArray(input.series, "$.series");
  if (series.length < 2 * seasonLength)
    throw new ModelInputError(
      "$.series",
      `has ${series.length} values; Holt–Winters needs at least two seasons (${2 * seasonLength})`,
    );
  const horizon = requireInteger(input.horizon, "$.horizon", 1, 120);
  const seasonality = input.seasonality ?? "auto";
  if (seasonality !== "additive" && seasonality !== "multiplicative" && seasonality !== "auto")
    throw new ModelInputError("$.seasonality", "must be additive, multiplicative or auto");
  if (seasonality === "multiplicative") {
    const bad = series.findIndex((v) => v <= 0);
    if (bad >= 0)
      throw new ModelInputError(`$.series[${bad}]`, "must be positive for multiplicative seasonality");
  }
  const holdoutSeasons =
    input.holdoutSeasons === undefined ? 1 : requireInteger(input.holdoutSeasons, "$.holdoutSeasons", 1, 100);
  const levels = input.levels === undefined ? [80, 95] : requireNumberArray(input.levels, "$.levels", 0);
  levels.forEach((lv, i) => {
    if (!(lv > 0 && lv < 100))
      throw new ModelInputError(`$.levels[${i}]`, "must be a coverage strictly between 0 and 100");
  });
  const startValues = input.startValues ?? "r-stats";
  if (startValues !== "r-stats" && startValues !== "hyndman")
    throw new ModelInputError("$.startValues", "must be r-stats or hyndman");
  return { series, seasonLength, horizon, seasonality, holdoutSeasons, levels, startValues };
}
