import { index, onchainTable, primaryKey } from "ponder";

/**
 * Node governance: stakes (voting power), proposals with their tallies and timeline, votes, the derivation rules
 * and the certification floors the timelock sets. A proposal's state is derived from these rows and the chain head
 * (resolvers/), exactly as OpenZeppelin's Governor computes it.
 */

export const nodeStake = onchainTable(
  "node_stake",
  (t) => ({
    account: t.hex().primaryKey(),
    /** Active stake: the account's voting power from the next block on. */
    staked: t.bigint().notNull(),
    pendingUnstake: t.bigint().notNull(),
    unlockAt: t.bigint(),
    updatedAt: t.bigint().notNull(),
  }),
  // `nodes` pages largest stake first, ties by address: the keyset order of this index.
  (table) => ({ stakedIdx: index().on(table.staked.desc(), table.account) }),
);

export const stakeEvent = onchainTable(
  "stake_event",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    /** stake | unstake_request | withdraw */
    action: t.text().notNull(),
    amount: t.bigint().notNull(),
    /** Total active stake of all nodes after this event: the quorum base at this block. */
    totalStaked: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account), blockIdx: index().on(table.blockNumber) }),
);

export const governorSetting = onchainTable("governor_setting", (t) => ({
  /**
   * quorum_numerator (percent of total stake), voting_delay, voting_period (blocks), proposal_threshold (wei),
   * timelock_delay (seconds, the TimelockController's minimum delay)
   */
  name: t.text().primaryKey(),
  value: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * Every change of a governor setting by block, as OpenZeppelin checkpoints the quorum numerator: a proposal's quorum
 * uses the numerator in force at its snapshot block (the last change at or before it), not today's.
 */
export const governorSettingChange = onchainTable(
  "governor_setting_change",
  (t) => ({
    name: t.text().notNull(),
    blockNumber: t.bigint().notNull(),
    value: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.name, table.blockNumber] }) }),
);

export const proposal = onchainTable(
  "proposal",
  (t) => ({
    id: t.bigint().primaryKey(),
    proposer: t.hex().notNull(),
    targets: t.json().$type<string[]>().notNull(),
    values: t.json().$type<string[]>().notNull(),
    calldatas: t.json().$type<string[]>().notNull(),
    description: t.text().notNull(),
    /** Snapshot block: voting power is read here; voting opens after it. */
    voteStart: t.bigint().notNull(),
    voteEnd: t.bigint().notNull(),
    forVotes: t.bigint().notNull(),
    againstVotes: t.bigint().notNull(),
    abstainVotes: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    queuedAt: t.bigint(),
    /** When the timelock lets it execute (unix seconds). */
    etaSeconds: t.bigint(),
    executedAt: t.bigint(),
    canceledAt: t.bigint(),
  }),
  (table) => ({ createdIdx: index().on(table.createdBlock, table.id) }),
);

/**
 * The TimelockController operation a queued proposal became (GovernorTimelockControl: hashOperationBatch(targets,
 * values, calldatas, 0, bytes20(governor) ^ descriptionHash)). The timelock's executor role is open, so anyone may
 * run a ready operation on the timelock directly; OpenZeppelin then reports the proposal Executed although the
 * governor emitted nothing, and this table lets the timelock's own CallExecuted mark it so here too.
 */
export const timelockOperation = onchainTable("timelock_operation", (t) => ({
  id: t.hex().primaryKey(),
  proposalId: t.bigint().notNull(),
}));

export const vote = onchainTable(
  "vote",
  (t) => ({
    proposalId: t.bigint().notNull(),
    voter: t.hex().notNull(),
    /** 0 against, 1 for, 2 abstain */
    support: t.integer().notNull(),
    weight: t.bigint().notNull(),
    reason: t.text().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  // `Proposal.voteList` pages newest first by keyset on (block_number, voter) within a proposal.
  (table) => ({
    pk: primaryKey({ columns: [table.proposalId, table.voter] }),
    listIdx: index().on(table.proposalId, table.blockNumber, table.voter),
  }),
);

export const derivationRule = onchainTable(
  "derivation_rule",
  (t) => ({
    id: t.bigint().primaryKey(),
    domain: t.integer().notNull(),
    /** 1 planting plan, 2 market forecast, 3 fault-warning model */
    kind: t.integer().notNull(),
    /** 1 integrity, 2 timeliness, 3 continuity */
    attribute: t.integer().notNull(),
    thresholdBps: t.integer().notNull(),
    weightBps: t.integer().notNull(),
    active: t.boolean().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlock: t.bigint().notNull(),
  }),
  (table) => ({ domainKindIdx: index().on(table.domain, table.kind) }),
);

export const certificationFloor = onchainTable("certification_floor", (t) => ({
  domain: t.integer().primaryKey(),
  minIntegrityBps: t.integer().notNull(),
  minTimelinessBps: t.integer().notNull(),
  minContinuityBps: t.integer().notNull(),
  maxGapSlots: t.integer().notNull(),
  updatedAt: t.bigint().notNull(),
}));
