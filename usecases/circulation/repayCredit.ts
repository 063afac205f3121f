import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  eventOf,
  fromChain,
  parseAccount,
  parseAmount,
  parseId,
  readCreditLine,
  vaultOf,
} from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";
import { prepareEraPermit } from "./prepareEraPermit.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { relayEraPull } from "./relayEraPull.js";

export type RepayCreditInput = {
  creditLine: string | bigint;
  /** Who pays: the borrower or anyone repaying for it. */
  payer: Address | string;
  /** The most to pull; the debt at execution if lower (interest first, then principal). */
  amount: bigint | string;
};

/** The input, and that the line is open (CREDIT_LINE_NOT_OPEN) and owes something (NOTHING_OWED). Returns the debt. */
async function checkRepay(input: RepayCreditInput, hub: HubServices) {
  const content = {
    lineId: parseId(input.creditLine, "creditLine"),
    payer: parseAccount(input.payer, "payer"),
    amount: parseAmount(input.amount, "amount"),
  };
  await readCreditLine(hub, content.lineId);
  const debt = await fromChain(
    hub.publicClient.readContract({ ...vaultOf(hub), functionName: "debtOf", args: [content.lineId] }),
  );
  if (debt === 0n)
    throw circulationError("NOTHING_OWED", `Credit line ${content.lineId} owes nothing`, {
      lineId: content.lineId,
    });
  return { content, debt };
}

/**
 * The Repay typed data the payer signs (its next vault nonce) and an EraToken permit to the vault for the amount with
 * the same deadline; also the debt now (it grows by the second: to repay in full, name a little more — only the debt
 * is pulled). Nothing is sent.
 */
export async function prepareRepayCredit(
  input: RepayCreditInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, debt } = await checkRepay(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "Repay",
    signer: content.payer,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.payer,
    spender: vaultOf(hub).address,
    value: content.amount,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData, debt };
}

export type RepayCreditParameters = RepayCreditInput & {
  authorization: SignedAuthorization;
  /** The payer's signature over the permit typed data (value `amount`); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type RepayCreditReturnType = {
  lineId: string;
  payer: Address;
  interestPaid: bigint;
  principalPaid: bigint;
  /** The line's principal and interest after it (both 0: the borrower can unpledge). */
  principal: bigint;
  interest: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Repays a credit line on the payer's signature: checks the line, the signature (NOT_AUTHORIZED), the payer's balance
 * and allowance or permit for what will be pulled — the lesser of `amount` and the debt (INSUFFICIENT_FUNDS) — and
 * returns once indexed.
 */
export async function repayCredit(
  { authorization, permit, ...input }: RepayCreditParameters,
  hub: HubServices,
): Promise<RepayCreditReturnType> {
  const { content, debt } = await checkRepay(input, hub);
  const vault = vaultOf(hub);
  const receipt = await relayEraPull({
    hub,
    action: "Repay",
    signer: content.payer,
    content,
    authorization,
    permit,
    what: `repaying up to ${content.amount} ERA wei on credit line ${content.lineId}`,
    spender: vault.address,
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
    amount: content.amount < debt ? content.amount : debt,
    permitValue: content.amount,
    send: (request, signature, contractPermit) =>
      sendAndWaitIndexed({
        hub,
        what: `The repayment of credit line ${content.lineId}`,
        call: { ...vault, functionName: "repay", args: [request, signature, contractPermit] },
      }),
  });
  const { args } = eventOf(receipt, vault.abi, "Repaid");
  return {
    lineId: content.lineId.toString(),
    payer: content.payer,
    interestPaid: args.interestPaid,
    principalPaid: args.principalPaid,
    principal: args.principal,
    interest: args.interest,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
