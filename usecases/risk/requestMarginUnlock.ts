import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, parseAccount, parseAmount } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { verifySignedAction } from "../circulation/verifySignedAction.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { assertNotFrozen, marginVaultOf, readMargin } from "./riskContracts.js";

export type RequestMarginUnlockInput = { provider: Address | string; amount: bigint | string };

/**
 * The input, and what the vault will check: no open case freezes the margin (MARGIN_FROZEN with `caseId` — a
 * provider cannot unlock to escape a pending case) and the amount is locked (INSUFFICIENT_MARGIN).
 */
async function checkUnlock(input: RequestMarginUnlockInput, hub: HubServices) {
  const content = {
    provider: parseAccount(input.provider, "provider"),
    amount: parseAmount(input.amount, "amount"),
  };
  const margin = await readMargin(hub, content.provider);
  assertNotFrozen(content.provider, margin, "unlock");
  if (content.amount > margin.locked)
    throw circulationError(
      "INSUFFICIENT_MARGIN",
      `${content.provider} has ${margin.locked} ERA wei of margin locked; ${content.amount} were asked to unlock`,
      { provider: content.provider, requested: content.amount, locked: margin.locked },
    );
  return content;
}

/** The RequestUnlock typed data the provider signs (its next vault nonce), after the checks. Nothing is sent. */
export async function prepareRequestMarginUnlock(
  input: RequestMarginUnlockInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = await checkUnlock(input, hub);
  return prepareSignedAction({ hub, action: "RequestUnlock", signer: content.provider, content, deadline });
}

export type RequestMarginUnlockParameters = RequestMarginUnlockInput & { authorization: SignedAuthorization };

export type RequestMarginUnlockReturnType = {
  provider: Address;
  amount: bigint;
  /** Everything queued now, and when it can be withdrawn (unix seconds; at least the review window away). */
  queued: bigint;
  unlockAt: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Queues margin for unlocking on the provider's signature; it stays freezable until withdrawn. MARGIN_FROZEN,
 * INSUFFICIENT_MARGIN and NOT_AUTHORIZED before anything is sent. Returns once indexed.
 */
export async function requestMarginUnlock(
  { authorization, ...input }: RequestMarginUnlockParameters,
  hub: HubServices,
): Promise<RequestMarginUnlockReturnType> {
  const content = await checkUnlock(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "RequestUnlock",
    signer: content.provider,
    content,
    authorization,
    what: `unlocking ${content.amount} ERA wei of margin`,
  });
  const vault = marginVaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The unlock request of ${content.provider}`,
    call: {
      ...vault,
      functionName: "requestUnlock",
      args: [content.provider, content.amount, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, vault.abi, "UnlockRequested");
  return {
    provider: content.provider,
    amount: args.amount,
    queued: args.queued,
    unlockAt: BigInt(args.unlockAt),
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
