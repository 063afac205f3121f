import type { Address, Hex, TransactionReceipt } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { type ContractPermit, checkEraPull } from "./checkEraPull.js";
import type { RelayedActionName, SignedActionContent, SignedActionMessage } from "./signedActionTypedData.js";
import { verifySignedAction } from "./verifySignedAction.js";

export type RelayEraPullParameters<N extends RelayedActionName> = {
  hub: HubServices;
  action: N;
  signer: Address;
  content: SignedActionContent<N>;
  authorization: SignedAuthorization;
  /** The signer's signature over the EraToken permit typed data; absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
  /** What the signature authorises, for messages ("a deposit of 5 ERA wei into the credit pool"). */
  what: string;
  /** The contract that pulls the ERA: the permit's spender. */
  spender: Address;
  /** What the contract will pull now, and the value the permit was signed for (at least that). */
  amount: bigint;
  permitValue: bigint;
  /** Sends the contract call (through `sendAndWaitIndexed`) with the request, signature and permit it takes. */
  send: (
    request: SignedActionMessage<N>,
    signature: Hex,
    permit: ContractPermit,
  ) => Promise<{ receipt: TransactionReceipt }>;
};

/**
 * The one path of every signed action that pulls ERA (buyLicence, fundRewardPool, depositLiquidity, repayCredit):
 * the signer's signature over the action (NOT_AUTHORIZED), then its permit or allowance and balance for what the
 * contract will pull (INSUFFICIENT_FUNDS), both before anything is sent; then the call, returned once indexed.
 */
export async function relayEraPull<N extends RelayedActionName>({
  hub,
  action,
  signer,
  content,
  authorization,
  permit,
  what,
  spender,
  amount,
  permitValue,
  send,
}: RelayEraPullParameters<N>): Promise<TransactionReceipt> {
  const { request, now } = await verifySignedAction({ hub, action, signer, content, authorization, what });
  const contractPermit = await checkEraPull({
    hub,
    owner: signer,
    spender,
    amount,
    permit,
    permitValue,
    now,
  });
  const { receipt } = await send(request, authorization.signature, contractPermit);
  return receipt;
}
