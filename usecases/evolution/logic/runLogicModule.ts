import type { WasmSandbox } from "./createWasmSandbox.js";
import type { LogicModule } from "./parseLogicModule.js";
import { runPipeline } from "./runPipeline.js";
import { parseTimeSeries, type TimeSeries } from "./timeSeries.js";

/**
 * Runs one parsed logic module on a time series: a pipeline in-process (pure operators), a wasm module in the
 * sandbox (its output must again be a time series, else INVALID_MODULE at `$.output`).
 */
export async function runLogicModule(
  module: LogicModule,
  series: TimeSeries,
  { sandbox }: { sandbox: () => WasmSandbox },
): Promise<TimeSeries> {
  if (module.kind === "pipeline") return runPipeline(module, series);
  // Asked for only here: a hub that runs only pipelines never starts a sandbox worker.
  return parseTimeSeries(await sandbox().run(module, series), "$.output");
}
