import { ModelInputError } from "../ModelInputError.js";
import { createKernel, type Kernel, type KernelOptions, type TelemetryRecord } from "./createKernel.js";

/**
 * A telemetry record as a live component logs it. Where decisions and observations interleave (several
 * invocations in flight: decide, decide, observe, …), `observedAfter` says how many decisions the kernel had made
 * when this record was observed, and `decisionStep` which decision it answers.
 */
export type ReplayRecord = TelemetryRecord & { observedAfter?: number; decisionStep?: number };

/**
 * Rebuilds a kernel from its options and telemetry log, re-deciding every step.
 *
 * Without `observedAfter` the log is strictly sequential: each record must be for the configuration the kernel chose
 * at that step. With `observedAfter` on every record (in the order they were observed), the replay makes decisions
 * until it has made `observedAfter` of them, then observes the record, and so on; a record's `decisionStep` must name
 * a decision for the same configuration. Decisions whose invocation was never observed (refused as bad input, or in
 * flight when the process stopped) are re-decided all the same, so the seeded draws stay aligned. A log that
 * diverges was not produced by this kernel and seed.
 */
export function replayKernel(options: KernelOptions, log: readonly ReplayRecord[]): Kernel {
  const kernel = createKernel(options);
  const interleaved = log.length > 0 && log.every((record) => record.observedAfter !== undefined);
  if (!interleaved) {
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
  log.forEach((record, i) => {
    const after = record.observedAfter as number;
    if (!Number.isSafeInteger(after) || after < 0)
      throw new ModelInputError(
        `$.log[${i}].observedAfter`,
        `must be a whole number, 0 or more, not ${after}`,
      );
    if (after < kernel.trace().length)
      throw new ModelInputError(
        `$.log[${i}].observedAfter`,
        `is ${after}, but the records before it took the replay to ${kernel.trace().length} decisions: records must be in observation order`,
      );
    while (kernel.trace().length < after) kernel.decide();
    const step = record.decisionStep;
    if (step !== undefined) {
      const decision = kernel.trace()[step];
      if (decision === undefined || step >= after)
        throw new ModelInputError(
          `$.log[${i}].decisionStep`,
          `is ${step}, but only ${after} decision(s) had been made when it was observed`,
        );
      if (decision.configKey !== record.configKey)
        throw new ModelInputError(
          `$.log[${i}].configKey`,
          `is ${record.configKey}, but the kernel chose ${decision.configKey} at step ${step}`,
        );
    }
    kernel.observe(record);
  });
  return kernel;
}
