import type { Address } from "viem";
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../certificationTypedData.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { readActionNonce } from "./readActionNonce.js";
import {
  type RelayedActionName,
  type SignedActionContent,
  type SignedActionMessage,
  signedActionTypedData,
} from "./signedActionTypedData.js";

export type PrepareSignedActionParameters<N extends RelayedActionName> = {
  hub: Pick<HubServices, "deployment" | "publicClient">;
  action: N;
  /** Who signs: the action's nonce is this account's next one on the action's contract. */
  signer: Address;
  content: SignedActionContent<N>;
  /** Unix seconds; absent, an hour from now on the chain's clock. */
  deadline?: bigint | undefined;
};

export type PrepareSignedActionReturnType<N extends RelayedActionName> = {
  typedData: ReturnType<typeof signedActionTypedData<N>>;
  nonce: bigint;
  deadline: bigint;
  /** The chain's time (`chainNow`) the deadline was checked against. */
  now: bigint;
};

/**
 * The typed data `signer` signs for one market or vault action: the content, its next nonce on that contract and a
 * deadline ahead of the chain's time (BAD_USER_INPUT otherwise). Nothing is sent.
 */
export async function prepareSignedAction<N extends RelayedActionName>({
  hub,
  action,
  signer,
  content,
  deadline,
}: PrepareSignedActionParameters<N>): Promise<PrepareSignedActionReturnType<N>> {
  const { verifyingContract, nonce, now } = await readActionNonce(hub, action, signer);
  if (deadline !== undefined && deadline <= now)
    throw new BadUserInputError("deadline", "must be in the future (the chain's clock)");
  const until = deadline ?? now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
  return {
    typedData: signedActionTypedData({
      chainId: hub.deployment.chainId,
      verifyingContract,
      action,
      message: { ...content, nonce, deadline: until } as SignedActionMessage<N>,
    }),
    nonce,
    deadline: until,
    now,
  };
}
