/**
 * A proposal's state from indexed facts, computed exactly as OpenZeppelin 5.4's Governor (with GovernorCountingSimple,
 * GovernorVotesQuorumFraction and GovernorTimelockControl) computes `state(proposalId)` at block `currentBlock`:
 *
 * 1. executed → EXECUTED; canceled → CANCELED (the governor's own events, or the timelock running the operation);
 * 2. snapshot (voteStart) ≥ current block → PENDING;
 * 3. deadline (voteEnd) ≥ current block → ACTIVE;
 * 4. quorum not reached (for + abstain < quorum) or for ≤ against → DEFEATED;
 * 5. no eta (never queued) → SUCCEEDED, else QUEUED.
 *
 * quorum = ⌊total stake at the snapshot × quorum numerator at the snapshot / 100⌋ (`getPastTotalSupply` and the
 * checkpointed numerator, both read at voteStart). EXPIRED is in OpenZeppelin's enum but its Governor never returns
 * it (a queued proposal stays executable in the timelock); it is listed for parity only.
 */

/** OpenZeppelin's IGovernor.ProposalState, in its enum order. */
export const proposalStates = [
  "PENDING",
  "ACTIVE",
  "CANCELED",
  "DEFEATED",
  "SUCCEEDED",
  "QUEUED",
  "EXPIRED",
  "EXECUTED",
] as const;
export type ProposalStateName = (typeof proposalStates)[number];

/** GovernorVotesQuorumFraction.quorumDenominator(). */
export const QUORUM_DENOMINATOR = 100n;

export type ProposalFacts = {
  voteStart: bigint;
  voteEnd: bigint;
  forVotes: bigint;
  againstVotes: bigint;
  abstainVotes: bigint;
  /** Set by ProposalQueued: when the timelock lets it run (unix seconds). */
  etaSeconds: bigint | null;
  executed: boolean;
  canceled: boolean;
  /** Total active stake at the end of block voteStart (NodeStaking.getPastTotalSupply(voteStart)). */
  snapshotTotalStake: bigint;
  /** The quorum numerator in force at voteStart (percent). */
  quorumNumerator: bigint;
};

export function proposalQuorum({
  snapshotTotalStake,
  quorumNumerator,
}: Pick<ProposalFacts, "snapshotTotalStake" | "quorumNumerator">): bigint {
  return (snapshotTotalStake * quorumNumerator) / QUORUM_DENOMINATOR;
}

/** GovernorCountingSimple._quorumReached: for + abstain reach the quorum (at least). */
export function quorumReached(facts: ProposalFacts): boolean {
  return proposalQuorum(facts) <= facts.forVotes + facts.abstainVotes;
}

/** GovernorCountingSimple._voteSucceeded: strictly more for than against. */
export function voteSucceeded(facts: Pick<ProposalFacts, "forVotes" | "againstVotes">): boolean {
  return facts.forVotes > facts.againstVotes;
}

export function proposalState(facts: ProposalFacts, currentBlock: bigint): ProposalStateName {
  if (facts.executed) return "EXECUTED";
  if (facts.canceled) return "CANCELED";
  if (facts.voteStart >= currentBlock) return "PENDING";
  if (facts.voteEnd >= currentBlock) return "ACTIVE";
  if (!quorumReached(facts) || !voteSucceeded(facts)) return "DEFEATED";
  if (facts.etaSeconds === null || facts.etaSeconds === 0n) return "SUCCEEDED";
  return "QUEUED";
}
