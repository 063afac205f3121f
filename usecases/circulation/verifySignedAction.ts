import type { Address, TypedDataDefinition } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { verifySignedAuthorization } from "../verifySignedAuthorization.js";
import { readActionNonce } from "./readActionNonce.js";
import {
  type RelayedActionName,
  type SignedActionContent,
  type SignedActionMessage,
  signedActionTypedData,
} from "./signedActionTypedData.js";

export type VerifySignedActionParameters<N extends RelayedActionName> = {
  hub: Pick<HubServices, "deployment" | "publicClient">;
  action: N;
  signer: Address;
  content: SignedActionContent<N>;
  authorization: SignedAuthorization;
  /** What the signature authorises, for messages ("the purchase of a licence for derivative 4"). */
  what: string;
};

export type VerifySignedActionReturnType<N extends RelayedActionName> = {
  /** The signed request as the contract takes it: the content, the signer's next nonce and the deadline. */
  request: SignedActionMessage<N>;
  /** The chain's time (`chainNow`) the deadline was checked against. */
  now: bigint;
};

/**
 * Checks a signed market or vault action before anything is sent, as the contract will: the deadline is ahead and
 * the signature is the signer's over the content with its next nonce on the action's contract (NOT_AUTHORIZED with
 * `reason` "expired", "replayed" or "signature"). Returns the request to send.
 */
export async function verifySignedAction<N extends RelayedActionName>({
  hub,
  action,
  signer,
  content,
  authorization,
  what,
}: VerifySignedActionParameters<N>): Promise<VerifySignedActionReturnType<N>> {
  const { verifyingContract, nonce, now } = await readActionNonce(hub, action, signer);
  const messageFor = (n: bigint) =>
    ({ ...content, nonce: n, deadline: authorization.deadline }) as SignedActionMessage<N>;
  await verifySignedAuthorization({
    hub,
    signer,
    authorization,
    nonce,
    now,
    typedDataFor: (n) =>
      signedActionTypedData({
        chainId: hub.deployment.chainId,
        verifyingContract,
        action,
        message: messageFor(n),
      }) as unknown as TypedDataDefinition,
    what,
  });
  return { request: messageFor(nonce), now };
}
