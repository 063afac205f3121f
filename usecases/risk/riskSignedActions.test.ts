import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type Address,
  concat,
  encodeAbiParameters,
  encodePacked,
  type Hex,
  hashTypedData,
  keccak256,
  parseAbiParameters,
  stringToHex,
  type TypedDataDefinition,
} from "viem";
import { describe, expect, it } from "vitest";
import { signedActionTypedData } from "../circulation/signedActionTypedData.js";
import {
  type RiskSignedActionName,
  riskSignedActionContracts,
  riskSignedActions,
} from "./riskSignedActions.js";

const source = (path: string) => {
  const file = fileURLToPath(new URL(`../../contracts/src/${path}`, import.meta.url));
  return existsSync(file) ? readFileSync(file, "utf8").replace(/\s+/g, " ") : "";
};
const names = Object.keys(riskSignedActions) as RiskSignedActionName[];
const encodeType = (name: RiskSignedActionName) =>
  `${name}(${riskSignedActions[name].fields.map((f) => `${f.type} ${f.name}`).join(",")})`;

const chainId = 31337;
const verifyingContract: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const provider: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const root: Hex = keccak256(stringToHex("evidence"));

describe("riskSignedActions", () => {
  it("declares exactly the type strings of IRiskFeatureRegistry's and IMarginVault's NatSpec", () => {
    const documented = `${source("interfaces/IRiskFeatureRegistry.sol")} ${source("interfaces/IMarginVault.sol")}`;
    for (const name of names) expect(documented, name).toContain(encodeType(name));
    expect(riskSignedActionContracts).toEqual({
      RiskFeatureRegistry: { name: "Caldera Risk", version: "1" },
      MarginVault: { name: "Caldera Margin", version: "1" },
    });
  });

  it("matches the implementations' TYPEHASH strings once they exist", () => {
    for (const contract of ["RiskFeatureRegistry", "MarginVault"] as const) {
      const implementation = source(`${contract}.sol`);
      if (implementation === "") continue;
      const typeHashes = [...implementation.matchAll(/keccak256\( ?"(\w+\([^"]*\))" ?\)/g)].map((m) => m[1]);
      for (const name of names)
        if (riskSignedActions[name].contract === contract)
          expect(typeHashes, `${contract}: ${name}`).toContain(encodeType(name));
    }
  });

  it("hashes a uint32[] (SetServedEcosystems) as MarginVault does: keccak256(abi.encodePacked(ids))", () => {
    const ecosystemIds = [2, 5, 7];
    const typed = signedActionTypedData({
      chainId,
      verifyingContract,
      action: "SetServedEcosystems",
      message: { provider, ecosystemIds, nonce: 3n, deadline: 1_900_000_000n },
    });
    const structHash = keccak256(
      encodeAbiParameters(parseAbiParameters("bytes32, address, bytes32, uint256, uint256"), [
        keccak256(stringToHex(encodeType("SetServedEcosystems"))),
        provider,
        keccak256(encodePacked(["uint32[]"], [ecosystemIds])),
        3n,
        1_900_000_000n,
      ]),
    );
    const domainSeparator = keccak256(
      encodeAbiParameters(parseAbiParameters("bytes32, bytes32, bytes32, uint256, address"), [
        keccak256(
          stringToHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
        ),
        keccak256(stringToHex("Caldera Margin")),
        keccak256(stringToHex("1")),
        BigInt(chainId),
        verifyingContract,
      ]),
    );
    expect(hashTypedData(typed as unknown as TypedDataDefinition)).toBe(
      keccak256(concat(["0x1901", domainSeparator, structHash])),
    );
  });

  it('hashes PublishFeature as abi.encode(TYPEHASH, claim, nonce, deadline) in the "Caldera Risk" domain', () => {
    const claim = {
      subject: provider,
      ecosystemId: 2,
      kind: 1,
      bucket: 3,
      windowStart: 1_700_000_000n,
      windowEnd: 1_700_086_400n,
      threshold: 1,
      recordCount: 10,
      evidenceRoot: root,
    };
    const typed = signedActionTypedData({
      chainId,
      verifyingContract,
      action: "PublishFeature",
      message: { ...claim, nonce: 0n, deadline: 1_900_000_000n },
    });
    expect(typed.domain).toEqual({ name: "Caldera Risk", version: "1", chainId, verifyingContract });
    const structHash = keccak256(
      encodeAbiParameters(
        parseAbiParameters(
          "bytes32, address, uint32, uint8, uint8, uint64, uint64, uint32, uint16, bytes32, uint256, uint256",
        ),
        [
          keccak256(stringToHex(encodeType("PublishFeature"))),
          ...Object.values(claim),
          0n,
          1_900_000_000n,
        ] as never,
      ),
    );
    const { domain } = typed;
    const domainSeparator = keccak256(
      encodeAbiParameters(parseAbiParameters("bytes32, bytes32, bytes32, uint256, address"), [
        keccak256(
          stringToHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
        ),
        keccak256(stringToHex(domain.name)),
        keccak256(stringToHex(domain.version)),
        BigInt(chainId),
        verifyingContract,
      ]),
    );
    expect(hashTypedData(typed as unknown as TypedDataDefinition)).toBe(
      keccak256(concat(["0x1901", domainSeparator, structHash])),
    );
  });
});
