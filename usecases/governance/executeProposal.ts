import { BaseError } from "../../errors/BaseError.js";
import { ProposalStateError, TimelockNotReadyError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { fromChain, NEXT_BLOCK, proposalOnChain } from "./governor.js";
import {
  checkContent,
  type ProposalActionInput,
  type ProposalActionReturnType,
  relayProposalAction,
} from "./queueProposal.js";

/**
 * Executes a queued proposal through the timelock (permissionless: the hub relays and pays). Refuses with
 * PROPOSAL_STATE unless it is queued, and with TIMELOCK_NOT_READY (naming the eta) while the timelock's delay has not
 * passed on the chain's clock; then sends `CalderaGovernor.execute` and returns once indexed.
 */
export async function executeProposal(
  input: ProposalActionInput,
  hub: HubServices,
): Promise<ProposalActionReturnType> {
  const proposalId = checkContent(input);
  const onChain = await proposalOnChain(hub, proposalId);
  if (onChain.state !== "QUEUED")
    throw new ProposalStateError(
      proposalId.toString(),
      onChain.state,
      ["QUEUED"],
      onChain.state === "SUCCEEDED"
        ? "queue it first: it runs through the timelock"
        : onChain.state === "PENDING" || onChain.state === "ACTIVE"
          ? `voting ends after block ${onChain.voteEnd}; queue it after that, then execute`
          : "only a queued proposal can be executed",
    );
  // The block it would land in: "pending" carries the chain's next timestamp.
  const next = await fromChain(hub.publicClient.getBlock({ blockTag: NEXT_BLOCK }));
  if (next.timestamp < onChain.eta)
    throw new TimelockNotReadyError(proposalId.toString(), onChain.eta, next.timestamp);
  try {
    return await relayProposalAction(hub, proposalId, input.content, "execute");
  } catch (error) {
    // The timelock disagreed about readiness at the last moment (clock skew between blocks): say when it is ready.
    if (error instanceof BaseError && error.code === "TIMELOCK_NOT_READY")
      throw new TimelockNotReadyError(proposalId.toString(), onChain.eta, next.timestamp);
    throw error;
  }
}
