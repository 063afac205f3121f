import type { BenchSuite } from "../../bench/BenchRow.js";
import { type Configuration, configKey, createKernel } from "./createKernel.js";
import { simulateComponent } from "./simulateComponent.js";

const tunables = { witnessThreads: [1, 2, 4], batchSize: [1, 4, 8, 16] };

export const kernelBench: BenchSuite = {
  name: "models/kernel",
  run: async () => {
    let hits = 0;
    let decisions = 0;
    const started = performance.now();
    for (let seed = 1; seed <= 50; seed++) {
      // Best arm at (2 threads, batch 8); latency grows with distance from it in both knobs.
      const truth = (c: Configuration) => ({
        logMean:
          Math.log(300) +
          0.2 * Math.abs(Math.log2(Number(c.witnessThreads)) - 1) +
          0.1 * Math.abs(Math.log2(Number(c.batchSize)) - 3),
        logSd: 0.25,
        accuracy: 0.97,
        complianceRate: 0.99,
      });
      const kernel = createKernel({ seed, tunables });
      simulateComponent({ kernel, seed, steps: 600, truth });
      decisions += 600;
      if (configKey(kernel.currentConfig()) === configKey({ batchSize: 8, witnessThreads: 2 })) hits += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    return [
      {
        row: "kernel decisions/s (12 arms, incl. simulation)",
        target: "report",
        measured: (decisions / seconds).toFixed(0),
        met: null,
      },
      {
        row: "kernel best-arm rate over 50 seeds (600 steps)",
        target: "≥ 90%",
        measured: `${hits * 2}%`,
        met: hits >= 45,
      },
    ];
  },
};
