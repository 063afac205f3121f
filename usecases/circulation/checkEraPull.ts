import { type Address, type Hex, parseSignature, size, type TypedDataDefinition, zeroHash } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { verifySignedAuthorization } from "../verifySignedAuthorization.js";
import { eraOf, fromChain } from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";
import { eraPermitTypedData } from "./eraPermitTypedData.js";

/** IDerivativeMarket.Permit / ICreditVault.Permit: `deadline == 0` means "no permit, use the allowance". */
export type ContractPermit = { value: bigint; deadline: bigint; v: number; r: Hex; s: Hex };

export const NO_PERMIT: ContractPermit = { value: 0n, deadline: 0n, v: 0, r: zeroHash, s: zeroHash };

export type CheckEraPullParameters = {
  hub: Pick<HubServices, "deployment" | "publicClient">;
  /** Whose ERA the action pulls. */
  owner: Address;
  /** The market or the vault. */
  spender: Address;
  /** What the action will pull. */
  amount: bigint;
  /** The owner's signature over `prepareEraPermit`'s typed data for `permitValue`, if it sent one. */
  permit?: SignedAuthorization | null | undefined;
  /** The value the permit typed data named (the typed-data query's choice, repeated here). */
  permitValue: bigint;
  /** `chainNow`. */
  now: bigint;
};

/**
 * Before an action that pulls ERA is sent: checks the permit, if any, as EraToken will (ECDSA over its next ERA
 * nonce, deadline ahead: NOT_AUTHORIZED otherwise), then that the owner holds `amount` and that the allowance — or
 * the permit, which replaces it — covers it (INSUFFICIENT_FUNDS with `needed`, `available` and `of`: "balance" or "allowance").
 * Returns the permit as the contract takes it.
 */
export async function checkEraPull({
  hub,
  owner,
  spender,
  amount,
  permit,
  permitValue,
  now,
}: CheckEraPullParameters): Promise<ContractPermit> {
  const era = eraOf(hub);
  let contractPermit = NO_PERMIT;
  if (permit) {
    // EraToken (OpenZeppelin ERC20Permit) accepts only a 65-byte ECDSA signature: no ERC-1271 for permits.
    if (size(permit.signature) !== 65)
      throw new BadUserInputError(
        "permit.signature",
        "must be a 65-byte ECDSA signature (ERC-2612 permits have no ERC-1271)",
      );
    const nonce = await fromChain(
      hub.publicClient.readContract({ ...era, functionName: "nonces", args: [owner] }),
    );
    await verifySignedAuthorization({
      hub,
      signer: owner,
      authorization: permit,
      nonce,
      now,
      typedDataFor: (n) =>
        eraPermitTypedData({
          chainId: hub.deployment.chainId,
          token: era.address,
          owner,
          spender,
          value: permitValue,
          nonce: n,
          deadline: permit.deadline,
        }) as unknown as TypedDataDefinition,
      what: `the ERA permit of ${owner} for ${permitValue} wei`,
    });
    const { v, r, s, yParity } = parseSignature(permit.signature);
    contractPermit = {
      value: permitValue,
      deadline: permit.deadline,
      v: Number(v ?? 27n + BigInt(yParity)),
      r,
      s,
    };
  }
  const [balance, allowance] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...era, functionName: "balanceOf", args: [owner] })),
    fromChain(hub.publicClient.readContract({ ...era, functionName: "allowance", args: [owner, spender] })),
  ]);
  if (balance < amount)
    throw circulationError("INSUFFICIENT_FUNDS", `${owner} holds ${balance} ERA wei; this needs ${amount}`, {
      of: "balance",
      needed: amount,
      available: balance,
      account: owner,
    });
  // A permit sets the allowance to its value (ERC-2612 does not add): with one, its value is what can be pulled.
  const covered = permit ? permitValue : allowance;
  if (covered < amount)
    throw circulationError(
      "INSUFFICIENT_FUNDS",
      `${owner} allows ${spender} to pull ${covered} ERA wei; this needs ${amount}: approve it, or sign the permit typed data and send it as \`permit\``,
      { of: "allowance", needed: amount, available: covered, account: owner },
    );
  return contractPermit;
}
