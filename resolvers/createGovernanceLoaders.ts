import DataLoader from "dataloader";
import type { Sql } from "postgres";

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
  const headBlock = sql`(select min(substring(latest_checkpoint from 27 for 16)::numeric) from ${table("_ponder_checkpoint")})`;
  const proposalColumns = sql`
    p.*,
    coalesce((select s.total_staked from ${table("stake_event")} s
              where s.block_number <= p.vote_start order by s.block_number desc limit 1), 0) as snapshot_total_stake,
    coalesce((select c.value from ${table("governor_setting_change")} c
              where c.name = 'quorum_numerator' and c.block_number <= p.vote_start
              order by c.block_number desc limit 1), 0) as quorum_numerator,
    ${headBlock} as head_block`;

  const proposalById = new DataLoader<string, ProposalRow | undefined>(async (ids) => {
    const rows = await sql<ProposalRow[]>`
      select ${proposalColumns} from ${table("proposal")} p where p.id = any(${ids as string[]}::numeric[])`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });

  const proposalPage = new DataLoader<ProposalPageKey, Page<ProposalRow>, string>(
    (keys) =>
      Promise.all(
        keys.map(async ({ first, after }) => {
          const rows = await sql<ProposalRow[]>`
            select ${proposalColumns} from ${table("proposal")} p
            where ${after === undefined ? sql`true` : sql`(p.created_block, p.id) < (${after.createdBlock}::numeric, ${after.id}::numeric)`}
            order by p.created_block desc, p.id desc
            limit ${first + 1}`;
          return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
        }),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const proposalCount = new DataLoader<"all", number>(async (keys) => {
    const [{ count } = { count: 0 }] = await sql<{ count: number }[]>`
      select count(*)::int as count from ${table("proposal")}`;
    return keys.map(() => count);
  });

  /** Pages of votes, newest first; the proposals of one list share one statement (a window per proposal). */
  const votePage = new DataLoader<VotePageKey, Page<VoteRow>, string>(
    async (keys) => {
      const groups = new Map<string, VotePageKey[]>();
      for (const key of keys) {
        const shape = JSON.stringify([key.first, key.after]);
        groups.set(shape, [...(groups.get(shape) ?? []), key]);
      }
      const pages = new Map<string, Page<VoteRow>>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const { first, after } = group[0] as VotePageKey;
          const rows = await sql<(VoteRow & { pageRank: string })[]>`
            select * from (
              select v.*, row_number() over (partition by v.proposal_id order by v.block_number desc, v.voter desc) as page_rank
              from ${table("vote")} v
              where v.proposal_id = any(${group.map((k) => k.proposalId)}::numeric[])
                ${after === undefined ? sql`` : sql`and (v.block_number, v.voter) < (${after.blockNumber}::numeric, ${after.voter})`}
            ) ranked
            where ranked.page_rank <= ${first + 1}
            order by ranked.block_number desc, ranked.voter desc`;
          for (const key of group) {
            const mine = rows
              .filter((row) => row.proposalId === key.proposalId)
              .map(({ pageRank: _, ...row }) => row as VoteRow);
            pages.set(votePageKey(key), { rows: mine.slice(0, first), hasNextPage: mine.length > first });
          }
        }),
      );
      return keys.map((key) => pages.get(votePageKey(key)) as Page<VoteRow>);
    },
    { cacheKeyFn: votePageKey },
  );

  const voteCount = new DataLoader<string, number>(async (proposalIds) => {
    const rows = await sql<{ proposalId: string; count: number }[]>`
      select proposal_id, count(*)::int as count from ${table("vote")}
      where proposal_id = any(${proposalIds as string[]}::numeric[]) group by proposal_id`;
    const byId = new Map(rows.map((row) => [row.proposalId, row.count]));
    return proposalIds.map((id) => byId.get(id) ?? 0);
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
        keys.map(async ({ first, after }) => {
          const rows = await sql<NodeStakeRow[]>`
            select account, staked, pending_unstake, unlock_at from ${table("node_stake")}
            where (staked > 0 or pending_unstake > 0)
              ${after === undefined ? sql`` : sql`and (staked < ${after.staked}::numeric or (staked = ${after.staked}::numeric and account > ${after.account}))`}
            order by staked desc, account asc
            limit ${first + 1}`;
          return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
        }),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const nodeCount = new DataLoader<"all", number>(async (keys) => {
    const [{ count } = { count: 0 }] = await sql<{ count: number }[]>`
      select count(*)::int as count from ${table("node_stake")} where staked > 0 or pending_unstake > 0`;
    return keys.map(() => count);
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
