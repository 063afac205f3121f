import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, fromChain, parseAccount, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { verifySignedAction } from "../circulation/verifySignedAction.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { type CaseVerdictName, caseVerdicts, marginVaultOf, readCase, stakeAt } from "./riskContracts.js";

export type CastCaseVoteInput = { caseId: string | bigint; node: Address | string; verdict: CaseVerdictName };

/**
 * The input, and what the vault will check: the case exists and is open (UNKNOWN_CASE, CASE_NOT_OPEN), its review
 * window has not ended on the next block's clock (VOTING_CLOSED with `voteEnd`), the node has not voted
 * (ALREADY_VOTED) and had stake at the case's snapshot block (NO_VOTING_POWER: stake bought after the filing, or
 * flash-borrowed, does not count). Returns the content and the node's weight.
 */
async function checkVote(input: CastCaseVoteInput, hub: HubServices) {
  const caseId = parseId(input.caseId, "caseId");
  const node = parseAccount(input.node, "node");
  const verdict = caseVerdicts[input.verdict];
  if (verdict === undefined) throw new BadUserInputError("verdict", "must be UPHOLD, REJECT or DISMISS");
  const freezeCase = await readCase(hub, caseId);
  const vault = marginVaultOf(hub);
  const [now, voted, weight] = await Promise.all([
    chainNow(hub),
    fromChain(hub.publicClient.readContract({ ...vault, functionName: "hasVoted", args: [caseId, node] })),
    stakeAt(hub, node, freezeCase.snapshotBlock),
  ]);
  if (now + 1n > freezeCase.voteEnd)
    throw circulationError(
      "VOTING_CLOSED",
      `Voting on case ${caseId} closed at ${new Date(Number(freezeCase.voteEnd) * 1000).toISOString()}: resolve it instead`,
      { caseId, voteEnd: freezeCase.voteEnd },
    );
  if (voted)
    throw circulationError("ALREADY_VOTED", `${node} already voted on case ${caseId}`, { caseId, node });
  if (weight === 0n)
    throw circulationError(
      "NO_VOTING_POWER",
      `${node} had no stake at case ${caseId}'s snapshot block ${freezeCase.snapshotBlock}`,
      { caseId, node, snapshotBlock: freezeCase.snapshotBlock },
    );
  return { content: { caseId, verdict }, node, weight };
}

/** The CastCaseVote typed data the node signs (its next vault nonce), after the checks. Nothing is sent. */
export async function prepareCastCaseVote(
  input: CastCaseVoteInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, node, weight } = await checkVote(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "CastCaseVote",
    signer: node,
    content,
    deadline,
  });
  return { ...prepared, weight };
}

export type CastCaseVoteParameters = CastCaseVoteInput & { authorization: SignedAuthorization };

export type CastCaseVoteReturnType = {
  caseId: string;
  node: Address;
  verdict: CaseVerdictName;
  /** The node's stake at the snapshot block: its vote's weight. */
  weight: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** Records a node's vote on an open freeze case on its signature. Returns once indexed. */
export async function castCaseVote(
  { authorization, ...input }: CastCaseVoteParameters,
  hub: HubServices,
): Promise<CastCaseVoteReturnType> {
  const { content, node } = await checkVote(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "CastCaseVote",
    signer: node,
    content,
    authorization,
    what: `a ${input.verdict} vote on case ${content.caseId}`,
  });
  const vault = marginVaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The vote of ${node} on case ${content.caseId}`,
    call: {
      ...vault,
      functionName: "castCaseVote",
      args: [content.caseId, node, content.verdict, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, vault.abi, "CaseVoteCast");
  return {
    caseId: content.caseId.toString(),
    node,
    verdict: input.verdict,
    weight: args.weight,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
