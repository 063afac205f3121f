import { createPrng } from "../createPrng.js";
import type { Configuration, Kernel, TelemetryRecord } from "./createKernel.js";

/** Ground truth of one configuration in a simulated component. */
export type ArmTruth = { logMean: number; logSd: number; accuracy: number; complianceRate: number };

export type SimulateComponentParameters = {
  kernel: Kernel;
  seed: number;
  steps: number;
  /** Truth per configuration; may change with the step (drift). */
  truth: (config: Configuration, step: number) => ArmTruth;
};

export type SimulateComponentReturnType = { log: TelemetryRecord[]; regret: number[] };

/**
 * Runs a kernel against a seeded simulated component: each step the kernel decides, the simulator draws the
 * invocation's latency (log-normal), accuracy and compliance from the chosen arm's truth, and the kernel observes
 * it. Regret per step = expected latency of the choice − that of the best feasible arm at that step.
 */
export function simulateComponent({
  kernel,
  seed,
  steps,
  truth,
}: SimulateComponentParameters): SimulateComponentReturnType {
  const prng = createPrng(seed ^ 0x5eed);
  const log: TelemetryRecord[] = [];
  const regret: number[] = [];
  const expected = (t: ArmTruth) => Math.exp(t.logMean + t.logSd ** 2 / 2);
  const configOf = new Map(kernel.arms.map((arm) => [arm.key, arm.config]));
  for (let step = 0; step < steps; step++) {
    const { configKey } = kernel.decide();
    const t = truth(configOf.get(configKey) as Configuration, step);
    const record: TelemetryRecord = {
      invocationId: `sim-${step}`,
      configKey,
      latencyMs: Math.exp(prng.normal(t.logMean, t.logSd)),
      accuracy: Math.min(1, Math.max(0, t.accuracy + prng.normal(0, 0.01))),
      compliant: prng.next() < t.complianceRate,
      at: 1_800_000_000 + step,
    };
    kernel.observe(record);
    log.push(record);
    const feasible = kernel.arms
      .map((arm) => truth(arm.config, step))
      .filter((a) => a.accuracy >= 0.9 && a.complianceRate >= 0.95);
    regret.push(expected(t) - Math.min(...feasible.map(expected)));
  }
  return { log, regret };
}
