import { ModelInputError } from "../ModelInputError.js";
import { createKernel, type Kernel, type KernelOptions, type TelemetryRecord } from "./createKernel.js";

/**
 * Rebuilds a kernel from its options and telemetry log, re-deciding every step. Each record must be for the
 * configuration the kernel chose at that step: a log that diverges was not produced by this kernel and seed.
 */
export function replayKernel(options: KernelOptions, log: readonly TelemetryRecord[]): Kernel {
  const kernel = createKernel(options);
  log.forEach((record, i) => {
    const decision = kernel.decide();
    if (decision.configKey !== record.configKey)
      throw new ModelInputError(
        `$.log[${i}].configKey`,
        `is ${record.configKey}, but the kernel chose ${decision.configKey} at step ${i}`,
      );
    kernel.observe(record);
  });
  return kernel;
}
