import { type Address, type Hex, parseEventLogs, type TypedDataDefinition } from "viem";
import { AlreadyVotedError, BadUserInputError, ProposalStateError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { ballotTypedData, type VoteSupportName, voteSupport } from "./governanceTypedData.js";
import {
  checkBallotSignature,
  fromChain,
  governanceAbi,
  governorNonce,
  governorOf,
  NEXT_BLOCK,
  parseProposalId,
  proposalOnChain,
} from "./governor.js";

export type CastVoteInput = {
  proposalId: string | bigint;
  voter: Address;
  support: VoteSupportName;
  /** Recorded on-chain with the vote (then the ballot is OpenZeppelin's ExtendedBallot). */
  reason?: string | null | undefined;
};

export const MAX_REASON_LENGTH = 1_000;

export type PreparedVote = {
  proposalId: bigint;
  nonce: bigint;
  /** The last block in which the ballot can be cast. */
  voteEnd: bigint;
  typedData: ReturnType<typeof ballotTypedData>;
};

function checkVoteInput(input: CastVoteInput): bigint {
  const proposalId = parseProposalId(input.proposalId);
  if (!(input.support in voteSupport))
    throw new BadUserInputError("support", "must be FOR, AGAINST or ABSTAIN");
  if ((input.reason?.length ?? 0) > MAX_REASON_LENGTH)
    throw new BadUserInputError("reason", `must be at most ${MAX_REASON_LENGTH} characters`);
  return proposalId;
}

function ballotFor(input: CastVoteInput, proposalId: bigint, hub: HubServices) {
  return (nonce: bigint) =>
    ballotTypedData({
      chainId: hub.deployment.chainId,
      governor: governorOf(hub).address,
      proposalId,
      support: input.support,
      voter: input.voter,
      nonce,
      reason: input.reason ?? undefined,
    });
}

/**
 * The ballot a voter signs, for its next governor nonce (what `castVoteTypedData` hands out); UNKNOWN_PROPOSAL for
 * an unknown proposal. OpenZeppelin's Ballot has no deadline: it can only be cast while voting is open.
 */
export async function prepareVote(input: CastVoteInput, hub: HubServices): Promise<PreparedVote> {
  const proposalId = checkVoteInput(input);
  const [onChain, nonce] = await Promise.all([
    proposalOnChain(hub, proposalId),
    governorNonce(hub, input.voter),
  ]);
  return { proposalId, nonce, voteEnd: onChain.voteEnd, typedData: ballotFor(input, proposalId, hub)(nonce) };
}

/** The voter's EIP-712 signature over the ballot `castVoteTypedData` handed out (its next governor nonce). */
export type CastVoteParameters = CastVoteInput & { signature: Hex };

export type CastVoteReturnType = {
  proposalId: bigint;
  voter: Address;
  /** The voter's stake at the proposal's snapshot: 0 for stake acquired after it (the vote is still recorded). */
  weight: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Casts a node's signed ballot: checks the signature over the ballot with the voter's next governor nonce
 * (NOT_AUTHORIZED: "replayed" or "signature"), that voting is open in the next
 * block (PROPOSAL_STATE) and that the voter has not voted (ALREADY_VOTED), then relays OpenZeppelin's
 * `castVoteBySig` (or `castVoteWithReasonAndParamsBySig` with a reason) and returns once indexed.
 */
export async function castVote(
  { signature, ...input }: CastVoteParameters,
  hub: HubServices,
): Promise<CastVoteReturnType> {
  const proposalId = checkVoteInput(input);
  const nonce = await governorNonce(hub, input.voter);
  await checkBallotSignature(hub, {
    voter: input.voter,
    signature,
    nonce,
    typedDataFor: (n) => ballotFor(input, proposalId, hub)(n) as TypedDataDefinition,
  });
  const governor = governorOf(hub);
  const [onChain, voted] = await Promise.all([
    proposalOnChain(hub, proposalId),
    fromChain(
      hub.publicClient.readContract({
        ...governor,
        functionName: "hasVoted",
        args: [proposalId, input.voter],
      }),
    ),
  ]);
  if (onChain.state !== "ACTIVE")
    throw new ProposalStateError(
      proposalId.toString(),
      onChain.state,
      ["ACTIVE"],
      onChain.state === "PENDING"
        ? `voting opens after block ${onChain.voteStart}`
        : `voting closed after block ${onChain.voteEnd}`,
    );
  if (voted) throw new AlreadyVotedError(proposalId.toString(), input.voter);

  const support = voteSupport[input.support];
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The vote of ${input.voter} on proposal ${proposalId}`,
    call: input.reason
      ? {
          ...governor,
          functionName: "castVoteWithReasonAndParamsBySig",
          args: [proposalId, support, input.voter, input.reason, "0x", signature],
          blockTag: NEXT_BLOCK,
        }
      : {
          ...governor,
          functionName: "castVoteBySig",
          args: [proposalId, support, input.voter, signature],
          blockTag: NEXT_BLOCK,
        },
  });
  const [cast] = parseEventLogs({ abi: governanceAbi, eventName: "VoteCast", logs: receipt.logs });
  if (cast === undefined) throw new Error(`vote transaction ${receipt.transactionHash} emitted no VoteCast`);
  return {
    proposalId,
    voter: input.voter,
    weight: cast.args.weight,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
