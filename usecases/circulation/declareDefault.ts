import type { Address, Hex } from "viem";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { eventOf, fromChain, parseId, readCreditLine, vaultOf } from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";

export type DeclareDefaultParameters = { creditLine: string | bigint };

export type DeclareDefaultReturnType = {
  lineId: string;
  derivativeId: string;
  borrower: Address;
  /** Unpaid principal booked as the pool's loss, and the interest forgone. */
  principalLost: bigint;
  interestLost: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Declares an overdue credit line defaulted: the vault keeps the unit, books the loss and emits CreditDefaulted (the
 * performance-risk event). Unsigned: anyone may declare it. UNKNOWN_CREDIT_LINE, CREDIT_LINE_NOT_OPEN, NOT_YET_DUE
 * (not past its due time on the chain's clock) and NOTHING_OWED before anything is sent.
 */
export async function declareDefault(
  { creditLine }: DeclareDefaultParameters,
  hub: HubServices,
): Promise<DeclareDefaultReturnType> {
  const lineId = parseId(creditLine, "creditLine");
  const line = await readCreditLine(hub, lineId);
  const vault = vaultOf(hub);
  const [debt, now] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...vault, functionName: "debtOf", args: [lineId] })),
    chainNow(hub),
  ]);
  // The contract compares with the next block's time, which is at least one second later than `now`.
  if (now + 1n <= line.dueAt)
    throw circulationError(
      "NOT_YET_DUE",
      `Credit line ${lineId} is due at ${new Date(Number(line.dueAt) * 1000).toISOString()}; a default can only be declared after it`,
      { lineId, dueAt: line.dueAt },
    );
  if (debt === 0n)
    throw circulationError(
      "NOTHING_OWED",
      `Credit line ${lineId} owes nothing, so it cannot default (its borrower can unpledge)`,
      { lineId },
    );
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The default of credit line ${lineId}`,
    call: { ...vault, functionName: "declareDefault", args: [lineId] },
  });
  const { args } = eventOf(receipt, vault.abi, "CreditDefaulted");
  return {
    lineId: lineId.toString(),
    derivativeId: args.derivativeId.toString(),
    borrower: args.borrower,
    principalLost: args.principalLost,
    interestLost: args.interestLost,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
