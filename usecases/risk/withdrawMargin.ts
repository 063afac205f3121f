import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, parseAccount } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { verifySignedAction } from "../circulation/verifySignedAction.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { assertNotFrozen, marginVaultOf, readMargin } from "./riskContracts.js";

export type WithdrawMarginInput = { provider: Address | string };

/**
 * What the vault will check: no open case (MARGIN_FROZEN), something queued whose delay has passed on the next
 * block's clock (UNLOCK_NOT_READY with `unlockAt`).
 */
async function checkWithdrawal(input: WithdrawMarginInput, hub: HubServices) {
  const provider = parseAccount(input.provider, "provider");
  const [margin, now] = await Promise.all([readMargin(hub, provider), chainNow(hub)]);
  assertNotFrozen(provider, margin, "withdrawal");
  // The contract compares with the next block's time, at least one second after `now`.
  if (margin.queued === 0n || now + 1n < margin.unlockAt)
    throw circulationError(
      "UNLOCK_NOT_READY",
      margin.queued === 0n
        ? `${provider} has no margin queued for unlock: request an unlock first`
        : `The margin ${provider} queued unlocks at ${new Date(Number(margin.unlockAt) * 1000).toISOString()}`,
      { provider, unlockAt: margin.unlockAt, queued: margin.queued },
    );
  return { provider, queued: margin.queued };
}

/** The WithdrawMargin typed data the provider signs (its next vault nonce), after the checks. Nothing is sent. */
export async function prepareWithdrawMargin(
  input: WithdrawMarginInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { provider } = await checkWithdrawal(input, hub);
  return prepareSignedAction({
    hub,
    action: "WithdrawMargin",
    signer: provider,
    content: { provider },
    deadline,
  });
}

export type WithdrawMarginParameters = WithdrawMarginInput & { authorization: SignedAuthorization };

export type WithdrawMarginReturnType = {
  provider: Address;
  /** ERA wei sent back to the provider: everything queued. */
  amount: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** Pays the provider its queued margin once the unlock delay has passed, on its signature. Returns once indexed. */
export async function withdrawMargin(
  { authorization, ...input }: WithdrawMarginParameters,
  hub: HubServices,
): Promise<WithdrawMarginReturnType> {
  const { provider, queued } = await checkWithdrawal(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "WithdrawMargin",
    signer: provider,
    content: { provider },
    authorization,
    what: `withdrawing the ${queued} ERA wei of margin queued`,
  });
  const vault = marginVaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The margin withdrawal of ${provider}`,
    call: {
      ...vault,
      functionName: "withdrawMargin",
      args: [provider, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, vault.abi, "MarginWithdrawn");
  return {
    provider,
    amount: args.amount,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
