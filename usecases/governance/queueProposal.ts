import type { Hex } from "viem";
import { keccak256, stringToHex } from "viem";
import { BadUserInputError, ProposalStateError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import type { ProposalContent } from "./governanceTypedData.js";
import { governorOf, hashProposal, NEXT_BLOCK, parseProposalId, proposalOnChain } from "./governor.js";

/**
 * A proposal to queue or execute: its id and its content (targets, values, calldatas, description), which the
 * governor needs again. Callers take the content from the indexer; it is checked against the id.
 */
export type ProposalActionInput = { proposalId: string | bigint; content: ProposalContent };

export type ProposalActionReturnType = {
  proposalId: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
  blockNumber: bigint;
};

export function checkContent({ proposalId, content }: ProposalActionInput): bigint {
  const id = parseProposalId(proposalId);
  if (hashProposal(content) !== id)
    throw new BadUserInputError(
      "content",
      `does not hash to proposal ${id} (targets, values, calldatas, description)`,
    );
  return id;
}

export function governorCallArgs({ targets, values, calldatas, description }: ProposalContent) {
  return [[...targets], [...values], [...calldatas], keccak256(stringToHex(description))] as const;
}

/** Sends `queue` or `execute` for a proposal through the hub's signer and returns once the indexer has it. */
export async function relayProposalAction(
  hub: HubServices,
  proposalId: bigint,
  content: ProposalContent,
  functionName: "queue" | "execute",
): Promise<ProposalActionReturnType> {
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `${functionName === "queue" ? "Queuing" : "Executing"} proposal ${proposalId}`,
    call: { ...governorOf(hub), functionName, args: governorCallArgs(content), blockTag: NEXT_BLOCK },
  });
  return {
    proposalId,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    blockNumber: receipt.blockNumber,
  };
}

/**
 * Queues a succeeded proposal in the timelock (permissionless: no signature, the hub relays and pays). Refuses with
 * PROPOSAL_STATE unless the proposal has succeeded in the next block (voting over, quorum reached, more for than
 * against), then sends `CalderaGovernor.queue` and returns once indexed.
 */
export async function queueProposal(
  input: ProposalActionInput,
  hub: HubServices,
): Promise<ProposalActionReturnType> {
  const proposalId = checkContent(input);
  const onChain = await proposalOnChain(hub, proposalId);
  if (onChain.state !== "SUCCEEDED")
    throw new ProposalStateError(
      proposalId.toString(),
      onChain.state,
      ["SUCCEEDED"],
      onChain.state === "PENDING" || onChain.state === "ACTIVE"
        ? `voting ends after block ${onChain.voteEnd}; queue it after that`
        : onChain.state === "QUEUED"
          ? "it is already queued; execute it once the timelock delay has passed"
          : "only a succeeded proposal can be queued",
    );
  return relayProposalAction(hub, proposalId, input.content, "queue");
}
