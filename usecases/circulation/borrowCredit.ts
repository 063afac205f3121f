import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { eventOf, fromChain, parseAmount, parseId, readCreditLine, vaultOf } from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { verifySignedAction } from "./verifySignedAction.js";

export type BorrowCreditInput = { creditLine: string | bigint; amount: bigint | string };

/**
 * The input, and what the vault will check: the line exists and is open, not past its due time
 * (CREDIT_LINE_OVERDUE), the debt after borrowing stays within the limit (CREDIT_LIMIT_EXCEEDED with `debtAfter` and
 * `limit`) and the pool has the ERA idle (INSUFFICIENT_LIQUIDITY). Returns the content and the borrower, who signs.
 */
async function checkBorrow(input: BorrowCreditInput, hub: HubServices) {
  const content = {
    lineId: parseId(input.creditLine, "creditLine"),
    amount: parseAmount(input.amount, "amount"),
  };
  const { lineId, amount } = content;
  const line = await readCreditLine(hub, lineId);
  const vault = vaultOf(hub);
  const [debt, idle, now] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...vault, functionName: "debtOf", args: [lineId] })),
    fromChain(hub.publicClient.readContract({ ...vault, functionName: "idleAssets" })),
    chainNow(hub),
  ]);
  if (now > line.dueAt)
    throw circulationError(
      "CREDIT_LINE_OVERDUE",
      `Credit line ${lineId} was due at ${new Date(Number(line.dueAt) * 1000).toISOString()}: repay it; no more borrowing`,
      { lineId, dueAt: line.dueAt },
    );
  if (debt + amount > line.limit)
    throw circulationError(
      "CREDIT_LIMIT_EXCEEDED",
      `Borrowing ${amount} ERA wei would take credit line ${lineId}'s debt to ${debt + amount}, above its limit ${line.limit}`,
      { lineId, debtAfter: debt + amount, limit: line.limit },
    );
  if (idle < amount)
    throw circulationError(
      "INSUFFICIENT_LIQUIDITY",
      `The credit pool holds ${idle} idle ERA wei; ${amount} were asked for`,
      { requested: amount, available: idle },
    );
  return { content, borrower: line.borrower };
}

/** The Borrow typed data the line's borrower signs (its next vault nonce), after the checks. Nothing is sent. */
export async function prepareBorrowCredit(
  input: BorrowCreditInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, borrower } = await checkBorrow(input, hub);
  const prepared = await prepareSignedAction({ hub, action: "Borrow", signer: borrower, content, deadline });
  return { ...prepared, borrower };
}

export type BorrowCreditParameters = BorrowCreditInput & { authorization: SignedAuthorization };

export type BorrowCreditReturnType = {
  lineId: string;
  borrower: Address;
  amount: bigint;
  /** The line's principal and accrued interest after it. */
  principal: bigint;
  interest: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** Sends ERA from the credit pool to the line's borrower on its signature and returns once indexed. */
export async function borrowCredit(
  { authorization, ...input }: BorrowCreditParameters,
  hub: HubServices,
): Promise<BorrowCreditReturnType> {
  const { content, borrower } = await checkBorrow(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "Borrow",
    signer: borrower,
    content,
    authorization,
    what: `borrowing ${content.amount} ERA wei on credit line ${content.lineId}`,
  });
  const vault = vaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `Borrowing on credit line ${content.lineId}`,
    call: { ...vault, functionName: "borrow", args: [request, authorization.signature] },
  });
  const { args } = eventOf(receipt, vault.abi, "Borrowed");
  return {
    lineId: content.lineId.toString(),
    borrower,
    amount: args.amount,
    principal: args.principal,
    interest: args.interest,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
