import type { BenchSuite } from "../../bench/BenchRow.js";
import { runModel } from "../defineModel.js";
import { faultWarningModel } from "./faultWarningModel.js";
import { generateEquipmentSeries } from "./generateEquipmentSeries.js";

export const faultBench: BenchSuite = {
  name: "models/fault",
  run: async () => {
    const input = { ...generateEquipmentSeries({ seed: 1, machines: 5, days: 30 }), seed: 1 };
    const started = performance.now();
    const { output } = runModel(faultWarningModel, input);
    const ms = performance.now() - started;
    return [
      {
        row: "fault model training, 5 machines × 30 days at 10 min",
        target: "report",
        measured: `${ms.toFixed(0)} ms`,
        met: null,
      },
      {
        row: "fault model held-out F1 vs majority baseline",
        target: "> baseline",
        measured: `${output.metrics.model.f1} vs ${output.metrics.majorityBaseline.f1}`,
        met: (output.metrics.model.f1 ?? 0) > (output.metrics.majorityBaseline.f1 ?? 0),
      },
    ];
  },
};
