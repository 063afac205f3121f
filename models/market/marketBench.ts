import type { BenchSuite } from "../../bench/BenchRow.js";
import { medianMs } from "../../bench/measure.js";
import { runModel } from "../defineModel.js";
import { generatePriceSeries } from "./generatePriceSeries.js";
import { marketForecastModel } from "./marketForecastModel.js";

export const marketBench: BenchSuite = {
  name: "models/market",
  run: async () => {
    const input = { series: generatePriceSeries({ seed: 1, length: 120 }), seasonLength: 12, horizon: 12 };
    const p50 = medianMs(10, () => runModel(marketForecastModel, input));
    return [
      {
        row: "market forecast, 10 years monthly (auto, fit + back-test), p50",
        target: "report",
        measured: `${p50.toFixed(0)} ms`,
        met: null,
      },
    ];
  },
};
