import { describe, expect, it } from "vitest";
import {
  assessContributions,
  CHARACTERISTIC_FUNCTION,
  type ContributionInput,
} from "./assessContributions.js";

const ERA = 10n ** 18n;
/** The seed's example, as documented in the README ("Collaborative disposal"). */
const caldera: ContributionInput = {
  ecosystemId: 1,
  leadTimeHours: 6,
  lossReductionBps: 6000,
  locatedSource: false,
  role: "ASSISTING",
};
const platform: ContributionInput = {
  ecosystemId: 2,
  leadTimeHours: 6,
  lossReductionBps: 5000,
  locatedSource: true,
  role: "ASSISTING",
};
const affectedL2: ContributionInput = {
  ecosystemId: 3,
  leadTimeHours: 3,
  lossReductionBps: 7000,
  locatedSource: false,
  role: "AFFECTED",
};
const seed = { caseId: 1n, lossAmount: 50_000n * ERA, contributions: [caldera, platform, affectedL2] };

describe("assessContributions (caldera-disposal/v1)", () => {
  it("reproduces the seed exactly: Caldera 4,000 bps, the platform 2,500, the affected L2 3,500, no dust", () => {
    const result = assessContributions(seed);
    expect(result.ecosystemIds).toEqual([1, 2, 3]);
    expect(result.sharesBps).toEqual([4000, 2500, 3500]);
    expect(result.dustBps).toBe(0);
    // v(N) = 5/6 of the loss; Shapley values 1/3, 5/24 and 7/24 of it.
    expect(result.avoidedLoss).toBe("125000000000000000000000/3");
    expect(result.document.shares.map((s) => s.shapleyValue)).toEqual([
      "50000000000000000000000/3",
      "31250000000000000000000/3",
      "43750000000000000000000/3",
    ]);
    expect(result.document.characteristicFunction).toBe(CHARACTERISTIC_FUNCTION);
  });

  it("shares do not depend on the loss amount or the order of contributions; the inputsHash ignores order", () => {
    const a = assessContributions(seed);
    const b = assessContributions({ ...seed, contributions: [affectedL2, caldera, platform] });
    expect(b.sharesBps).toEqual(a.sharesBps);
    expect(b.inputsHash).toBe(a.inputsHash);
    expect(assessContributions({ ...seed, lossAmount: 7n }).sharesBps).toEqual([4000, 2500, 3500]);
    expect(assessContributions({ ...seed, caseId: 2n }).inputsHash).not.toBe(a.inputsHash);
    expect(
      assessContributions({ ...seed, contributions: [caldera, platform, { ...affectedL2, role: undefined }] })
        .inputsHash,
    ).not.toBe(a.inputsHash);
  });

  it("is deterministic", () => {
    expect(assessContributions(seed)).toEqual(assessContributions(seed));
  });

  it("symmetry: two ecosystems with the same inputs get the same share", () => {
    const result = assessContributions({
      ...seed,
      contributions: [caldera, { ...caldera, ecosystemId: 4 }, platform],
    });
    const bps = (id: string) => result.document.shares.find((s) => s.ecosystemId === id)?.shareBps;
    expect(bps("1")).toBe(bps("4"));
    expect(bps("1")).toBeGreaterThan(0);
  });

  it("role is recorded, not weighted", () => {
    const result = assessContributions({
      ...seed,
      contributions: [caldera, platform, { ...affectedL2, role: "ASSISTING" }],
    });
    expect(result.sharesBps).toEqual([4000, 2500, 3500]);
  });

  it("null player: an ecosystem that avoided nothing (no reduction, or no lead time) gets nothing", () => {
    const idle = { ecosystemId: 9, leadTimeHours: 0, lossReductionBps: 8000, locatedSource: false };
    const result = assessContributions({ ...seed, contributions: [...seed.contributions, idle] });
    expect(result.document.shares.find((s) => s.ecosystemId === "9")).toEqual({
      ecosystemId: "9",
      shareBps: 0,
      shapleyValue: "0",
    });
    expect(result.ecosystemIds).toEqual([1, 2, 3]); // the vault refuses zero shares
    expect(result.sharesBps).toEqual([4000, 2500, 3500]);
  });

  it("a second locator of the same source adds nothing beyond the better one (complement, not sum)", () => {
    const result = assessContributions({
      ...seed,
      contributions: [caldera, platform, { ...platform, ecosystemId: 5, lossReductionBps: 2000 }],
    });
    const [, p, weaker] = result.document.shares;
    expect(BigInt(p?.shareBps ?? 0)).toBeGreaterThan(BigInt(weaker?.shareBps ?? 0));
    expect(result.assignedBps + result.dustBps).toBe(10_000);
  });

  it("warnings that together claim more than the whole loss are capped (Σ shares still 10,000 − dust)", () => {
    const result = assessContributions({
      ...seed,
      contributions: [
        { ecosystemId: 1, leadTimeHours: 100, lossReductionBps: 10000, locatedSource: false },
        { ecosystemId: 2, leadTimeHours: 100, lossReductionBps: 10000, locatedSource: false },
      ],
    });
    expect(result.sharesBps).toEqual([5000, 5000]);
  });

  it("refuses malformed input with BAD_USER_INPUT naming the field", () => {
    const bad = (field: string) => expect.objectContaining({ code: "BAD_USER_INPUT", details: { field } });
    expect(() => assessContributions({ ...seed, contributions: [] })).toThrow(bad("contributions"));
    expect(() => assessContributions({ ...seed, contributions: [caldera, caldera] })).toThrow(
      bad("contributions"),
    );
    expect(() => assessContributions({ ...seed, lossAmount: 0n })).toThrow(bad("lossAmount"));
    expect(() => assessContributions({ ...seed, caseId: "01" })).toThrow(bad("caseId"));
    expect(() =>
      assessContributions({ ...seed, contributions: [{ ...caldera, lossReductionBps: 10001 }] }),
    ).toThrow(bad("contributions[0].lossReductionBps"));
    expect(() =>
      assessContributions({ ...seed, contributions: [{ ...caldera, leadTimeHours: -1 }] }),
    ).toThrow(bad("contributions[0].leadTimeHours"));
    expect(() =>
      assessContributions({ ...seed, contributions: [{ ...caldera, leadTimeHours: Number.NaN }] }),
    ).toThrow(bad("contributions[0].leadTimeHours"));
    expect(() => assessContributions({ ...seed, contributions: [{ ...caldera, ecosystemId: 0 }] })).toThrow(
      bad("contributions[0].ecosystemId"),
    );
  });

  it("at most ten ecosystems: ten are shared exactly, eleven are BAD_USER_INPUT", () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({
      ecosystemId: i + 1,
      leadTimeHours: i + 0.5,
      lossReductionBps: 500 + i * 100,
      locatedSource: i === 3,
    }));
    const result = assessContributions({ ...seed, contributions: ten });
    expect(result.assignedBps + result.dustBps).toBe(10_000);
    expect(result.dustBps).toBeLessThan(10);
    expect(() =>
      assessContributions({
        ...seed,
        contributions: [
          ...ten,
          { ecosystemId: 11, leadTimeHours: 1, lossReductionBps: 1, locatedSource: false },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });
});
