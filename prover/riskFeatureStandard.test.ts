import { describe, expect, it } from "vitest";
import {
  bucketEdges,
  bucketOf,
  RISK_BUCKET_COUNT,
  RISK_BUCKET_EDGES_BPS,
  RISK_KIND_NAMES,
  RISK_KINDS,
  riskCategoryOf,
  riskKind,
  riskKindNameOf,
  riskKindNumber,
  riskSeverityNumber,
  severityOf,
} from "./riskFeatureStandard.js";

describe("riskFeatureStandard", () => {
  it("lists the kinds in Solidity enum order (NONE = 0 is not a kind) with the design's categories", () => {
    expect(RISK_KINDS.map((k) => [k.number, k.name, k.category])).toEqual([
      [1, "DEFAULT_RATE", "PERFORMANCE"],
      [2, "DELAY_DURATION", "PERFORMANCE"],
      [3, "TAMPERING_FREQUENCY", "DATA"],
      [4, "ANOMALOUS_FLUCTUATION", "DATA"],
      [5, "PRICE_VOLATILITY", "PRICE"],
    ]);
    expect(RISK_KINDS.map((k) => k.defaultThreshold)).toEqual([1, 3600, 1, 2000, 500]);
  });

  it("maps names and numbers both ways", () => {
    for (const name of RISK_KIND_NAMES) expect(riskKindNameOf[riskKindNumber[name]]).toBe(name);
    expect(riskKindNumber.TAMPERING_FREQUENCY).toBe(3);
    expect(riskCategoryOf.PRICE_VOLATILITY).toBe("PRICE");
    expect(riskSeverityNumber.CRITICAL).toBe(4);
    expect(riskKind(2).name).toBe("DELAY_DURATION");
    expect(riskKind("DEFAULT_RATE").number).toBe(1);
  });

  it("refuses NONE and unknown kinds with BAD_USER_INPUT", () => {
    expect(() => riskKind(0)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
    expect(() => riskKind("NONE")).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
    expect(() => riskKind(6)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });

  it("buckets at the edges: lower edge inclusive, upper exclusive, the top bucket includes 10,000", () => {
    expect(RISK_BUCKET_EDGES_BPS).toEqual([0, 100, 500, 2000, 5000, 10000]);
    expect(bucketOf(0, 20)).toBe(0);
    expect(bucketOf(1, 101)).toBe(0); // 99.0 bps
    expect(bucketOf(1, 100)).toBe(1); // exactly 100 bps
    expect(bucketOf(1, 21)).toBe(1); // 476 bps
    expect(bucketOf(1, 20)).toBe(2); // exactly 500 bps
    expect(bucketOf(3, 20)).toBe(2); // 1,500 bps (the proof fixture)
    expect(bucketOf(2, 10)).toBe(3); // exactly 2,000 bps
    expect(bucketOf(1, 2)).toBe(4); // exactly 5,000 bps
    expect(bucketOf(32, 32)).toBe(4); // 10,000 bps: top bucket inclusive
    expect(bucketOf(1, 1)).toBe(4);
  });

  it("agrees with the circuit's inequalities for every count of every n up to 32", () => {
    for (let n = 1; n <= 32; n++)
      for (let count = 0; count <= n; count++) {
        const b = bucketOf(count, n);
        const { lowBps, highBps } = bucketEdges(b);
        expect(count * 10000 >= lowBps * n).toBe(true);
        if (highBps !== 10000) expect(count * 10000 < highBps * n).toBe(true);
      }
  });

  it("refuses counts and sizes the circuit cannot take", () => {
    for (const [count, n] of [
      [-1, 5],
      [6, 5],
      [1, 0],
      [0.5, 2],
    ] as const)
      expect(() => bucketOf(count, n)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });

  it("derives severity from the bucket", () => {
    expect(Array.from({ length: RISK_BUCKET_COUNT }, (_, b) => severityOf(b))).toEqual([
      "INFO",
      "LOW",
      "MEDIUM",
      "HIGH",
      "CRITICAL",
    ]);
    expect(() => severityOf(5)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
    expect(bucketEdges(4)).toEqual({ lowBps: 5000, highBps: 10000 });
  });
});
