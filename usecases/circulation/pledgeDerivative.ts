import { type Address, type Hex, isAddressEqual } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { NotAuthorizedError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  derivativeRegistryOf,
  eventOf,
  fromChain,
  parseAccount,
  parseId,
  readDerivative,
  vaultOf,
} from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { verifySignedAction } from "./verifySignedAction.js";

export type PledgeDerivativeInput = { derivative: string | bigint; borrower: Address | string };

/**
 * The input, and what the vault will check: the derivative exists (UNKNOWN_DERIVATIVE), is not pledged already
 * (ALREADY_PLEDGED with its `lineId`), belongs to the borrower (NOT_AUTHORIZED) and its domain has a credit base
 * (NO_CREDIT_FOR_DOMAIN). Returns the content and the limit pledging it would give.
 */
async function checkPledge(input: PledgeDerivativeInput, hub: HubServices) {
  const content = {
    derivativeId: parseId(input.derivative, "derivative"),
    borrower: parseAccount(input.borrower, "borrower"),
  };
  const { derivativeId, borrower } = content;
  await readDerivative(hub, derivativeId);
  const vault = vaultOf(hub);
  const [lineId, owner] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...vault, functionName: "lineOf", args: [derivativeId] })),
    fromChain(
      hub.publicClient.readContract({
        ...derivativeRegistryOf(hub),
        functionName: "ownerOf",
        args: [derivativeId],
      }),
    ),
  ]);
  if (lineId !== 0n)
    throw circulationError(
      "ALREADY_PLEDGED",
      `Derivative ${derivativeId} is already pledged on credit line ${lineId}`,
      { derivativeId, lineId },
    );
  if (!isAddressEqual(owner, borrower))
    throw new NotAuthorizedError(`${borrower} does not own derivative ${derivativeId} (${owner} does)`, {
      reason: "owner",
      derivativeId: derivativeId.toString(),
      owner,
    });
  const limit = await fromChain(
    hub.publicClient.readContract({ ...vault, functionName: "creditLimitOf", args: [derivativeId] }),
  );
  if (limit === 0n)
    throw circulationError(
      "NO_CREDIT_FOR_DOMAIN",
      `Governance set no credit base for the domain of derivative ${derivativeId}, so it cannot be pledged`,
      { derivativeId },
    );
  return { content, limit };
}

/** The Pledge typed data the unit's owner signs (its next vault nonce), and the limit it would get. Nothing is sent. */
export async function preparePledgeDerivative(
  input: PledgeDerivativeInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, limit } = await checkPledge(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "Pledge",
    signer: content.borrower,
    content,
    deadline,
  });
  return { ...prepared, limit };
}

export type PledgeDerivativeParameters = PledgeDerivativeInput & { authorization: SignedAuthorization };

export type PledgeDerivativeReturnType = {
  lineId: string;
  derivativeId: string;
  borrower: Address;
  limit: bigint;
  /** Unix seconds: the line must be repaid by then, or anyone may declare it defaulted. */
  dueAt: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Pledges a derivative unit on its owner's signature: the vault takes custody of it and opens a credit line of
 * base(domain) × the unit's weight. Returns the line once indexed.
 */
export async function pledgeDerivative(
  { authorization, ...input }: PledgeDerivativeParameters,
  hub: HubServices,
): Promise<PledgeDerivativeReturnType> {
  const { content } = await checkPledge(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "Pledge",
    signer: content.borrower,
    content,
    authorization,
    what: `the pledge of derivative ${content.derivativeId}`,
  });
  const vault = vaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The pledge of derivative ${content.derivativeId}`,
    call: { ...vault, functionName: "pledge", args: [request, authorization.signature] },
  });
  const { args } = eventOf(receipt, vault.abi, "CreditLineOpened");
  return {
    lineId: args.lineId.toString(),
    derivativeId: content.derivativeId.toString(),
    borrower: content.borrower,
    limit: args.limit,
    dueAt: args.dueAt,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
