import type { PendingQuery, Row, Sql } from "postgres";
import { utilisationDefinitionSql } from "../../resolvers/utilisationDefinitionSql.js";

export type SeedCirculationRowsParameters = {
  /** The derivatives (made by seedScratchRows, derivative i bound to certificate i) that circulation rows refer to. */
  fromId: number;
  toId: number;
  /** As given to seedScratchRows: derivative i's owner is provider i mod providers + 1. */
  providers?: number;
};

/** A ponder event id (75-digit checkpoint) for synthetic event `n`: larger n, later event. */
export function scratchEventId(n: number): string {
  return String(n).padStart(75, "0");
}

/** The licensed user `j` (0 or 1) of derivative `i`. */
export function scratchUser(i: number, j: number): `0x${string}` {
  return `0x${(2_000_000 + 2 * i + j).toString(16).padStart(40, "0")}`;
}

/**
 * Fills the circulation tables (indexer/schema/circulation.ts) made by createScratchTables, for derivatives made by
 * seedScratchRows, with rows shaped like the indexer's:
 * - two licences per derivative (ids 2i − 1 and 2i, to users scratchUser(i, 0) and (i, 1)), per use for odd i;
 * - derivative i is used unless i mod 4 = 0: two adoptions (kinds 1, 2: i mod 3 ≠ 2) or three invocations (kind 3,
 *   users 0, 1, 0) — by the licensees, except when i mod 5 = 0, where each use names the other user's licence (an
 *   unlicensed use, which the utilisation rate must not count);
 * - a credit line for every even i (id i / 2; OPEN, CLOSED, DEFAULTED in turn) with three events each;
 * - an earning per licence (LICENCE, to the owner, one a day) and a REWARD for every 7th derivative;
 * - the seed reward rules, a reward row per used derivative, both pools.
 * Ends with `vacuum analyze`.
 */
