import type { Address } from "viem";
import { riskSignedActionContracts, riskSignedActions } from "../risk/riskSignedActions.js";

/**
 * The EIP-712 actions accounts sign so the hub can relay them to DerivativeMarket and CreditVault, in one table:
 * each action's struct fields (exactly the type strings in the NatSpec of IDerivativeMarket.sol and ICreditVault.sol,
 * enums as uint8), and the contract whose domain and nonces it uses. The use cases verify against it, the GraphQL
 * typed-data queries hand it out, tests and the demo sign it.
 */
export const signedActionContracts = {
  DerivativeMarket: { name: "Caldera Market", version: "1" },
  CreditVault: { name: "Caldera Credit", version: "1" },
} as const;

export type SignedActionContract = keyof typeof signedActionContracts;

const nonceAndDeadline = [
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint256" },
] as const;

export const signedActions = {
  // DerivativeMarket
  LicenceTerms: {
    contract: "DerivativeMarket",
    fields: [
      { name: "derivativeId", type: "uint256" },
      { name: "price", type: "uint256" },
      { name: "mode", type: "uint8" },
      { name: "quantity", type: "uint64" },
      { name: "active", type: "bool" },
      ...nonceAndDeadline,
    ],
  },
  LicencePurchase: {
    contract: "DerivativeMarket",
    fields: [
      { name: "derivativeId", type: "uint256" },
      { name: "licensee", type: "address" },
      { name: "maxPrice", type: "uint256" },
      ...nonceAndDeadline,
    ],
  },
  Adoption: {
    contract: "DerivativeMarket",
    fields: [
      { name: "derivativeId", type: "uint256" },
      { name: "adopter", type: "address" },
      ...nonceAndDeadline,
    ],
  },
  Invocation: {
    contract: "DerivativeMarket",
    fields: [
      { name: "derivativeId", type: "uint256" },
      { name: "enterprise", type: "address" },
      { name: "inputHash", type: "bytes32" },
      ...nonceAndDeadline,
    ],
  },
  PoolFunding: {
    contract: "DerivativeMarket",
    fields: [{ name: "funder", type: "address" }, { name: "amount", type: "uint256" }, ...nonceAndDeadline],
  },
  // CreditVault
  Pledge: {
    contract: "CreditVault",
    fields: [
      { name: "derivativeId", type: "uint256" },
      { name: "borrower", type: "address" },
      ...nonceAndDeadline,
    ],
  },
  Borrow: {
    contract: "CreditVault",
    fields: [{ name: "lineId", type: "uint256" }, { name: "amount", type: "uint256" }, ...nonceAndDeadline],
  },
  Repay: {
    contract: "CreditVault",
    fields: [
      { name: "lineId", type: "uint256" },
      { name: "payer", type: "address" },
      { name: "amount", type: "uint256" },
      ...nonceAndDeadline,
    ],
  },
  Unpledge: {
    contract: "CreditVault",
    fields: [{ name: "lineId", type: "uint256" }, ...nonceAndDeadline],
  },
  Deposit: {
    contract: "CreditVault",
    fields: [{ name: "lender", type: "address" }, { name: "amount", type: "uint256" }, ...nonceAndDeadline],
  },
  Withdrawal: {
    contract: "CreditVault",
    fields: [{ name: "lender", type: "address" }, { name: "shares", type: "uint256" }, ...nonceAndDeadline],
  },
} as const satisfies Record<
  string,
  { contract: SignedActionContract; fields: readonly { name: string; type: string }[] }
>;

export type SignedActionName = keyof typeof signedActions;

/**
 * Every action the hub relays with `prepareSignedAction` / `verifySignedAction`: circulation's, and cross-domain
 * risk's (usecases/risk/riskSignedActions.ts, on RiskFeatureRegistry and MarginVault).
 */
export const relayedActions = { ...signedActions, ...riskSignedActions } as const;
const relayedActionContracts = { ...signedActionContracts, ...riskSignedActionContracts } as const;

export type RelayedActionName = keyof typeof relayedActions;

type SolidityValue<T extends string> = T extends "address"
  ? Address
  : T extends "bytes32"
    ? `0x${string}`
    : T extends "bool"
      ? boolean
      : T extends "uint8" | "uint16" | "uint32"
        ? number
        : T extends "uint32[]"
          ? readonly number[]
          : bigint;

/** An action's message, field by field (uint8 to uint32 as numbers, as viem has them; wider uints as bigints). */
export type SignedActionMessage<N extends RelayedActionName> = {
  [F in (typeof relayedActions)[N]["fields"][number] as F["name"]]: SolidityValue<F["type"]>;
};

/** The message without nonce and deadline: what the action is about, before the hub adds its signer's next nonce. */
export type SignedActionContent<N extends RelayedActionName> = Omit<
  SignedActionMessage<N>,
  "nonce" | "deadline"
>;

export type SignedActionTypedDataParameters<N extends RelayedActionName> = {
  chainId: number;
  /** The deployed contract of the action (its `contract`: DerivativeMarket, CreditVault, RiskFeatureRegistry…). */
  verifyingContract: Address;
  action: N;
  message: SignedActionMessage<N>;
};

/** The EIP-712 typed data of one signed action, for viem's `signTypedData` / `verifyTypedData` / `hashTypedData`. */
export function signedActionTypedData<N extends RelayedActionName>({
  chainId,
  verifyingContract,
  action,
  message,
}: SignedActionTypedDataParameters<N>) {
  const { contract, fields } = relayedActions[action];
  return {
    domain: { ...relayedActionContracts[contract], chainId, verifyingContract },
    types: { [action]: fields } as { [K in N]: (typeof relayedActions)[N]["fields"] },
    primaryType: action,
    message,
  };
}
