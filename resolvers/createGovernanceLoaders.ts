import DataLoader from "dataloader";
import type { Sql } from "postgres";
import { batchByShape } from "./batchByShape.js";
import { estimateRowCount, type TotalCount, toTotalCount } from "./connection.js";
import { governanceListQueries } from "./governanceListQueries.js";

/** Rows of the governance views as `postgres` returns them (camel-cased; numeric columns as decimal strings). */
export type ProposalRow = {
  id: string;
  proposer: `0x${string}`;
  targets: `0x${string}`[];
  values: string[];
  calldatas: `0x${string}`[];
  description: string;
  voteStart: string;
  voteEnd: string;
  forVotes: string;
  againstVotes: string;
  abstainVotes: string;
  createdAt: string;
  createdBlock: string;
  queuedAt: string | null;
  etaSeconds: string | null;
  executedAt: string | null;
  canceledAt: string | null;
  /** Total active stake at the end of block voteStart: the last stake event at or before it. */
  snapshotTotalStake: string;
  /** The quorum numerator in force at voteStart (its last change at or before it). */
  quorumNumerator: string;
  /** The indexer's latest indexed block, read in the same statement as the row. */
  headBlock: string;
};

export type VoteRow = {
  proposalId: string;
  voter: `0x${string}`;
  support: number;
  weight: string;
  reason: string;
  blockNumber: string;
  timestamp: string;
  transactionHash: `0x${string}`;
};

export type NodeStakeRow = {
  account: `0x${string}`;
  staked: string;
  pendingUnstake: string;
  unlockAt: string | null;
};

export type DerivationRuleRow = {
  id: string;
  domain: number;
  kind: number;
  attribute: number;
  thresholdBps: number;
  weightBps: number;
  active: boolean;
  updatedAt: string;
};

export type CertificationFloorRow = {
  domain: number;
  minIntegrityBps: number;
  minTimelinessBps: number;
  minContinuityBps: number;
  maxGapSlots: number;
  updatedAt: string;
};

export type GovernanceSettingsRow = {
  settings: Record<string, string>;
  totalStaked: string;
  headBlock: string;
};

/** Keyset position in a newest-first list of proposals. */
export type ProposalPageKey = { first: number; after?: { createdBlock: string; id: string } | undefined };
export type VotePageKey = {
  proposalId: string;
  first: number;
  after?: { blockNumber: string; voter: string } | undefined;
};
export type NodePageKey = { first: number; after?: { staked: string; account: string } | undefined };
export type Page<T> = { rows: T[]; hasNextPage: boolean };

/**
 * Per-request loaders over the governance views. A proposal comes with what its state needs, read in one statement
 * (so the rows and the block they are current at agree): the total stake and quorum numerator at its snapshot and
 * the indexer's latest indexed block, from ponder's `_ponder_checkpoint` (its latest checkpoint is written in the
 * same transaction as the block's rows; block number = characters 27–42 of the checkpoint).
 */
