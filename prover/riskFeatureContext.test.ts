import { concat, keccak256, pad, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { SNARK_SCALAR_FIELD } from "./coreDataset.js";
import { riskFeatureContext } from "./riskFeatureContext.js";

const base = {
  chainId: 31337,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  ecosystemId: 1,
  kind: 1,
} as const;

describe("riskFeatureContext", () => {
  it("is keccak256 of abi.encode(chainId, registry, ecosystemId, kind) — four 32-byte words — mod p", () => {
    const words = concat([
      pad(toHex(31337)),
      pad(base.registry.toLowerCase() as `0x${string}`),
      pad(toHex(1)),
      pad(toHex(1)),
    ]);
    expect(riskFeatureContext(base)).toBe(BigInt(keccak256(words)) % SNARK_SCALAR_FIELD);
  });

  it("differs for another chain, registry, ecosystem or kind, and stays below p", () => {
    const contexts = [
      base,
      { ...base, chainId: 1 },
      { ...base, registry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as const },
      { ...base, ecosystemId: 2 },
      { ...base, kind: 2 },
    ].map(riskFeatureContext);
    expect(new Set(contexts).size).toBe(contexts.length);
    for (const context of contexts) expect(context < SNARK_SCALAR_FIELD).toBe(true);
  });
});
