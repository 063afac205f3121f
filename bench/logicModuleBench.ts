import { createWasmSandbox } from "../usecases/evolution/logic/createWasmSandbox.js";
import agriculturalGapFilling from "../usecases/evolution/logic/modules/agriculturalGapFilling.json" with {
  type: "json",
};
import industrialConditioning from "../usecases/evolution/logic/modules/industrialConditioning.json" with {
  type: "json",
};
import {
  type PipelineModule,
  parseLogicModule,
  type WasmModule,
} from "../usecases/evolution/logic/parseLogicModule.js";
import { runPipeline } from "../usecases/evolution/logic/runPipeline.js";
import { sampleMachineDay } from "../usecases/evolution/logic/sampleMachineDay.js";
import type { BenchSuite } from "./BenchRow.js";
import { medianMs, percentile } from "./measure.js";

/** Hand-assembled (as in createWasmSandbox.test.ts): `run` returns its input; memory max 64 pages. */
const ECHO_WASM =
  "AGFzbQEAAAABDAJgAX8Bf2ACf38BfgMDAgABBQQBAQFABxgDBm1lbW9yeQIABWFsbG9jAAADcnVuAAEKFAIFAEGACAsMACAArUIghiABrYQL";
/** `run` loops forever. */
const LOOP_WASM =
  "AGFzbQEAAAABDAJgAX8Bf2ACf38BfgMDAgABBQQBAQFABxgDBm1lbW9yeQIABWFsbG9jAAADcnVuAAEKEQIFAEGACAsJAANADAALQgAL";

const wasm = (base64: string, limits?: Record<string, number>) =>
  parseLogicModule({
    format: "caldera-logic/v1",
    kind: "wasm",
    name: "bench",
    wasm: base64,
    limits,
  }) as WasmModule;

/**
 * Logic modules (docs/logic-modules.md): the seed's pipelines on a day of machine data (96 slots, 2 channels) in
 * process; a wasm module's round trip through the sandbox worker (JSON in, compile, instantiate, JSON out); and how
 * long past its wall-clock limit an infinite loop is stopped (the worker terminated and replaced). Reported, no
 * targets: the issue sets none.
 */
export const logicModuleBench: BenchSuite = {
  name: "evolution/logic",
  run: async () => {
    const own = parseLogicModule(industrialConditioning) as PipelineModule;
    const absorbed = parseLogicModule(agriculturalGapFilling) as PipelineModule;
    const { reported } = sampleMachineDay();
    const pipelineMs = medianMs(200, () => runPipeline(absorbed, runPipeline(own, reported)));
    const sandbox = createWasmSandbox();
    try {
      const echo = wasm(ECHO_WASM);
      await sandbox.run(echo, reported); // the worker's first start
      const roundTrips: number[] = [];
      for (let i = 0; i < 50; i++) {
        const started = performance.now();
        await sandbox.run(echo, reported);
        roundTrips.push(performance.now() - started);
      }
      const overruns: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await sandbox.run(wasm(LOOP_WASM, { wallClockMs: 100 }), {}).catch(() => {});
        overruns.push(performance.now() - started - 100);
      }
      return [
        {
          row: "seed pipelines (own + absorbed), 96 slots, median",
          target: "report",
          measured: `${pipelineMs.toFixed(2)} ms`,
          met: null,
        },
        {
          row: "wasm sandbox round trip (echo, 96 slots), p50 / p95",
          target: "report",
          measured: `${percentile(roundTrips, 50).toFixed(1)} / ${percentile(roundTrips, 95).toFixed(1)} ms`,
          met: null,
        },
        {
          row: "infinite loop: refused past its 100 ms limit (incl. replacement worker start), median",
          target: "report",
          measured: `${percentile(overruns, 50).toFixed(1)} ms`,
          met: null,
        },
      ];
    } finally {
      await sandbox.terminate();
    }
  },
};
