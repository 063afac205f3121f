import { describe, expect, it } from "vitest";
import { modelInputField } from "../../test/support/modelInputField.js";
import { runModel } from "../defineModel.js";
import { AIR_PASSENGERS } from "./airPassengers.js";
import { backtestForecast } from "./backtestForecast.js";
import { fitHoltWinters } from "./fitHoltWinters.js";
import { forecastHoltWinters, normalQuantile } from "./forecastHoltWinters.js";
import { generatePriceSeries } from "./generatePriceSeries.js";
import { holtWintersFilter, holtWintersStart } from "./holtWinters.js";
import { marketForecastModel } from "./marketForecastModel.js";

// R (stats) documents and prints, for the classic Box–Jenkins airline series:
//   HoltWinters(AirPassengers, seasonal = "mult"): a = 0.2755925, b = 0.03269295, g = 0.8707292, SSE = 16570.78
//   HoltWinters(AirPassengers):                    a = 0.2479595, b = 0.0345373,  g = 1
describe("Holt–Winters against R's HoltWinters() on AirPassengers", () => {
  it("multiplicative: same parameters and SSE as R", () => {
    const fit = fitHoltWinters({ series: AIR_PASSENGERS, seasonLength: 12, seasonality: "multiplicative" });
    expect(fit.parameters.alpha).toBeCloseTo(0.2755925, 3);
    expect(fit.parameters.beta).toBeCloseTo(0.03269295, 3);
    expect(fit.parameters.gamma).toBeCloseTo(0.8707292, 3);
    expect(fit.sse).toBeCloseTo(16570.78, 0);
    // Our optimum is no worse than R's parameters under the same recursions and start values.
    const atR = holtWintersFilter(
      AIR_PASSENGERS,
      12,
      "multiplicative",
      { alpha: 0.2755925, beta: 0.03269295, gamma: 0.8707292 },
      holtWintersStart(AIR_PASSENGERS, 12, "multiplicative", "r-stats"),
    ).sse;
    expect(fit.sse).toBeLessThanOrEqual(atR + 1e-6);
  });

  it("additive: same parameters as R (γ at its bound of 1)", () => {
    const fit = fitHoltWinters({ series: AIR_PASSENGERS, seasonLength: 12, seasonality: "additive" });
    expect(fit.parameters.alpha).toBeCloseTo(0.2479595, 3);
    expect(fit.parameters.beta).toBeCloseTo(0.0345373, 3);
    expect(fit.parameters.gamma).toBeGreaterThan(0.999);
  });

  it("Hyndman start values fit the series too, with a comparable SSE", () => {
    const fit = fitHoltWinters({
      series: AIR_PASSENGERS,
      seasonLength: 12,
      seasonality: "multiplicative",
      startValues: "hyndman",
    });
    expect(fit.sse).toBeLessThan(16570.78 * 1.5);
  });

  it("forecasts 1961 with widening intervals that nest (80% inside 95%)", () => {
    const fit = fitHoltWinters({ series: AIR_PASSENGERS, seasonLength: 12, seasonality: "multiplicative" });
    const forecast = forecastHoltWinters({ fit, horizon: 12 });
    const width = (h: number) => {
      const i95 = forecast[h]?.intervals[1] as { lower: number; upper: number };
      return i95.upper - i95.lower;
    };
    expect(width(11)).toBeGreaterThan(width(0));
    for (const p of forecast) {
      const [i80, i95] = p.intervals;
      if (i80 === undefined || i95 === undefined) throw new Error("two intervals expected");
      expect(i95.lower).toBeLessThanOrEqual(i80.lower);
      expect(i80.lower).toBeLessThan(p.mean);
      expect(p.mean).toBeLessThan(i80.upper);
      expect(i80.upper).toBeLessThanOrEqual(i95.upper);
    }
    // July 1961 is the summer peak, above every 1960 month but in the same range.
    expect(forecast[6]?.mean).toBeGreaterThan(622);
    expect(forecast[6]?.mean).toBeLessThan(750);
  });

  it("additive intervals follow the ETS(A,A,A) variance: one step ahead is ± z·σ", () => {
    const fit = fitHoltWinters({ series: AIR_PASSENGERS, seasonLength: 12, seasonality: "additive" });
    const [first] = forecastHoltWinters({ fit, horizon: 1, levels: [95] });
    const interval = first?.intervals[0] as { lower: number; upper: number };
    expect((interval.upper - interval.lower) / 2).toBeCloseTo(1.959964 * Math.sqrt(fit.sigma2), 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
  });

  it("back-tests 1960 better than seasonal-naive", () => {
    const result = backtestForecast(AIR_PASSENGERS, 12, "multiplicative", 1, "r-stats");
    expect(result.holtWinters.mape).toBeLessThan(result.seasonalNaive.mape);
    expect(result.relativeMae).toBeLessThan(1);
  });
});

describe("market forecast model", () => {
  const input = (seed: number) => ({
    series: generatePriceSeries({ seed, length: 120 }),
    seasonLength: 12,
    horizon: 6,
  });

  it.each([1, 2, 3])("gives the same output hash for the same input (seed %i)", (seed) => {
    expect(runModel(marketForecastModel, input(seed)).outputHash).toBe(
      runModel(marketForecastModel, input(seed)).outputHash,
    );
  });

  it("picks multiplicative seasonality for generated farm-gate prices and beats seasonal-naive", () => {
    const { output } = runModel(marketForecastModel, input(4));
    expect(output.seasonality).toBe("multiplicative");
    expect(output.forecast).toHaveLength(6);
    expect(output.backtest?.relativeMae).toBeLessThan(1);
  });

  it.each([
    ["$.series", { series: [1, 2, 3], seasonLength: 12, horizon: 3 }],
    ["$.series[2]", { series: [1, 2, Number.NaN, ...Array(30).fill(1)], seasonLength: 12, horizon: 3 }],
    [
      "$.series[0]",
      { series: [0, ...Array(30).fill(1)], seasonLength: 12, horizon: 3, seasonality: "multiplicative" },
    ],
    ["$.seasonLength", { series: Array(30).fill(1), seasonLength: 1, horizon: 3 }],
    ["$.horizon", { series: Array(30).fill(1), seasonLength: 12, horizon: 0 }],
  ])("rejects bad input naming %s", (field, bad) => {
    expect(modelInputField(() => marketForecastModel.run(bad))).toBe(field);
  });
});
