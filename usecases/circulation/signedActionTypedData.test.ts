import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type Address,
  concat,
  encodeAbiParameters,
  type Hex,
  hashTypedData,
  keccak256,
  parseAbiParameters,
  recoverTypedDataAddress,
  stringToHex,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { typedDataToJson } from "../certificationTypedData.js";
import {
  type SignedActionMessage,
  type SignedActionName,
  signedActionContracts,
  signedActions,
  signedActionTypedData,
} from "./signedActionTypedData.js";

const source = (path: string) => {
  const file = fileURLToPath(new URL(`../../contracts/src/${path}`, import.meta.url));
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
};
const interfaces = {
  DerivativeMarket: source("interfaces/IDerivativeMarket.sol") ?? "",
  CreditVault: source("interfaces/ICreditVault.sol") ?? "",
};

/** EIP-712 encodeType of a struct without nested structs: `Name(type name,…)`. */
const encodeType = (name: SignedActionName) =>
  `${name}(${signedActions[name].fields.map((f) => `${f.type} ${f.name}`).join(",")})`;

const chainId = 31337;
const verifyingContract: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const someone: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const deadline = 1_900_000_000n;

/** One message per action, every field set to a distinct value. */
const messages: { [N in SignedActionName]: SignedActionMessage<N> } = {
  LicenceTerms: {
    derivativeId: 7n,
    price: 25n * 10n ** 18n,
    mode: 2,
    quantity: 2_592_000n,
    active: true,
    nonce: 3n,
    deadline,
  },
  LicencePurchase: { derivativeId: 7n, licensee: someone, maxPrice: 30n * 10n ** 18n, nonce: 0n, deadline },
  Adoption: { derivativeId: 7n, adopter: someone, nonce: 1n, deadline },
  Invocation: {
    derivativeId: 9n,
    enterprise: someone,
    inputHash: keccak256(stringToHex("[]")),
    nonce: 2n,
    deadline,
  },
  PoolFunding: { funder: someone, amount: 10n ** 21n, nonce: 4n, deadline },
  Pledge: { derivativeId: 7n, borrower: someone, nonce: 0n, deadline },
  Borrow: { lineId: 1n, amount: 5n * 10n ** 20n, nonce: 1n, deadline },
  Repay: { lineId: 1n, payer: someone, amount: 6n * 10n ** 20n, nonce: 2n, deadline },
  Unpledge: { lineId: 1n, nonce: 3n, deadline },
  Deposit: { lender: someone, amount: 10n ** 22n, nonce: 0n, deadline },
  Withdrawal: { lender: someone, shares: 10n ** 21n, nonce: 1n, deadline },
};

/** The digest exactly as the contracts build it: keccak256(abi.encode(TYPEHASH, fields…)) under the domain separator. */
function solidityDigest(name: SignedActionName): Hex {
  const { contract, fields } = signedActions[name];
  const message = messages[name] as Record<string, unknown>;
  const structHash = keccak256(
    encodeAbiParameters(parseAbiParameters(["bytes32", ...fields.map((f) => f.type)].join(", ")), [
      keccak256(stringToHex(encodeType(name))),
      ...fields.map((f) => message[f.name]),
    ] as never),
  );
  const { name: domainName, version } = signedActionContracts[contract];
  const domainSeparator = keccak256(
    encodeAbiParameters(parseAbiParameters("bytes32, bytes32, bytes32, uint256, address"), [
      keccak256(
        stringToHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
      ),
      keccak256(stringToHex(domainName)),
      keccak256(stringToHex(version)),
      BigInt(chainId),
      verifyingContract,
    ]),
  );
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
}

const typedDataOf = (name: SignedActionName) =>
  signedActionTypedData({ chainId, verifyingContract, action: name, message: messages[name] as never });

describe("signedActionTypedData", () => {
  it("declares exactly the type strings of the interfaces' NatSpec, in their contract's domain", () => {
    const documented = (text: string) => [...text.matchAll(/^\s*\/\/\/\s+(\w+\([^)]*\))/gm)].map((m) => m[1]);
    for (const name of Object.keys(signedActions) as SignedActionName[]) {
      const { contract } = signedActions[name];
      expect(documented(interfaces[contract]), `${name} in I${contract}.sol`).toContain(encodeType(name));
    }
    expect(interfaces.DerivativeMarket).toContain('EIP-712 domain name "Caldera Market", version "1"');
    expect(interfaces.CreditVault).toContain('EIP-712 domain name "Caldera Credit", version "1"');
    expect(signedActionContracts).toEqual({
      DerivativeMarket: { name: "Caldera Market", version: "1" },
      CreditVault: { name: "Caldera Credit", version: "1" },
    });
  });

  it("matches the implementations' TYPEHASH strings once they exist", () => {
    for (const contract of ["DerivativeMarket", "CreditVault"] as const) {
      const implementation = source(`${contract}.sol`);
      if (implementation === undefined) continue;
      const typeHashes = [
        ...implementation.replace(/\s+/g, " ").matchAll(/keccak256\( ?"(\w+\([^"]*\))" ?\)/g),
      ].map((m) => m[1]);
      for (const name of Object.keys(signedActions) as SignedActionName[])
        if (signedActions[name].contract === contract)
          expect(typeHashes, `${contract}: ${name}`).toContain(encodeType(name));
    }
  });

  it.each(Object.keys(signedActions) as SignedActionName[])(
    "hashes %s as the contract does (abi.encode of every field under its domain separator)",
    (name) => {
      expect(hashTypedData(typedDataOf(name) as unknown as TypedDataDefinition)).toBe(solidityDigest(name));
    },
  );

  it("goes out as JSON a wallet signs as it arrives, and the signature recovers to the signer", async () => {
    const account = privateKeyToAccount(ANVIL_DEV_KEYS[2]);
    const typed = typedDataOf("LicencePurchase");
    const overTheWire = JSON.parse(JSON.stringify(typedDataToJson(typed)));
    expect(overTheWire.domain).toEqual({ name: "Caldera Market", version: "1", chainId, verifyingContract });
    expect(overTheWire.message).toMatchObject({ derivativeId: 7, nonce: 0, deadline: 1_900_000_000 });
    // 30 ERA is beyond 2^53: a decimal string, which viem also accepts for a uint256.
    expect(overTheWire.message.maxPrice).toBe("30000000000000000000");
    const signature = await account.signTypedData(overTheWire);
    expect(await recoverTypedDataAddress({ ...(typed as unknown as TypedDataDefinition), signature })).toBe(
      account.address,
    );
  });

  it("binds each signature to its contract and chain: the same message elsewhere is another digest", () => {
    const here = hashTypedData(typedDataOf("Deposit") as unknown as TypedDataDefinition);
    const otherChain = signedActionTypedData({
      chainId: 1,
      verifyingContract,
      action: "Deposit",
      message: messages.Deposit,
    });
    const otherVault = signedActionTypedData({
      chainId,
      verifyingContract: someone,
      action: "Deposit",
      message: messages.Deposit,
    });
    expect(hashTypedData(otherChain as unknown as TypedDataDefinition)).not.toBe(here);
    expect(hashTypedData(otherVault as unknown as TypedDataDefinition)).not.toBe(here);
  });
});
