import type { Sql } from "postgres";

export type SeedRiskRowsParameters = {
  /** Risk features and freeze cases with ids fromId..toId, inclusive (newer ids later). */
  fromId: number;
  toId: number;
  /** As given to seedScratchRows: feature and case i are about provider i mod providers + 1 (scratchProvider). */
  providers?: number;
  /** Ecosystems 1 (Caldera) ..ecosystems; the last one is suspended. */
  ecosystems?: number;
};

const ERA = "000000000000000000";

/** The operator of synthetic ecosystem `n`. */
export function scratchOperator(n: number): `0x${string}` {
  return `0x${(0xe0000 + n).toString(16).padStart(40, "0")}`;
}

/** Synthetic staking node `n` (0-based), an attester and voter. */
export function scratchNode(n: number): `0x${string}` {
  return `0x${(0xa0000 + n).toString(16).padStart(40, "0")}`;
}

/** The time feature `i` was published at: two features per 12-second block (ties on published_at). */
export function scratchFeatureTime(i: number): number {
  return 1_700_000_000 + Math.floor(i / 2) * 12;
}

/**
 * Fills the risk tables (indexer/schema/risk.ts) made by createScratchTables with rows shaped like the indexer's,
 * in bulk (`insert … select … from generate_series`):
 * - ecosystems 1..E (1 "Caldera" without a subgraph; E suspended) and the vault's default parameters;
 * - feature i: subject scratchProvider(i mod providers + 1), ecosystem 1 + i mod E, kind 1 + (i / 3) mod 5,
 *   severity 4 when i mod 100 = 0, else 3 when i mod 20 = 0, 2 when i mod 5 = 0, 1 when even, else 0; verified
 *   unless i mod 3 = 0 (two attestations, else one), published at scratchFeatureTime(i);
 * - case i: about the same provider, filed by ecosystem 2 + i mod (E − 1); OPEN when i mod 20 = 0, else UPHELD,
 *   REJECTED, DISMISSED, EXPIRED by i mod 4; timeline FILED, VOTED, and for resolved cases RESOLVED, then
 *   DEPOSIT_RELEASED and UNFROZEN; an upheld case (claim 1,000 ERA, all seized) has a disposal: 40 % to Caldera,
 *   25 % to the applicant, 350 ERA dust, Caldera's share claimed when i mod 8 = 0 (DISPOSAL_SETTLED,
 *   PAYOUT_CLAIMED);
 * - a margin per provider (on the first call): locked p × 1,000 ERA, serving p mod 6 ecosystems, 5,000 ERA queued
 *   when p mod 4 = 0, frozen by its newest OPEN case.
 * Ends with `vacuum analyze`.
 */
