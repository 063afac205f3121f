import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { hashTypedData, recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import type { CoreClaim } from "../prover/prepareCoreClaim.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import {
  certificationTypedData,
  certificationTypes,
  providerRegistrationTypedData,
  providerRegistrationTypes,
  typedDataToJson,
} from "./certificationTypedData.js";

const registrySource = readFileSync(
  fileURLToPath(new URL("../contracts/src/CoreCertificateRegistry.sol", import.meta.url)),
  "utf8",
);
/** EIP-712 encodeType of a struct without nested structs: `Name(type name,…)`. */
const encodeType = (types: Record<string, readonly { name: string; type: string }[]>, name: string) =>
  `${name}(${(types[name] ?? []).map((f) => `${f.type} ${f.name}`).join(",")})`;

const claim: CoreClaim = {
  domain: 1,
  datasetCommitment: "0x1e3514abe602a68ff01363a124bf91c898ab000f0637a60542d45e6d001ceb56",
  schemaHash: "0x0bb65a92d5c5aad4ddba4a9887fa940a8c7bec6f7f39cad2b0fd7fa035aa3b33",
  minIntegrityBps: 9687,
  minTimelinessBps: 9784,
  minContinuityBps: 9473,
  maxGapSlots: 2,
  deadlineSeconds: 300,
  slotSeconds: 86_400,
  windowStart: 1_700_000_000,
};
const where = { chainId: 31337, registry: "0x9a211741B87738CDC857dfE98f11E44C98C8fd9D" } as const;

describe("certificationTypedData", () => {
  it("declares exactly the registry's EIP-712 types and domain", () => {
    const typeHashes = [...registrySource.matchAll(/keccak256\(\s*"(\w+\([^"]*\))"\s*\)/g)].map((m) => m[1]);
    expect(typeHashes).toContain(encodeType(certificationTypes, "Certification"));
    expect(typeHashes).toContain(encodeType(providerRegistrationTypes, "ProviderRegistration"));
    expect(registrySource).toContain('SignedActions("Caldera Core Certificates", "1")');
  });

  it("goes out as JSON a frontend signs as it arrives, with the signature the hub verifies", async () => {
    const account = privateKeyToAccount(ANVIL_DEV_KEYS[1]);
    const typed = certificationTypedData({
      ...where,
      provider: account.address,
      claim,
      nonce: 3n,
      deadline: 1_900_000_000n,
    });
    const overTheWire = JSON.parse(JSON.stringify(typedDataToJson(typed)));
    expect(overTheWire.message).toMatchObject({
      windowStart: 1_700_000_000,
      nonce: 3,
      deadline: 1_900_000_000,
    });
    expect(overTheWire.domain).toEqual({
      name: "Caldera Core Certificates",
      version: "1",
      chainId: 31337,
      verifyingContract: where.registry,
    });
    // No conversion on the client: viem signs the parsed JSON directly.
    const signature = await account.signTypedData(overTheWire);
    expect(signature).toBe(await account.signTypedData(typed));
    expect(await recoverTypedDataAddress({ ...typed, signature })).toBe(account.address);
  });

  it("changes the digest with every claim field, the nonce and the deadline", () => {
    const base = {
      ...where,
      provider: privateKeyToAccount(ANVIL_DEV_KEYS[1]).address,
      claim,
      nonce: 0n,
      deadline: 1n,
    };
    const digest = hashTypedData(certificationTypedData(base));
    const variants = [
      { ...base, provider: privateKeyToAccount(ANVIL_DEV_KEYS[2]).address },
      { ...base, nonce: 1n },
      { ...base, deadline: 2n },
      { ...base, registry: "0x0000000000000000000000000000000000000001" as const },
      { ...base, chainId: 1 },
      ...Object.entries(claim).map(([key, value]) => ({
        ...base,
        claim: {
          ...claim,
          [key]: typeof value === "number" ? value + 1 : `0x${"12".repeat(32)}`,
        } as CoreClaim,
      })),
    ];
    const digests = variants.map((v) => hashTypedData(certificationTypedData(v)));
    expect(new Set([digest, ...digests]).size).toBe(variants.length + 1);
  });

  it("builds the registration the registry's registerProviderFor checks", async () => {
    const account = privateKeyToAccount(ANVIL_DEV_KEYS[6]);
    const typed = providerRegistrationTypedData({
      ...where,
      provider: account.address,
      name: "Green Valley Farm",
      nonce: 0n,
      deadline: 1_900_000_000n,
    });
    expect(typed.primaryType).toBe("ProviderRegistration");
    const signature = await account.signTypedData(JSON.parse(JSON.stringify(typedDataToJson(typed))));
    expect(await recoverTypedDataAddress({ ...typed, signature })).toBe(account.address);
  });
});
