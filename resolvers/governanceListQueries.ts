import type { PendingQuery, Row, Sql } from "postgres";
import { EXACT_COUNT_LIMIT } from "./connection.js";
import type {
  NodePageKey,
  NodeStakeRow,
  ProposalPageKey,
  ProposalRow,
  VotePageKey,
  VoteRow,
} from "./createGovernanceLoaders.js";

/**
 * The SQL of the governance lists, each a keyset page on an index (indexer/schema/governance.ts): proposals newest
 * first on (created_block, id), a proposal's votes newest first on (proposal_id, block_number, voter), nodes by
 * stake on (staked desc, account). Exported for test/scale/explain.test.ts, which checks the plans.
 */
export function governanceListQueries(sql: Sql, schema: string) {
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
  const nodeColumns = sql`account, staked, pending_unstake, unlock_at`;
  const isNode = sql`(staked > 0 or pending_unstake > 0)`;
  /** Counts `rows` (read in its list's index order, so by an index-only scan) up to EXACT_COUNT_LIMIT + 1. */
  const bounded = (rows: PendingQuery<Row[]>) =>
    sql<
      { count: number }[]
    >`select count(*)::int as count from (${rows} limit ${EXACT_COUNT_LIMIT + 1}) bounded`;

  return {
    headBlock,
    proposalColumns,
    /** Up to `first + 1` proposals after the position. */
    proposalPage: ({ first, after }: ProposalPageKey) => sql<ProposalRow[]>`
      select ${proposalColumns} from ${table("proposal")} p
      where ${after === undefined ? sql`true` : sql`(p.created_block, p.id) < (${after.createdBlock}::numeric, ${after.id}::numeric)`}
      order by p.created_block desc, p.id desc
      limit ${first + 1}`,
    proposalMatching: () => sql`select 1 from ${table("proposal")}`,
    proposalBoundedCount: () =>
      bounded(sql`select 1 from ${table("proposal")} order by created_block desc, id desc`),

    /**
     * Up to `first + 1` votes per key (a list of proposals each asking for its votes shares the statement when the
     * keys share `after`'s presence), tagged with the key's index in the batch.
     */
    votePage: (keys: readonly VotePageKey[]) => sql<(VoteRow & { batchIndex: number })[]>`
      select k.batch_index, v.* from unnest(
        ${keys.map((_, i) => i)}::int[],
        ${keys.map((k) => k.first + 1)}::int[],
        ${keys.map((k) => k.proposalId)}::numeric[],
        ${keys.map((k) => k.after?.blockNumber ?? "0")}::numeric[],
        ${keys.map((k) => k.after?.voter ?? "")}::text[]
      ) as k(batch_index, lim, proposal_id, after_block, after_voter)
      cross join lateral (
        select * from ${table("vote")} v where v.proposal_id = k.proposal_id
          ${keys[0]?.after === undefined ? sql`` : sql`and (v.block_number, v.voter) < (k.after_block, k.after_voter)`}
        order by v.block_number desc, v.voter desc
        limit k.lim
      ) v
      order by k.batch_index, v.block_number desc, v.voter desc`,
    /** Per proposal, its votes counted up to EXACT_COUNT_LIMIT + 1, in input order. */
    voteBoundedCount: (proposalIds: readonly string[]) => sql<{ batchIndex: number; count: number }[]>`
      select k.batch_index, (
        select count(*)::int from (
          select 1 from ${table("vote")} v where v.proposal_id = k.proposal_id
          order by v.block_number desc, v.voter desc limit ${EXACT_COUNT_LIMIT + 1}
        ) bounded
      ) as count
      from unnest(${proposalIds.map((_, i) => i)}::int[], ${proposalIds as string[]}::numeric[])
        as k(batch_index, proposal_id)`,
    voteMatching: (proposalId: string) =>
      sql`select 1 from ${table("vote")} v where v.proposal_id = ${proposalId}::numeric`,

    /**
     * Up to `first + 1` nodes, largest stake first, ties by address. After a position the page is the rest of its
     * stake (account greater) then smaller stakes: two ranges of the (staked desc, account) index, as a row
     * comparison cannot mix directions.
     */
    nodePage: ({ first, after }: NodePageKey) =>
      after === undefined
        ? sql<NodeStakeRow[]>`
          select ${nodeColumns} from ${table("node_stake")} where ${isNode}
          order by staked desc, account limit ${first + 1}`
        : sql<NodeStakeRow[]>`
          select * from (
            (select ${nodeColumns} from ${table("node_stake")}
             where staked = ${after.staked}::numeric and account > ${after.account} and ${isNode}
             order by staked desc, account limit ${first + 1})
            union all
            (select ${nodeColumns} from ${table("node_stake")}
             where staked < ${after.staked}::numeric and ${isNode}
             order by staked desc, account limit ${first + 1})
          ) page
          order by staked desc, account limit ${first + 1}`,
    nodeMatching: () => sql`select 1 from ${table("node_stake")} where ${isNode}`,
    nodeBoundedCount: () =>
      bounded(sql`select 1 from ${table("node_stake")} where ${isNode} order by staked desc, account`),
  };
}
