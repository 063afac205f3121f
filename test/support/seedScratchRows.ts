import type { Sql } from "postgres";

export type SeedScratchRowsParameters = {
  /** Certificates (and one derivative each) with ids fromId..toId, inclusive; newer ids certified later. */
  fromId: number;
  toId: number;
  /** Distinct providers the certificates are spread over (round robin). */
  providers?: number;
  /** Proposals, and votes per proposal, to add (governance lists). */
  proposals?: number;
  votesPerProposal?: number;
  /** Staking nodes to add (node_stake), a tenth of them fully withdrawn. */
  nodes?: number;
};

/** The address of synthetic provider `n` (1-based). */
export function scratchProvider(n: number): `0x${string}` {
  return `0x${n.toString(16).padStart(40, "0")}`;
}

/**
 * Fills tables made by createScratchTables with synthetic rows in bulk (`insert … select … from generate_series`),
 * shaped like the indexer's: three certificates per block (ties on certified_at), both domains, every provider's
 * `certificate_count` kept right, a derivative bound to each certificate, proposals with votes, nodes with stakes.
 * Ends with `vacuum analyze`, so the planner sees the volumes.
 */
export async function seedScratchRows(
  sql: Sql,
  schema: string,
  {
    fromId,
    toId,
    providers = 997,
    proposals = 0,
    votesPerProposal = 0,
    nodes = 0,
  }: SeedScratchRowsParameters,
): Promise<void> {
  const t = (name: string) => sql(`${schema}.${name}`);
  const provider = sql`'0x' || lpad(to_hex(i % ${providers} + 1), 40, '0')`;
  const hash = (salt: string) => sql`'0x' || md5(i::text || ${salt}) || md5(${salt} || i::text)`;
  if (toId >= fromId) {
    await sql`
      insert into ${t("certificate")} (id, provider, domain, dataset_commitment, schema_hash, min_integrity_bps,
        min_timeliness_bps, min_continuity_bps, max_gap_slots, window_start, slot_seconds, deadline_seconds,
        proof_hash, certified_at, block_number, transaction_hash)
      select i, ${provider}, 1 + (i / 7) % 2, ${hash("d")}, ${hash("s")}, 9000, 9000, 9000, 3,
        1700000000 + i * 60, 900, 300, ${hash("p")}, 1700000000 + (i / 3) * 12, 100 + i / 3, ${hash("t")}
      from generate_series(${fromId}::bigint, ${toId}::bigint) as i`;
    await sql`
      insert into ${t("derivative")} (id, owner, rule_id, kind, weight_bps, model_id, model_version_hash,
        output_hash, feature_commitment, core_ids, minted_at, block_number, transaction_hash)
      select i, ${provider}, 1 + i % 3, 1 + i % 3, 2500, ${hash("m")}, ${hash("v")}, ${hash("o")}, ${hash("f")},
        json_build_array(i::text), 1700000100 + (i / 3) * 12, 110 + i / 3, ${hash("u")}
      from generate_series(${fromId}::bigint, ${toId}::bigint) as i`;
    await sql`
      insert into ${t("derivative_core")} (derivative_id, certificate_id, position)
      select i, i, 0 from generate_series(${fromId}::bigint, ${toId}::bigint) as i`;
    await sql`
      insert into ${t("provider")} (address, name, registered_at, registered_block, certificate_count)
      select provider, 'provider ' || provider, 1700000000, 1, count(*) from ${t("certificate")} group by provider
      on conflict (address) do update set certificate_count = excluded.certificate_count`;
  }
  if (proposals > 0) {
    const [{ next } = { next: 1 }] = await sql<{ next: number }[]>`
      select coalesce(max(id), 0)::int + 1 as next from ${t("proposal")}`;
    await sql`
      insert into ${t("proposal")} (id, proposer, targets, values, calldatas, description, vote_start, vote_end,
        for_votes, against_votes, abstain_votes, created_at, created_block)
      select i, ${provider}, '[]', '[]', '[]', 'proposal ' || i, 1000 + i * 10, 1100 + i * 10, 0, 0, 0,
        1700000000 + i * 12, 999 + i * 10
      from generate_series(${next}::bigint, ${next + proposals - 1}::bigint) as i`;
    if (votesPerProposal > 0)
      await sql`
        insert into ${t("vote")} (proposal_id, voter, support, weight, reason, block_number, timestamp,
          transaction_hash)
        select p, '0x' || lpad(to_hex(i), 40, '0'), i % 3, 1000, '', 1001 + p * 10 + i / 4, 1700000000 + i,
          '0x' || md5(p::text || ':' || i::text) || md5(i::text)
        from generate_series(${next}::bigint, ${next + proposals - 1}::bigint) as p,
          generate_series(1, ${votesPerProposal}) as i`;
    await sql`
      insert into ${t("_ponder_checkpoint")} values ('caldera', 31337, '0', ${`${"0".repeat(26)}${"9".repeat(16)}`}, '0')
      on conflict do nothing`;
  }
  if (nodes > 0)
    await sql`
      insert into ${t("node_stake")} (account, staked, pending_unstake, unlock_at, updated_at)
      select '0x' || lpad(to_hex(1000000 + i), 40, '0'),
        case when i % 10 = 0 then 0 else (i % 50) * 1000 end, case when i % 20 = 5 then 500 else 0 end, null, 0
      from generate_series(1, ${nodes}) as i
      on conflict do nothing`;
  // Vacuum too: the visibility map lets counts and pages be index-only scans, as autovacuum keeps ponder's tables.
  for (const name of [
    "certificate",
    "derivative",
    "derivative_core",
    "provider",
    "proposal",
    "vote",
    "node_stake",
  ])
    await sql`vacuum analyze ${t(name)}`;
}
