import { canonicalHash } from "../canonicalJson.js";
import { ModelInputError } from "../ModelInputError.js";
import { median } from "../median.js";
import type { TelemetryRecord } from "./createKernel.js";

export type EvolutionMetrics = {
  p50LatencyMs: number;
  accuracy: number;
  complianceRate: number;
  invocations: number;
};

export type EvolutionReport = {
  before: EvolutionMetrics;
  after: EvolutionMetrics;
  /** (before − after) / before of p50 latency, in integer basis points (floored; negative when slower). */
  efficiencyImprovementBps: number;
  /** SHA-256 of canonical JSON of both telemetry windows: what the on-chain report commits to. */
  evidenceHash: `0x${string}`;
};

/** Before/after metrics of a component's evolution, computed from telemetry alone. */
export function evolutionReport(
  before: readonly TelemetryRecord[],
  after: readonly TelemetryRecord[],
): EvolutionReport {
  if (before.length === 0) throw new ModelInputError("$.before", "needs at least one telemetry record");
  if (after.length === 0) throw new ModelInputError("$.after", "needs at least one telemetry record");
  const b = metrics(before);
  const a = metrics(after);
  return {
    before: b,
    after: a,
    // Integer arithmetic on microseconds so the bps figure does not depend on float rounding.
    efficiencyImprovementBps: Number(
      floorDiv(
        (BigInt(Math.round(b.p50LatencyMs * 1000)) - BigInt(Math.round(a.p50LatencyMs * 1000))) * 10_000n,
        BigInt(Math.round(b.p50LatencyMs * 1000)),
      ),
    ),
    evidenceHash: canonicalHash({ before, after }),
  };
}

function metrics(records: readonly TelemetryRecord[]): EvolutionMetrics {
  return {
    p50LatencyMs: median(records.map((r) => r.latencyMs)),
    accuracy: records.reduce((s, r) => s + r.accuracy, 0) / records.length,
    complianceRate: records.filter((r) => r.compliant).length / records.length,
    invocations: records.length,
  };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