export function createGovernanceLoaders(sql: Sql, schema: string) {
  const table = (name: string) => sql(`${schema}.${name}`);
  const lists = governanceListQueries(sql, schema);
  const { headBlock, proposalColumns } = lists;

  const proposalById = new DataLoader<string, ProposalRow | undefined>(async (ids) => {
    const rows = await sql<ProposalRow[]>`
      select ${proposalColumns} from ${table("proposal")} p where p.id = any(${ids as string[]}::numeric[])`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });

  const proposalPage = new DataLoader<ProposalPageKey, Page<ProposalRow>, string>(
    (keys) =>
      Promise.all(
        keys.map(async (key) => {
          const rows = await lists.proposalPage(key);
          return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
        }),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const proposalCount = new DataLoader<"all", TotalCount>(async (keys) => {
    const [{ count } = { count: 0 }] = await lists.proposalBoundedCount();
    const total = await toTotalCount(count, () => estimateRowCount(sql, lists.proposalMatching()));
    return keys.map(() => total);
  });

  /** Keyset pages of votes, newest first; the proposals of one list share one statement (a LATERAL join). */
  const votePage = new DataLoader<VotePageKey, Page<VoteRow>, string>(
    async (keys) => {
      const rowsPerKey = await batchByShape(
        keys,
        (key) => String(key.after !== undefined),
        (group) => lists.votePage(group),
      );
      return keys.map((key, i) => {
        const rows = (rowsPerKey[i] ?? []) as VoteRow[];
        return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
      });
    },
    { cacheKeyFn: votePageKey },
  );

  const voteCount = new DataLoader<string, TotalCount>(async (proposalIds) => {
    const rows = await lists.voteBoundedCount(proposalIds);
    return Promise.all(
      proposalIds.map((id, i) =>
        toTotalCount(rows.find((row) => row.batchIndex === i)?.count ?? 0, () =>
          estimateRowCount(sql, lists.voteMatching(id)),
        ),
      ),
    );
  });

  /** One vote by `${proposalId}:${voter}` (voter lower-case). */
  const voteByKey = new DataLoader<string, VoteRow | undefined>(async (keys) => {
    const pairs = keys.map((key) => key.split(":") as [string, string]);
    const rows = await sql<VoteRow[]>`
      select * from ${table("vote")}
      where (proposal_id, voter) in (select * from unnest(${pairs.map((p) => p[0])}::numeric[], ${pairs.map((p) => p[1])}::text[]))`;
    const byKey = new Map(rows.map((row) => [`${row.proposalId}:${row.voter}`, row]));
    return keys.map((key) => byKey.get(key));
  });

  /** Stake by lower-case address; an address that never staked has none. */
  const stakeByAddress = new DataLoader<string, NodeStakeRow | undefined>(async (addresses) => {
    const rows = await sql<NodeStakeRow[]>`
      select account, staked, pending_unstake, unlock_at from ${table("node_stake")}
      where account = any(${addresses as string[]})`;
    const byAddress = new Map<string, NodeStakeRow>(rows.map((row) => [row.account, row]));
    return addresses.map((address) => byAddress.get(address));
  });

  const nodePage = new DataLoader<NodePageKey, Page<NodeStakeRow>, string>(
    (keys) =>
      Promise.all(
        keys.map(async (key) => {
          const rows = await lists.nodePage(key);
          return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
        }),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const nodeCount = new DataLoader<"all", TotalCount>(async (keys) => {
    const [{ count } = { count: 0 }] = await lists.nodeBoundedCount();
    const total = await toTotalCount(count, () => estimateRowCount(sql, lists.nodeMatching()));
    return keys.map(() => total);
  });

  const derivationRules = new DataLoader<"all", DerivationRuleRow[]>(async (keys) => {
    const rows = await sql<DerivationRuleRow[]>`
      select id, domain, kind, attribute, threshold_bps, weight_bps, active, updated_at
      from ${table("derivation_rule")} order by id`;
    return keys.map(() => rows);
  });

  const certificationFloors = new DataLoader<"all", CertificationFloorRow[]>(async (keys) => {
    const rows = await sql<CertificationFloorRow[]>`
      select * from ${table("certification_floor")} order by domain`;
    return keys.map(() => rows);
  });

  const governanceSettings = new DataLoader<"all", GovernanceSettingsRow>(async (keys) => {
    const [settings, [totals]] = await Promise.all([
      sql<{ name: string; value: string }[]>`select name, value from ${table("governor_setting")}`,
      sql<{ totalStaked: string; headBlock: string }[]>`
        select coalesce(sum(staked), 0) as total_staked, ${headBlock} as head_block from ${table("node_stake")}`,
    ]);
    const row = {
      settings: Object.fromEntries(settings.map((s) => [s.name, s.value])),
      totalStaked: totals?.totalStaked ?? "0",
      headBlock: totals?.headBlock ?? "0",
    };
    return keys.map(() => row);
  });

  return {
    proposalById,
    proposalPage,
    proposalCount,
    votePage,
    voteCount,
    voteByKey,
    stakeByAddress,
    nodePage,
    nodeCount,
    derivationRules,
    certificationFloors,
    governanceSettings,
  };
}

function votePageKey(key: VotePageKey): string {
  return JSON.stringify([key.proposalId, key.first, key.after]);
}