export async function seedRiskRows(
  sql: Sql,
  schema: string,
  { fromId, toId, providers = 997, ecosystems = 8 }: SeedRiskRowsParameters,
): Promise<void> {
  const t = (name: string) => sql(`${schema}.${name}`);
  const provider = sql`'0x' || lpad(to_hex(i % ${providers} + 1), 40, '0')`;
  const hash = (salt: string) => sql`'0x' || md5(i::text || ${salt}) || md5(${salt} || i::text)`;
  const range = sql`generate_series(${fromId}::bigint, ${toId}::bigint) as i`;
  const eventId = (n: number) => sql`lpad((i * 10 + ${n})::text, 75, '0')`;
  await sql`
    insert into ${t("ecosystem")} (id, name, operator, subgraph_url, active, admitted_at, admitted_block, updated_at)
    select i, case when i = 1 then 'Caldera' else 'ecosystem-' || i end, '0x' || lpad(to_hex(917504 + i), 40, '0'),
      case when i = 1 then '' else 'http://partner-' || i || '.example/graphql' end, i <> ${ecosystems},
      1699990000 + i * 12, 10 + i, 1699990000 + i * 12
    from generate_series(1, ${ecosystems}) as i
    on conflict do nothing`;
  await sql`
    insert into ${t("margin_vault")} (id, min_margin, per_ecosystem_margin, freeze_deposit, review_window,
      unlock_delay, case_quorum_bps, reserve, updated_at)
    values (1, ${`20000${ERA}`}, ${`20000${ERA}`}, ${`1000${ERA}`}, 259200, 345600, 4000, 0, 1699990000)
    on conflict do nothing`;
  if (toId >= fromId) {
    const severity = sql`case when i % 100 = 0 then 4 when i % 20 = 0 then 3 when i % 5 = 0 then 2
      when i % 2 = 0 then 1 else 0 end`;
    const published = sql`(1700000000 + (i / 2) * 12)`;
    await sql`
      insert into ${t("risk_feature")} (id, subject, ecosystem_id, kind, bucket, severity, window_start, window_end,
        threshold, record_count, evidence_root, attestations, verified, published_at, snapshot_block, verified_at,
        block_number, transaction_hash)
      select i, ${provider}, 1 + i % ${ecosystems}, 1 + (i / 3) % 5, ${severity}, ${severity},
        ${published} - 2592000, ${published} - 60, (array[1, 3600, 1, 2000, 500])[1 + (i / 3) % 5], 32,
        ${hash("root")}, case when i % 3 = 0 then 1 else 2 end, i % 3 <> 0, ${published}, 99 + i / 2,
        case when i % 3 = 0 then null else ${published} + 12 end, 100 + i / 2, ${hash("tx")}
      from ${range}`;
    await sql`
      insert into ${t("risk_feature_attestation")} (feature_id, node, attestations, event_id, attested_at,
        block_number, transaction_hash)
      select i, '0x' || lpad(to_hex(655360 + (i + j) % 20), 40, '0'), j + 1, ${eventId(0)}::text || j,
        ${published} + 12 * j, 100 + i / 2 + j, ${hash("at")}
      from ${range}, generate_series(0, 1) as j where j = 0 or i % 3 <> 0`;
    const status = sql`case when i % 20 = 0 then 'OPEN'
      else (array['UPHELD', 'REJECTED', 'DISMISSED', 'EXPIRED'])[1 + i % 4] end`;
    const filed = sql`(1700000000 + i * 60)`;
    const claim = `1000${ERA}`;
    await sql`
      insert into ${t("freeze_case")} (id, provider, ecosystem_id, applicant, status, claim_amount, deposit,
        evidence_hash, snapshot_block, filed_at, vote_end, frozen_amount, votes_uphold, votes_reject, votes_dismiss,
        seized, resolved_at, block_number, transaction_hash, updated_at)
      select i, ${provider}, 2 + i % ${ecosystems - 1}, '0x' || lpad(to_hex(917504 + 2 + i % ${ecosystems - 1}), 40, '0'),
        ${status}, ${claim}::numeric, ${`1000${ERA}`}::numeric, ${hash("ev")}, 99 + i * 5, ${filed},
        ${filed} + 259200, ${`50000${ERA}`}::numeric, ${`30000${ERA}`}::numeric, 0, 0,
        case when ${status} = 'UPHELD' then ${claim}::numeric else 0 end,
        case when ${status} = 'OPEN' then null else ${filed} + 259200 end, 100 + i * 5, ${hash("ct")}, ${filed}
      from ${range}`;
    await sql`
      insert into ${t("case_event")} (id, case_id, kind, actor, verdict, weight, amount, ecosystem_id, timestamp,
        block_number, transaction_hash)
      select ${eventId(1)}, i, 'FILED', '0x' || lpad(to_hex(917504 + 2 + i % ${ecosystems - 1}), 40, '0'), null,
        null, ${claim}::numeric, 2 + i % ${ecosystems - 1}, ${filed}, 100 + i * 5, ${hash("ct")}
      from ${range}
      union all
      select ${eventId(2)}, i, 'VOTED', '0x' || lpad(to_hex(655360 + i % 20), 40, '0'), 1, ${`30000${ERA}`}::numeric,
        null, null, ${filed} + 60, 101 + i * 5, ${hash("cv")}
      from ${range}
      union all
      select lpad((i * 10 + 3 + k.n)::text, 75, '0'), i, k.kind, case when k.kind = 'UNFROZEN' then ${provider}
        else '0x' || lpad(to_hex(655360 + i % 20), 40, '0') end,
        case when k.kind = 'RESOLVED' then (array[1, 2, 3, null])[1 + i % 4] end, null,
        case when k.kind = 'UNFROZEN' then null when k.kind = 'RESOLVED' and i % 4 <> 0 then 0
          when k.kind = 'RESOLVED' then ${claim}::numeric else ${`1000${ERA}`}::numeric end,
        null, ${filed} + 259200, 102 + i * 5, ${hash("cr")}
      from ${range}, (values (0, 'RESOLVED'), (1, 'DEPOSIT_RELEASED'), (2, 'UNFROZEN')) as k(n, kind)
      where i % 20 <> 0`;
    const upheld = sql`i % 20 <> 0 and i % 4 = 0`;
    await sql`
      insert into ${t("disposal")} (case_id, assessment_hash, inputs_hash, seized, assigned, dust, paid_out,
        settled_at, block_number, transaction_hash)
      select i, ${hash("ah")}, ${hash("in")}, ${claim}::numeric, ${`650${ERA}`}::numeric, ${`350${ERA}`}::numeric,
        case when i % 8 = 0 then ${`400${ERA}`}::numeric else 0 end, ${filed} + 259260, 103 + i * 5, ${hash("ds")}
      from ${range} where ${upheld}`;
    await sql`
      insert into ${t("disposal_share")} (case_id, ecosystem_id, share_bps, amount, claimed, claimed_at, claimed_by)
      select i, 1, 4000, ${`400${ERA}`}::numeric, i % 8 = 0, case when i % 8 = 0 then ${filed} + 259320 end,
        case when i % 8 = 0 then '0x' || lpad(to_hex(917505), 40, '0') end
      from ${range} where ${upheld}
      union all
      select i, 2 + i % ${ecosystems - 1}, 2500, ${`250${ERA}`}::numeric, false, null, null
      from ${range} where ${upheld}`;
    await sql`
      insert into ${t("case_event")} (id, case_id, kind, actor, verdict, weight, amount, ecosystem_id, timestamp,
        block_number, transaction_hash)
      select ${eventId(6)}, i, 'DISPOSAL_SETTLED', '0x' || lpad(to_hex(655360 + i % 20), 40, '0'), null::int,
        null::numeric, ${claim}::numeric, null::int, ${filed} + 259260, 103 + i * 5, ${hash("ds")}
      from ${range} where ${upheld}
      union all
      select ${eventId(7)}, i, 'PAYOUT_CLAIMED', '0x' || lpad(to_hex(917505), 40, '0'), null, null,
        ${`400${ERA}`}::numeric, 1, ${filed} + 259320, 104 + i * 5, ${hash("pc")}
      from ${range} where ${upheld} and i % 8 = 0`;
    await sql`
      update ${t("margin_vault")} set reserve = (select coalesce(sum(dust), 0) from ${t("disposal")}) where id = 1`;
  }
  await sql`
    insert into ${t("margin")} (provider, locked, queued, unlock_at, ecosystems_served, served_count, frozen_by,
      seized, created_id, updated_at, block_number)
    select '0x' || lpad(to_hex(p), 40, '0'), (p * 1000)::numeric * 1000000000000000000,
      case when p % 4 = 0 then ${`5000${ERA}`}::numeric else 0 end, case when p % 4 = 0 then 1700345600 else 0 end,
      (select coalesce(json_agg(e), '[]'::json) from generate_series(1, p % 6) as e), p % 6, null, 0,
      lpad(p::text, 75, '0'), 1699995000 + p, 50 + p
    from generate_series(1, ${providers}) as p
    on conflict do nothing`;
  // Frozen by its newest open case (one open case per margin on a chain; the synthetic ones may have several).
  await sql`
    update ${t("margin")} m set frozen_by = (
      select max(c.id) from ${t("freeze_case")} c where c.provider = m.provider and c.status = 'OPEN')`;
  for (const name of [
    "ecosystem",
    "risk_feature",
    "risk_feature_attestation",
    "margin",
    "freeze_case",
    "case_event",
    "disposal",
    "disposal_share",
  ])
    await sql`vacuum analyze ${t(name)}`;
}
