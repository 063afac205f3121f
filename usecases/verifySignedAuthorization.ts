import type { Address, TypedDataDefinition } from "viem";
import type { SignedAuthorization } from "./certificationTypedData.js";
import { NotAuthorizedError } from "./errors.js";
import { fromChainError } from "./fromChainError.js";
import type { HubServices } from "./HubServices.js";

/**
 * The time a contract will see: the later of this machine's clock and the chain's latest block (a dev chain moved
 * forward with `evm_increaseTime` runs ahead of the wall clock). Unix seconds.
 */
export async function chainNow(hub: Pick<HubServices, "publicClient">): Promise<bigint> {
  const block = await hub.publicClient.getBlock({ blockTag: "latest" }).catch((error: unknown) => {
    throw fromChainError(error);
  });
  const wall = BigInt(Math.floor(Date.now() / 1000));
  return block.timestamp > wall ? block.timestamp : wall;
}

export type VerifySignedAuthorizationParameters = {
  hub: Pick<HubServices, "publicClient">;
  /** The account the action is for: an EOA or a contract account (ERC-1271). */
  signer: Address;
  authorization: SignedAuthorization;
  /** The signer's next nonce on the verifying contract. */
  nonce: bigint;
  /** `chainNow`. */
  now: bigint;
  /** The typed data the signer was to sign, for a nonce (and the authorization's deadline). */
  typedDataFor: (nonce: bigint) => TypedDataDefinition;
  /** What the signature authorises, for messages ("this certification"). */
  what: string;
};

/**
 * Checks, before anything is proven or sent, what the contract will check again: the deadline has not passed, and
 * the signature is `signer`'s over the typed data for its next nonce (ECDSA, else ERC-1271 through viem). Throws
 * NOT_AUTHORIZED with `reason` "expired", "replayed" (valid for the nonce before: that signature was used) or
 * "signature" (anything else: another signer, another action, another deadline, a malformed signature).
 */
export async function verifySignedAuthorization({
  hub,
  signer,
  authorization,
  nonce,
  now,
  typedDataFor,
  what,
}: VerifySignedAuthorizationParameters): Promise<void> {
  const { deadline, signature } = authorization;
  if (deadline <= now)
    throw new NotAuthorizedError(
      `The signature for ${what} expired at ${new Date(Number(deadline) * 1000).toISOString()} (deadline ${deadline}); ask for new typed data and sign again`,
      { reason: "expired", deadline: deadline.toString() },
    );
  const validFor = (n: bigint) =>
    hub.publicClient
      .verifyTypedData({ address: signer, ...typedDataFor(n), signature, mode: "eoa" })
      .catch((error: unknown) => {
        throw fromChainError(error);
      });
  if (await validFor(nonce)) return;
  if (nonce > 0n && (await validFor(nonce - 1n)))
    throw new NotAuthorizedError(
      `The signature for ${what} was made for nonce ${nonce - 1n}, which ${signer} has used; its next nonce is ${nonce}: ask for new typed data and sign again`,
      { reason: "replayed", nonce: nonce.toString() },
    );
  throw new NotAuthorizedError(
    `The signature is not ${signer}'s over ${what} with nonce ${nonce} and deadline ${deadline} (same input as the typed data query?)`,
    { reason: "signature", nonce: nonce.toString() },
  );
}
