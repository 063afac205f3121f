import { describe, expect, it } from "vitest";
import { canonicalHash, canonicalJson } from "./canonicalJson.js";

describe("canonicalJson", () => {
  it("sorts keys and drops whitespace so equal values encode equally", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: { z: -0, y: 1.5 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":1.5,"z":0}}',
    );
    expect(canonicalHash({ a: 1, b: 2 })).toBe(canonicalHash({ b: 2, a: 1 }));
  });

  it("refuses non-finite numbers instead of hiding them as null", () => {
    expect(() => canonicalJson({ out: [1, Number.NaN] })).toThrow(/\$\.out\[1\]/);
  });
});
