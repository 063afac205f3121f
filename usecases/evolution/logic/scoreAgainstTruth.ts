import { InvalidModuleError } from "./logicErrors.js";
import type { TimeSeries } from "./timeSeries.js";

export type ScoreAgainstTruthParameters = {
  output: TimeSeries;
  /** The complete series (held-out ground truth) on the same slot grid. */
  truth: TimeSeries;
  /** Absolute tolerance per value. Default: 2% of the truth value's magnitude, at least 0.01. */
  tolerance?: number | undefined;
};

/**
 * Accuracy of a pipeline's output against ground truth: the share of the truth's (slot, channel) values that the
 * output has, at the same `t`, within tolerance. A value the output left missing counts as wrong, so filling a gap
 * well raises accuracy and leaving it open does not. 0..1; a truth without values is INVALID_MODULE at `$.input.truth`.
 */
export function scoreAgainstTruth({ output, truth, tolerance }: ScoreAgainstTruthParameters): number {
  if (tolerance !== undefined && (!Number.isFinite(tolerance) || tolerance < 0))
    throw new InvalidModuleError("$.input.tolerance", "must be a finite number ≥ 0");
  const byT = new Map(output.points.map((point) => [point.t, point.values]));
  let total = 0;
  let within = 0;
  for (const point of truth.points)
    for (const [channel, expected] of Object.entries(point.values)) {
      if (expected === null) continue;
      total++;
      const got = byT.get(point.t)?.[channel];
      const allowed = tolerance ?? Math.max(0.01, Math.abs(expected) * 0.02);
      if (typeof got === "number" && Math.abs(got - expected) <= allowed) within++;
    }
  if (total === 0) throw new InvalidModuleError("$.input.truth", "has no values to score against");
  return within / total;
}
