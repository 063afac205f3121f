import type { BenchSuite } from "../../bench/BenchRow.js";
import { medianMs } from "../../bench/measure.js";
import { runModel } from "../defineModel.js";
import { generateWeatherSeries } from "./generateWeatherSeries.js";
import { plantingModel } from "./plantingModel.js";

export const plantingBench: BenchSuite = {
  name: "models/planting",
  run: async () => {
    const input = {
      station: { latitudeDeg: 34.7, elevationM: 120, windHeightM: 10 },
      crop: "maize",
      plantingDate: "2026-04-15",
      soil: { fieldCapacity: 0.32, wiltingPoint: 0.15 },
      nutrients: { targetYieldTPerHa: 9, soilTest: { n: 40, p2o5: 30, k2o: 60 } },
      weather: generateWeatherSeries({ seed: 1, latitudeDeg: 34.7, startDate: "2026-04-15", days: 150 }),
    };
    const p50 = medianMs(50, () => runModel(plantingModel, input));
    return [
      {
        row: "planting plan, 150-day season, p50",
        target: "report",
        measured: `${p50.toFixed(2)} ms`,
        met: null,
      },
    ];
  },
};