export async function seedCirculationRows(
  sql: Sql,
  schema: string,
  { fromId, toId, providers = 997 }: SeedCirculationRowsParameters,
): Promise<void> {
  const t = (name: string) => sql(`${schema}.${name}`);
  const owner = sql`'0x' || lpad(to_hex(i % ${providers} + 1), 40, '0')`;
  const user = (j: PendingQuery<Row[]>) => sql`'0x' || lpad(to_hex(2000000 + 2 * i + ${j}), 40, '0')`;
  const hash = (salt: string) => sql`'0x' || md5(i::text || ${salt}) || md5(${salt} || i::text)`;
  const range = sql`generate_series(${fromId}::bigint, ${toId}::bigint) as i`;
  await sql`
    insert into ${t("licence_terms")} (derivative_id, provider, price, mode, quantity, active, updated_at, block_number)
    select i, ${owner}, 10000000000000000000, 2 - i % 2, case when i % 2 = 1 then 5 else 2592000 end, true,
      1700000000 + i * 12, 100 + i
    from ${range}`;
  await sql`
    insert into ${t("licence")} (id, derivative_id, licensee, payee, price_paid, revenue, pool_share, mode, uses_left,
      valid_until, purchases, purchased_at, updated_at, block_number, transaction_hash)
    select 2 * i - 1 + j, i, ${user(sql`j`)}, ${owner}, 10000000000000000000, 9000000000000000000,
      1000000000000000000, 2 - i % 2, case when i % 2 = 1 then 4 else 0 end,
      case when i % 2 = 1 then 0 else 1702592000 + i * 12 end, 1, 1700000000 + i * 12, 1700000000 + i * 12,
      100 + i, ${hash("l")}
    from ${range}, generate_series(0, 1) as j`;
  // Uses by the licensee of the licence they name, except i mod 5 = 0 (the other user's licence).
  const licensed = sql`case when i % 5 = 0 then 1 - j else j end`;
  await sql`
    insert into ${t("adoption")} (id, derivative_id, adopter, licence_id, counted, counted_adopters, adopted_at,
      block_number, transaction_hash)
    select lpad((i * 10 + j)::text, 75, '0'), i, ${user(licensed)}, 2 * i - 1 + j, true, j + 1,
      1700000000 + i * 12 + j, 100 + i, ${hash("a")}
    from ${range}, generate_series(0, 1) as j where i % 4 <> 0 and i % 3 <> 2`;
  await sql`
    insert into ${t("invocation")} (id, derivative_id, enterprise, licence_id, input_hash, result_hash, counted,
      counted_enterprises, invoked_at, block_number, transaction_hash)
    select lpad((i * 10 + n)::text, 75, '0'), i, ${user(sql`(case when i % 5 = 0 then 1 - n % 2 else n % 2 end)`)},
      2 * i - 1 + n % 2, ${hash("in")}, ${hash("out")}, n < 2, least(n + 1, 2), 1700000000 + i * 12 + n,
      100 + i, ${hash("t")}
    from ${range}, generate_series(0, 2) as n where i % 4 <> 0 and i % 3 = 2`;
  await sql`
    insert into ${t("reward_rule")} (kind, metric, threshold, amount, updated_at) values
      (1, 1, 10, 500000000000000000000, 1700000000), (3, 2, 3, 1200000000000000000000, 1700000000)
    on conflict do nothing`;
  await sql`
    insert into ${t("reward")} (derivative_id, metric, counted_accounts, threshold, amount, owed, paid, payee,
      earned_at, updated_at)
    select i, case when i % 3 = 2 then 2 else 1 end, 2, null, 0, 0, 0, null, null, 1700000000 + i * 12
    from ${range} where i % 4 <> 0`;
  await sql`
    insert into ${t("credit_line")} (id, derivative_id, borrower, domain, weight_bps, credit_limit, principal,
      interest, accrued_at, status, opened_at, due_at, closed_at, borrowed, repaid_principal, repaid_interest,
      principal_lost, interest_lost, updated_at, block_number, transaction_hash)
    select i / 2, i, ${owner}, 1 + (i / 7) % 2, 15000, 1500000000000000000000, 100000000000000000000, 0,
      1700000000 + i * 12, (array['OPEN', 'CLOSED', 'DEFAULTED'])[1 + (i / 2) % 3], 1700000000 + i * 12,
      1707776000 + i * 12, null, 100000000000000000000, 0, 0, 0, 0, 1700000000 + i * 12, 100 + i, ${hash("c")}
    from ${range} where i % 2 = 0`;
  await sql`
    insert into ${t("credit_event")} (id, line_id, kind, account, amount, principal, interest, timestamp,
      block_number, transaction_hash)
    select lpad((i * 10 + n)::text, 75, '0'), i / 2, (array['OPENED', 'BORROWED', 'REPAID'])[n + 1], ${owner},
      n * 1000, 1000, 0, 1700000000 + i * 12 + n, 100 + i, ${hash(`e`)}
    from ${range}, generate_series(0, 2) as n where i % 2 = 0`;
  await sql`
    insert into ${t("earning")} (id, account, kind, amount, derivative_id, timestamp, block_number, transaction_hash)
    select lpad((i * 10 + 5)::text, 75, '0'), ${owner}, 'LICENCE', 9000000000000000000, i,
      1700006400 + (i / ${providers}) * 86400, 100 + i, ${hash("l")}
    from ${range}`;
  await sql`
    insert into ${t("earning")} (id, account, kind, amount, derivative_id, timestamp, block_number, transaction_hash)
    select lpad((i * 10 + 6)::text, 75, '0'), ${owner}, 'REWARD', 500000000000000000000, i,
      1700006400 + (i / ${providers}) * 86400 + 3600, 100 + i, ${hash("r")}
    from ${range} where i % 7 = 0`;
  await sql`
    insert into ${t("reward_pool")} (id, balance, total_funded, total_claimed, share_bps, updated_at)
    values (1, 100, 300, 200, 1000, 1700000000) on conflict do nothing`;
  await sql`
    insert into ${t("credit_pool")} (id, total_assets, idle, outstanding_principal, total_losses, total_shares,
      interest_rate_bps, term_seconds, updated_at)
    values (1, 5000, 3000, 2000, 0, 5000, 800, 7776000, 1700000000) on conflict do nothing`;
  for (const name of [
    "licence_terms",
    "licence",
    "adoption",
    "invocation",
    "reward",
    "credit_line",
    "credit_event",
    "earning",
  ])
    await sql`vacuum analyze ${t(name)}`;
}

/**
 * Sets the indexer's running utilisation counts (`utilisation_count`) to what its handlers would hold for the rows
 * in `schema`: the market records only licensed uses, so that is the definition's number (the seeded unlicensed uses
 * could not have been recorded). For tests of `Query.utilisation`, which reads the counts.
 */
export async function seedUtilisationCount(sql: Sql, schema: string): Promise<void> {
  const definition = utilisationDefinitionSql(schema).replace(/;\s*$/, "");
  await sql.unsafe(`insert into ${schema}.utilisation_count (id, certified_cores, cores_in_use, updated_at)
    select 1, d.certified_cores, d.cores_with_derivative_in_use, 1700000000 from (${definition}) d
    on conflict (id) do update set certified_cores = excluded.certified_cores, cores_in_use = excluded.cores_in_use`);
}
