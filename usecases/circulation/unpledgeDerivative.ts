import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { eventOf, fromChain, parseId, readCreditLine, vaultOf } from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { verifySignedAction } from "./verifySignedAction.js";

export type UnpledgeDerivativeInput = { creditLine: string | bigint };

/** The line is open and owes nothing (DEBT_OUTSTANDING with `debt`). Returns the content and the borrower, who signs. */
async function checkUnpledge(input: UnpledgeDerivativeInput, hub: HubServices) {
  const content = { lineId: parseId(input.creditLine, "creditLine") };
  const line = await readCreditLine(hub, content.lineId);
  const debt = await fromChain(
    hub.publicClient.readContract({ ...vaultOf(hub), functionName: "debtOf", args: [content.lineId] }),
  );
  if (debt > 0n)
    throw circulationError(
      "DEBT_OUTSTANDING",
      `Credit line ${content.lineId} still owes ${debt} ERA wei (principal and interest): repay it before unpledging`,
      { lineId: content.lineId, debt },
    );
  return { content, borrower: line.borrower, derivativeId: line.derivativeId };
}

/** The Unpledge typed data the line's borrower signs (its next vault nonce). Nothing is sent. */
export async function prepareUnpledgeDerivative(
  input: UnpledgeDerivativeInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, borrower } = await checkUnpledge(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "Unpledge",
    signer: borrower,
    content,
    deadline,
  });
  return { ...prepared, borrower };
}

export type UnpledgeDerivativeParameters = UnpledgeDerivativeInput & { authorization: SignedAuthorization };

export type UnpledgeDerivativeReturnType = {
  lineId: string;
  derivativeId: string;
  borrower: Address;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** Returns the pledged unit to its borrower and closes the line, on the borrower's signature; once indexed. */
export async function unpledgeDerivative(
  { authorization, ...input }: UnpledgeDerivativeParameters,
  hub: HubServices,
): Promise<UnpledgeDerivativeReturnType> {
  const { content, borrower, derivativeId } = await checkUnpledge(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "Unpledge",
    signer: borrower,
    content,
    authorization,
    what: `unpledging credit line ${content.lineId}`,
  });
  const vault = vaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `Unpledging credit line ${content.lineId}`,
    call: { ...vault, functionName: "unpledge", args: [request, authorization.signature] },
  });
  eventOf(receipt, vault.abi, "Unpledged");
  return {
    lineId: content.lineId.toString(),
    derivativeId: derivativeId.toString(),
    borrower,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
