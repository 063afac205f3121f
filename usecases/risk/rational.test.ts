import { describe, expect, it } from "vitest";
import {
  add,
  compare,
  div,
  floor,
  formatRational,
  mul,
  rational,
  rationalFromNumber,
  sub,
} from "./rational.js";

describe("rational", () => {
  it("keeps one reduced form with a positive denominator", () => {
    expect(rational(6n, -4n)).toEqual({ n: -3n, d: 2n });
    expect(rational(0n, 5n)).toEqual({ n: 0n, d: 1n });
    expect(formatRational(add(rational(1n, 3n), rational(1n, 6n)))).toBe("1/2");
    expect(formatRational(mul(rational(2n, 3n), rational(3n, 2n)))).toBe("1");
    expect(formatRational(sub(rational(1n, 3n), rational(1n, 2n)))).toBe("-1/6");
    expect(formatRational(div(rational(1n, 3n), rational(2n, 3n)))).toBe("1/2");
    expect(compare(rational(1n, 3n), rational(333n, 1000n))).toBe(1);
  });

  it("floors towards −∞", () => {
    expect(floor(rational(7n, 2n))).toBe(3n);
    expect(floor(rational(-7n, 2n))).toBe(-4n);
    expect(floor(rational(-4n, 2n))).toBe(-2n);
  });

  it("reads numbers as the decimals they print as", () => {
    expect(rationalFromNumber(6, "t")).toEqual(rational(6n));
    expect(rationalFromNumber(6.5, "t")).toEqual(rational(13n, 2n));
    expect(rationalFromNumber(0.1, "t")).toEqual(rational(1n, 10n));
    expect(rationalFromNumber(1e-7, "t")).toEqual(rational(1n, 10_000_000n));
    expect(rationalFromNumber(1e21, "t")).toEqual(rational(10n ** 21n));
    expect(() => rationalFromNumber(Number.POSITIVE_INFINITY, "t")).toThrow(
      expect.objectContaining({ code: "BAD_USER_INPUT" }),
    );
  });
});
