import { describe, expect, it } from "vitest";
import type { TelemetryRecord } from "./createKernel.js";
import { evolutionReport } from "./evolutionReport.js";

const records = (latencies: number[]): TelemetryRecord[] =>
  latencies.map((latencyMs, i) => ({
    invocationId: `${i}`,
    configKey: "{}",
    latencyMs,
    accuracy: 0.95,
    compliant: i !== 0,
    at: i,
  }));

describe("evolutionReport", () => {
  it("states the p50 latency improvement in exact integer basis points", () => {
    expect(evolutionReport(records([500, 500, 500]), records([350, 350, 350])).efficiencyImprovementBps).toBe(
      3000,
    );
    // 0.2 is not exact in binary floating point; the reward threshold of 2,000 bps must still be met exactly.
    expect(evolutionReport(records([300]), records([240])).efficiencyImprovementBps).toBe(2000);
    expect(evolutionReport(records([300]), records([240.001])).efficiencyImprovementBps).toBe(1999);
    expect(evolutionReport(records([300]), records([330])).efficiencyImprovementBps).toBe(-1000);
  });

  it("reports before/after metrics and a hash of the evidence", () => {
    const report = evolutionReport(records([500, 300, 400, 100]), records([200, 220]));
    expect(report.before).toEqual({
      p50LatencyMs: 350,
      accuracy: 0.95,
      complianceRate: 0.75,
      invocations: 4,
    });
    expect(report.after.p50LatencyMs).toBe(210);
    expect(report.evidenceHash).toBe(
      evolutionReport(records([500, 300, 400, 100]), records([200, 220])).evidenceHash,
    );
    expect(report.evidenceHash).not.toBe(
      evolutionReport(records([500, 300, 400, 101]), records([200, 220])).evidenceHash,
    );
  });

  it("needs telemetry on both sides", () => {
    expect(() => evolutionReport([], records([1]))).toThrow(/before/);
  });
});
