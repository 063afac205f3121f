import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, fromChain, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { verifySignedAction } from "../circulation/verifySignedAction.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { marginVaultOf, parseEcosystemId, readCase, readEcosystem } from "./riskContracts.js";

export type ClaimDisposalPayoutInput = { caseId: string | bigint; ecosystem: string | number };

/**
 * What the vault will check: the case exists (UNKNOWN_CASE) and its disposal is settled (DISPOSAL_NOT_SETTLED), the
 * ecosystem exists (UNKNOWN_ECOSYSTEM) and has an unclaimed payout in it (NOTHING_TO_CLAIM). The payout goes to the
 * ecosystem's current operator, who signs. A suspended ecosystem keeps what it earned.
 */
async function checkClaim(input: ClaimDisposalPayoutInput, hub: HubServices) {
  const content = {
    caseId: parseId(input.caseId, "caseId"),
    ecosystemId: parseEcosystemId(input.ecosystem, "ecosystem"),
  };
  const { caseId, ecosystemId } = content;
  const vault = marginVaultOf(hub);
  const [, ecosystem] = await Promise.all([
    readCase(hub, caseId, { anyStatus: true }),
    readEcosystem(hub, ecosystemId, { anyStatus: true }),
  ]);
  const [disposal, [owed, claimed]] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...vault, functionName: "disposal", args: [caseId] })),
    fromChain(
      hub.publicClient.readContract({ ...vault, functionName: "payoutOf", args: [caseId, ecosystemId] }),
    ),
  ]);
  if (!disposal.settled)
    throw circulationError("DISPOSAL_NOT_SETTLED", `The disposal of case ${caseId} is not settled yet`, {
      caseId,
    });
  if (owed === 0n || claimed)
    throw circulationError(
      "NOTHING_TO_CLAIM",
      claimed
        ? `Ecosystem ${ecosystemId} already claimed its payout of case ${caseId}`
        : `Ecosystem ${ecosystemId} has no share in the disposal of case ${caseId}`,
      { caseId, ecosystemId },
    );
  return { content, operator: ecosystem.operator, owed };
}

/** The ClaimPayout typed data the ecosystem's operator signs (its next vault nonce), after the checks. */
export async function prepareClaimDisposalPayout(
  input: ClaimDisposalPayoutInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, operator, owed } = await checkClaim(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "ClaimPayout",
    signer: operator,
    content,
    deadline,
  });
  return { ...prepared, operator, owed };
}

export type ClaimDisposalPayoutParameters = ClaimDisposalPayoutInput & { authorization: SignedAuthorization };

export type ClaimDisposalPayoutReturnType = {
  caseId: string;
  ecosystemId: number;
  /** The operator paid, and the ERA wei sent. */
  to: Address;
  amount: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** Pays an ecosystem's disposal share to its operator on the operator's signature. Returns once indexed. */
export async function claimDisposalPayout(
  { authorization, ...input }: ClaimDisposalPayoutParameters,
  hub: HubServices,
): Promise<ClaimDisposalPayoutReturnType> {
  const { content, operator, owed } = await checkClaim(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "ClaimPayout",
    signer: operator,
    content,
    authorization,
    what: `ecosystem ${content.ecosystemId}'s payout of ${owed} ERA wei from case ${content.caseId}`,
  });
  const vault = marginVaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The payout of ecosystem ${content.ecosystemId} from case ${content.caseId}`,
    call: {
      ...vault,
      functionName: "claimPayout",
      args: [content.caseId, content.ecosystemId, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, vault.abi, "PayoutClaimed");
  return {
    caseId: content.caseId.toString(),
    ecosystemId: content.ecosystemId,
    to: args.to,
    amount: args.amount,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
