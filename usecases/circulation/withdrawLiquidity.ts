import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { eventOf, fromChain, parseAccount, parseAmount, vaultOf } from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { verifySignedAction } from "./verifySignedAction.js";

export type WithdrawLiquidityInput = { lender: Address | string; shares: bigint | string };

/** The input, and that the lender holds the shares (INSUFFICIENT_SHARES). */
async function checkInput(input: WithdrawLiquidityInput, hub: HubServices) {
  const content = {
    lender: parseAccount(input.lender, "lender"),
    shares: parseAmount(input.shares, "shares"),
  };
  const held = await fromChain(
    hub.publicClient.readContract({ ...vaultOf(hub), functionName: "sharesOf", args: [content.lender] }),
  );
  if (held < content.shares)
    throw circulationError(
      "INSUFFICIENT_SHARES",
      `${content.lender} holds ${held} pool shares; ${content.shares} were asked for`,
      { lender: content.lender, requested: content.shares, held },
    );
  return content;
}

/** The Withdrawal typed data the lender signs (its next vault nonce); INSUFFICIENT_SHARES first. Nothing is sent. */
export async function prepareWithdrawLiquidity(
  input: WithdrawLiquidityInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = await checkInput(input, hub);
  return prepareSignedAction({ hub, action: "Withdrawal", signer: content.lender, content, deadline });
}

export type WithdrawLiquidityParameters = WithdrawLiquidityInput & { authorization: SignedAuthorization };

export type WithdrawLiquidityReturnType = {
  lender: Address;
  shares: bigint;
  /** ERA wei paid out (rounded down), from the pool's idle ERA only (else INSUFFICIENT_LIQUIDITY). */
  amount: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** Redeems a lender's pool shares for ERA on its signature and returns once indexed. */
export async function withdrawLiquidity(
  { authorization, ...input }: WithdrawLiquidityParameters,
  hub: HubServices,
): Promise<WithdrawLiquidityReturnType> {
  const content = await checkInput(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "Withdrawal",
    signer: content.lender,
    content,
    authorization,
    what: `a withdrawal of ${content.shares} pool shares`,
  });
  const vault = vaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The withdrawal of ${content.lender}`,
    call: { ...vault, functionName: "withdraw", args: [request, authorization.signature] },
  });
  const { args } = eventOf(receipt, vault.abi, "Withdrawn");
  return {
    lender: content.lender,
    shares: content.shares,
    amount: args.amount,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
