import { describe, expect, it } from "vitest";
import { evolutionReport } from "../../models/kernel/evolutionReport.js";
import { efficiencyImprovementBpsOf, toOnchainMetrics } from "./publishEvolutionReport.js";

describe("publishEvolutionReport's figures", () => {
  it("converts the kernel's metrics to on-chain Metrics: µs, bps (clamped), p95 never below p50", () => {
    expect(
      toOnchainMetrics({ p50LatencyMs: 1_850.4567, accuracy: 0.91234, complianceRate: 1, invocations: 20 }),
    ).toEqual({
      p50LatencyMicros: 1_850_457n,
      p95LatencyMicros: 1_850_457n,
      accuracyBps: 9_123,
      complianceBps: 10_000,
      invocations: 20,
    });
    expect(
      toOnchainMetrics({
        p50LatencyMs: 10,
        p95LatencyMs: 30.0004,
        accuracy: 1.2,
        complianceRate: Number.NaN,
        invocations: 1,
      }),
    ).toMatchObject({ p95LatencyMicros: 30_000n, accuracyBps: 10_000, complianceBps: 0 });
  });

  it("the bps is floored ((before − after) × 10,000 / before), negative when slower — as the kernel's report", () => {
    const m = (p50: bigint) => ({
      p50LatencyMicros: p50,
      p95LatencyMicros: p50,
      accuracyBps: 0,
      complianceBps: 0,
      invocations: 1,
    });
    expect(efficiencyImprovementBpsOf(m(3_000n), m(2_000n))).toBe(3_333);
    expect(efficiencyImprovementBpsOf(m(3_000n), m(4_000n))).toBe(-3_334);
    const record = (latencyMs: number) => ({
      invocationId: String(latencyMs),
      configKey: "k",
      latencyMs,
      accuracy: 1,
      compliant: true,
      at: 1_780_000_000,
    });
    const report = evolutionReport([record(2_800.25)], [record(1_850.5)]);
    expect(efficiencyImprovementBpsOf(toOnchainMetrics(report.before), toOnchainMetrics(report.after))).toBe(
      report.efficiencyImprovementBps,
    );
  });
});
