import { keccak256, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { faultInvocationHashes } from "./faultInvocationHashes.js";

describe("faultInvocationHashes", () => {
  it("hashes the readings and the result as the documented canonical JSON, so anyone can recompute them", () => {
    const readings = [
      { temperatureC: 61.25, at: 1_780_000_000 },
      { at: 1_780_000_600, temperatureC: -0 },
    ];
    const { inputHash, resultHash } = faultInvocationHashes({
      readings,
      result: { warning: true, probability: 0.5 },
    });
    // Keys sorted, no whitespace, -0 as 0: the string a client in any language can build.
    expect(inputHash).toBe(
      keccak256(stringToHex('[{"at":1780000000,"temperatureC":61.25},{"at":1780000600,"temperatureC":0}]')),
    );
    expect(resultHash).toBe(keccak256(stringToHex('{"probability":0.5,"warning":true}')));
  });

  it("changes with any reading, and with their order", () => {
    const a = [
      { at: 1, temperatureC: 20 },
      { at: 2, temperatureC: 21 },
    ];
    const base = faultInvocationHashes({ readings: a }).inputHash;
    expect(
      faultInvocationHashes({ readings: [a[0], { at: 2, temperatureC: 21.000001 }] as never }).inputHash,
    ).not.toBe(base);
    expect(faultInvocationHashes({ readings: [...a].reverse() }).inputHash).not.toBe(base);
    expect(faultInvocationHashes({ readings: a }).resultHash).toBeUndefined();
  });
});
