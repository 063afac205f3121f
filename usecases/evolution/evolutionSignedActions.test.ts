import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Address, hashTypedData, keccak256, stringToHex, verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import {
  componentRegistryDomain,
  type EvolutionSignedActionName,
  evolutionActionTypedData,
  evolutionSignedActions,
} from "./evolutionSignedActions.js";

const source = (path: string) => {
  const file = fileURLToPath(new URL(`../../contracts/src/${path}`, import.meta.url));
  return existsSync(file) ? readFileSync(file, "utf8").replace(/\s+/g, " ") : "";
};
const names = Object.keys(evolutionSignedActions) as EvolutionSignedActionName[];

/** EIP-712 encodeType: the primary struct, then every referenced struct sorted by name. */
function encodeType(name: EvolutionSignedActionName): string {
  const types = evolutionSignedActions[name].types as Record<
    string,
    readonly { name: string; type: string }[]
  >;
  const struct = (type: string) =>
    `${type}(${(types[type] ?? []).map((f) => `${f.type} ${f.name}`).join(",")})`;
  const referenced = Object.keys(types)
    .filter((t) => t !== name)
    .sort();
  return [name, ...referenced].map(struct).join("");
}

const verifyingContract: Address = "0x9A676e781A523b5d0C0e43731313A708CB607508";

describe("evolutionSignedActions", () => {
  it("declares exactly the type strings of IComponentRegistry's NatSpec, domain Caldera Components 1", () => {
    const documented = source("interfaces/IComponentRegistry.sol");
    for (const name of names) expect(documented, name).toContain(encodeType(name));
    expect(componentRegistryDomain).toEqual({ name: "Caldera Components", version: "1" });
  });

  it("matches ComponentRegistry's TYPEHASH strings once it exists", () => {
    const implementation = source("ComponentRegistry.sol");
    if (implementation === "") return;
    const typeHashes = [
      ...implementation.matchAll(/keccak256\( ?"(\w+\([^"]*\)(?:\w+\([^"]*\))*)" ?\)/g),
    ].map((m) => m[1]);
    for (const name of names) expect(typeHashes, name).toContain(encodeType(name));
  });

  it("signs and verifies the nested Metrics struct (PublishEvolutionReport) as viem encodes it", async () => {
    const account = privateKeyToAccount(ANVIL_DEV_KEYS[6] as `0x${string}`);
    const metrics = (p50: bigint) => ({
      p50LatencyMicros: p50,
      p95LatencyMicros: p50 * 2n,
      accuracyBps: 9_000,
      complianceBps: 10_000,
      invocations: 12,
    });
    const typedData = evolutionActionTypedData({
      chainId: 31337,
      verifyingContract,
      action: "PublishEvolutionReport",
      message: {
        provider: account.address,
        componentId: 3n,
        beforeMetrics: metrics(2_000n),
        afterMetrics: metrics(1_500n),
        efficiencyImprovementBps: 2_500,
        evidenceHash: keccak256(stringToHex("e")),
        decisionLogHash: keccak256(stringToHex("d")),
        logicHash: keccak256(stringToHex("l")),
        nonce: 0n,
        deadline: 1_800_000_000n,
      },
    });
    const signature = await account.signTypedData(typedData);
    expect(await verifyTypedData({ ...typedData, address: account.address, signature })).toBe(true);
    // Another figure, another digest.
    const slower = { ...typedData, message: { ...typedData.message, afterMetrics: metrics(1_600n) } };
    expect(hashTypedData(slower)).not.toBe(hashTypedData(typedData));
  });
});
