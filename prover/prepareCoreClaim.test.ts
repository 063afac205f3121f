import { describe, expect, it } from "vitest";
import { type CoreThresholds, prepareCoreClaim } from "./prepareCoreClaim.js";

/** The seed floors of DerivationRules (both domains). */
const floors: CoreThresholds = {
  minIntegrityBps: 5_000,
  minTimelinessBps: 5_000,
  minContinuityBps: 5_000,
  maxGapSlots: 48,
};

/** 96 slots of 900 s from t = 1,700,000,000; `present` slots have a reading delivered 30 s after it was taken. */
function dataset(present: (slot: number) => boolean, late: (slot: number) => boolean = () => false) {
  const windowStart = 1_700_000_000;
  const readings = Array.from({ length: 96 }, (_, i) => i)
    .filter(present)
    .map((i) => ({
      observedAt: windowStart + i * 900,
      deliveredAt: windowStart + i * 900 + (late(i) ? 3_600 : 30),
      value: 20 + i / 10,
    }));
  return { windowStart, slotSeconds: 900, deadlineSeconds: 600, readings };
}

const below = (attribute: string, value: number, floor: number, source: string) =>
  expect.objectContaining({ code: "BELOW_FLOOR", details: { attribute, value, floor, source, domain: 1 } });

describe("prepareCoreClaim with certification floors", () => {
  it("keeps defaults that meet the floors at what the data achieves", () => {
    const { claim } = prepareCoreClaim({ dataset: dataset((i) => i !== 3), domain: 1, floors });
    expect(claim).toMatchObject({
      minIntegrityBps: 9895,
      minTimelinessBps: 10_000,
      minContinuityBps: 9789,
      maxGapSlots: 1,
    });
  });

  it("accepts thresholds exactly at the floors", () => {
    const { claim } = prepareCoreClaim({
      dataset: dataset(() => true),
      domain: 1,
      floors,
      thresholds: {
        minIntegrityBps: 5_000,
        minTimelinessBps: 5_000,
        minContinuityBps: 5_000,
        maxGapSlots: 48,
      },
    });
    expect(claim).toMatchObject({ minIntegrityBps: 5_000, maxGapSlots: 48 });
  });

  it.each([
    [{ minIntegrityBps: 4_999 }, "integrityBps", 4_999, 5_000],
    [{ minTimelinessBps: 0 }, "timelinessBps", 0, 5_000],
    [{ minContinuityBps: 4_000 }, "continuityBps", 4_000, 5_000],
    [{ maxGapSlots: 49 }, "maxGapSlots", 49, 48],
  ])("refuses a requested %j below the floor, whatever the data", (thresholds, attribute, value, floor) => {
    expect(() => prepareCoreClaim({ dataset: dataset(() => true), domain: 1, floors, thresholds })).toThrow(
      below(attribute, value, floor, "requested"),
    );
  });

  it("refuses a dataset whose data achieves less than a floor (10 readings of 96)", () => {
    expect(() => prepareCoreClaim({ dataset: dataset((i) => i < 10), domain: 1, floors })).toThrow(
      below("integrityBps", 1_041, 5_000, "data"),
    );
  });

  it("refuses data whose longest gap is beyond the floor's maximum", () => {
    // 47 present slots, then 49 missing: integrity 4,895 is also below, but the gap is named when it is the only one.
    const gapOnly = { ...floors, minIntegrityBps: 0, minContinuityBps: 0 };
    expect(() => prepareCoreClaim({ dataset: dataset((i) => i < 47), domain: 1, floors: gapOnly })).toThrow(
      below("maxGapSlots", 49, 48, "data"),
    );
  });

  it("refuses timeliness achieved below the floor even when integrity is fine", () => {
    expect(() =>
      prepareCoreClaim({
        dataset: dataset(
          () => true,
          (i) => i % 2 === 0,
        ),
        domain: 1,
        floors: { ...floors, minTimelinessBps: 6_000 },
      }),
    ).toThrow(below("timelinessBps", 5_000, 6_000, "data"));
  });

  it("checks the floors before the data: THRESHOLD_NOT_MET only for requests above both", () => {
    expect(() =>
      prepareCoreClaim({
        dataset: dataset((i) => i !== 3),
        domain: 1,
        floors,
        thresholds: { minIntegrityBps: 10_000 },
      }),
    ).toThrow(expect.objectContaining({ code: "THRESHOLD_NOT_MET" }));
  });

  it("applies no floor when none is given (the fixtures and the bench's bare proofs)", () => {
    const { claim } = prepareCoreClaim({ dataset: dataset((i) => i < 10), domain: 1 });
    expect(claim.minIntegrityBps).toBe(1_041);
  });
});
