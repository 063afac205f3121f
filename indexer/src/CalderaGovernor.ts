import { ponder } from "ponder:registry";
import { governorSetting, governorSettingChange, proposal, timelockOperation, vote } from "ponder:schema";
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  keccak256,
  pad,
  parseAbiParameters,
  stringToHex,
  toHex,
  zeroHash,
} from "viem";

/**
 * GovernorTimelockControl's timelock operation id for a proposal: hashOperationBatch(targets, values, calldatas,
 * predecessor 0, salt bytes20(governor) ^ keccak256(description)).
 */
function timelockOperationId(
  governor: Address,
  row: { targets: string[]; values: string[]; calldatas: string[]; description: string },
): Hex {
  const salt = toHex(
    BigInt(pad(governor, { dir: "right", size: 32 })) ^ BigInt(keccak256(stringToHex(row.description))),
    { size: 32 },
  );
  return keccak256(
    encodeAbiParameters(parseAbiParameters("address[], uint256[], bytes[], bytes32, bytes32"), [
      row.targets as Address[],
      row.values.map(BigInt),
      row.calldatas as Hex[],
      zeroHash,
      salt,
    ]),
  );
}

ponder.on("CalderaGovernor:ProposalCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(proposal).values({
    id: a.proposalId,
    proposer: a.proposer,
    targets: [...a.targets],
    values: a.values.map(String),
    calldatas: [...a.calldatas],
    description: a.description,
    voteStart: a.voteStart,
    voteEnd: a.voteEnd,
    forVotes: 0n,
    againstVotes: 0n,
    abstainVotes: 0n,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
  });
});

ponder.on("CalderaGovernor:VoteCast", async ({ event, context }) => {
  const { voter, proposalId, support, weight, reason } = event.args;
  await context.db.insert(vote).values({
    proposalId,
    voter,
    support,
    weight,
    reason,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await context.db.update(proposal, { id: proposalId }).set((row) => ({
    forVotes: row.forVotes + (support === 1 ? weight : 0n),
    againstVotes: row.againstVotes + (support === 0 ? weight : 0n),
    abstainVotes: row.abstainVotes + (support === 2 ? weight : 0n),
  }));
});

ponder.on("CalderaGovernor:ProposalQueued", async ({ event, context }) => {
  const row = await context.db
    .update(proposal, { id: event.args.proposalId })
    .set({ queuedAt: event.block.timestamp, etaSeconds: event.args.etaSeconds });
  await context.db
    .insert(timelockOperation)
    .values({ id: timelockOperationId(context.contracts.CalderaGovernor.address, row), proposalId: row.id })
    .onConflictDoNothing();
});

ponder.on("CalderaGovernor:ProposalExecuted", async ({ event, context }) => {
  await context.db.update(proposal, { id: event.args.proposalId }).set({ executedAt: event.block.timestamp });
});

ponder.on("CalderaGovernor:ProposalCanceled", async ({ event, context }) => {
  await context.db.update(proposal, { id: event.args.proposalId }).set({ canceledAt: event.block.timestamp });
});

// The governor's settings, from their events (emitted in its constructor too): what a proposal's state needs.
for (const [eventName, name, field] of [
  ["QuorumNumeratorUpdated", "quorum_numerator", "newQuorumNumerator"],
  ["VotingDelaySet", "voting_delay", "newVotingDelay"],
  ["VotingPeriodSet", "voting_period", "newVotingPeriod"],
  ["ProposalThresholdSet", "proposal_threshold", "newProposalThreshold"],
] as const) {
  ponder.on(`CalderaGovernor:${eventName}`, async ({ event, context }) => {
    const value = (event.args as Record<string, bigint>)[field] as bigint;
    await context.db
      .insert(governorSetting)
      .values({ name, value, updatedAt: event.block.timestamp })
      .onConflictDoUpdate({ value, updatedAt: event.block.timestamp });
    // Two changes in one block: the later one is what the checkpoint at that block holds.
    await context.db
      .insert(governorSettingChange)
      .values({ name, blockNumber: event.block.number, value })
      .onConflictDoUpdate({ value });
  });
}
