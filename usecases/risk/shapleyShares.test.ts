import { describe, expect, it } from "vitest";
import { add, equals, formatRational, min, type Rational, rational, ZERO } from "./rational.js";
import { MAX_SHAPLEY_PLAYERS, shapleyShares } from "./shapleyShares.js";

const r = (n: number, d = 1) => rational(BigInt(n), BigInt(d));
const members = (mask: number, n: number) =>
  Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i));

/** A game from a table of coalition values by member list, e.g. { "": 0, "0": 1, "0,1": 3 }. */
const weightedMajority = (weights: number[], quota: number) => (mask: number) =>
  members(mask, weights.length).reduce((sum, i) => sum + (weights[i] as number), 0) >= quota ? r(1) : ZERO;

const sum = (values: Rational[]) => values.reduce(add, ZERO);

describe("shapleyShares", () => {
  it("efficiency: Σ φ_i = v(N), and Σ bps + dust = 10,000", () => {
    const v = (mask: number) => {
      const m = members(mask, 4);
      return m.length === 0 ? ZERO : r(m.reduce((s, i) => s + (i + 1) ** 2, 0) + m.length * m.length, 7);
    };
    const result = shapleyShares({ players: ["a", "b", "c", "d"], value: v });
    expect(equals(sum(result.shares.map((s) => s.shapleyValue)), result.grandValue)).toBe(true);
    expect(result.assignedBps + result.dustBps).toBe(10_000);
    expect(result.assignedBps).toBe(result.shares.reduce((s, x) => s + x.shareBps, 0));
  });

  it("symmetry: interchangeable players get equal values (glove game: one left glove, two right)", () => {
    // v(S) = min(#left, #right) pairs; player 0 holds the left glove.
    const v = (mask: number) => {
      const m = members(mask, 3);
      return min(r(m.filter((i) => i === 0).length), r(m.filter((i) => i !== 0).length));
    };
    const { shares } = shapleyShares({ players: ["L", "R1", "R2"], value: v });
    expect(shares.map((s) => formatRational(s.shapleyValue))).toEqual(["2/3", "1/6", "1/6"]);
    expect(shares.map((s) => s.shareBps)).toEqual([6666, 1666, 1666]);
  });

  it("null player: one adding nothing to any coalition gets 0", () => {
    const v = (mask: number) => (mask & 0b011 ? r(members(mask & 0b011, 2).length * 5) : ZERO);
    const { shares, dustBps } = shapleyShares({ players: ["a", "b", "null"], value: v });
    expect(shares[2]?.shapleyValue).toEqual(ZERO);
    expect(shares[2]?.shareBps).toBe(0);
    expect(shares.map((s) => s.shareBps)).toEqual([5000, 5000, 0]);
    expect(dustBps).toBe(0);
  });

  it("additivity: φ(v + w) = φ(v) + φ(w)", () => {
    const v = weightedMajority([3, 2, 1], 4);
    const w = (mask: number) => r(members(mask, 3).length ** 2, 3);
    const both = (mask: number) => add(v(mask), w(mask));
    const players = ["x", "y", "z"];
    const pv = shapleyShares({ players, value: v }).shares;
    const pw = shapleyShares({ players, value: w }).shares;
    const pvw = shapleyShares({ players, value: both }).shares;
    for (let i = 0; i < 3; i++)
      expect(
        equals(
          pvw[i]?.shapleyValue as Rational,
          add(pv[i]?.shapleyValue as Rational, pw[i]?.shapleyValue as Rational),
        ),
      ).toBe(true);
    // The weighted-majority game [4; 3, 2, 1]: x is pivotal in 4 of 6 orders, y and z in 1 each.
    expect(pv.map((s) => formatRational(s.shapleyValue))).toEqual(["2/3", "1/6", "1/6"]);
  });

  it("floors to bps and reports the remainder as dust, never giving it to anyone", () => {
    const v = (mask: number) => r(members(mask, 3).length); // additive: 1/3 each
    const result = shapleyShares({ players: ["a", "b", "c"], value: v });
    expect(result.shares.map((s) => s.shareBps)).toEqual([3333, 3333, 3333]);
    expect(result.dustBps).toBe(1);
  });

  it("v(N) = 0: no one gets a share, all 10,000 bps are unassigned", () => {
    const result = shapleyShares({ players: ["a", "b"], value: () => ZERO });
    expect(result.shares.map((s) => s.shareBps)).toEqual([0, 0]);
    expect(result.dustBps).toBe(10_000);
  });

  it("takes up to ten players (exactly) and refuses eleven with BAD_USER_INPUT", () => {
    const players = Array.from({ length: MAX_SHAPLEY_PLAYERS }, (_, i) => `p${i}`);
    const v = (mask: number) => r(members(mask, 10).reduce((s, i) => s + i + 1, 0) ** 2);
    const result = shapleyShares({ players, value: v });
    expect(equals(sum(result.shares.map((s) => s.shapleyValue)), result.grandValue)).toBe(true);
    expect(() => shapleyShares({ players: [...players, "p10"], value: v })).toThrow(
      expect.objectContaining({ code: "BAD_USER_INPUT" }),
    );
  });

  it("refuses no players, repeated players, and v(∅) ≠ 0", () => {
    const bad = expect.objectContaining({ code: "BAD_USER_INPUT" });
    expect(() => shapleyShares({ players: [], value: () => ZERO })).toThrow(bad);
    expect(() => shapleyShares({ players: ["a", "a"], value: () => ZERO })).toThrow(bad);
    expect(() => shapleyShares({ players: ["a"], value: () => r(1) })).toThrow(bad);
  });

  it("is deterministic: the same game twice gives identical values", () => {
    const v = weightedMajority([5, 4, 3, 2, 1], 8);
    const players = ["a", "b", "c", "d", "e"];
    const once = shapleyShares({ players, value: v });
    const twice = shapleyShares({ players, value: v });
    expect(twice).toEqual(once);
  });
});
