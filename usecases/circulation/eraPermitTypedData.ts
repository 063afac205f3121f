import type { Address } from "viem";

/** EraToken's ERC-2612 domain: OpenZeppelin ERC20Permit("Caldera ERA"), version "1". */
export const ERA_PERMIT_DOMAIN = { name: "Caldera ERA", version: "1" } as const;

export const permitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type EraPermitTypedDataParameters = {
  chainId: number;
  /** The EraToken. */
  token: Address;
  owner: Address;
  /** The market or the vault, which then pulls the ERA with `transferFrom`. */
  spender: Address;
  value: bigint;
  /** The owner's next EraToken nonce (`nonces(owner)`: ERA's own sequence, not the market's or the vault's). */
  nonce: bigint;
  deadline: bigint;
};

/**
 * What an owner signs so that a market or vault action pulls its ERA without a separate `approve` transaction: the
 * hub relays the permit inside the action (one transaction, the hub pays the gas).
 */
export function eraPermitTypedData({
  chainId,
  token,
  owner,
  spender,
  value,
  nonce,
  deadline,
}: EraPermitTypedDataParameters) {
  return {
    domain: { ...ERA_PERMIT_DOMAIN, chainId, verifyingContract: token },
    types: permitTypes,
    primaryType: "Permit" as const,
    message: { owner, spender, value, nonce, deadline },
  };
}
