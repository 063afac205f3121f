import type { Sql } from "postgres";
import { EXACT_COUNT_LIMIT } from "./connection.js";
import type { CertificateRow } from "./rows.js";

export type CertificateFilterKey = {
  provider?: `0x${string}` | undefined;
  domain?: number | undefined;
  /** Unix seconds, inclusive. */
  certifiedFrom?: number | undefined;
  /** Unix seconds, exclusive. */
  certifiedBefore?: number | undefined;
};

/** A keyset position in the newest-first order: the last row of the previous page. */
export type CertificatePosition = { certifiedAt: string; id: string };

export type CertificatePageKey = CertificateFilterKey & {
  first: number;
  /** Rows strictly after this position (the row itself may have gone since). */
  after?: CertificatePosition | undefined;
  /**
   * The columns to read (certificateColumns: what the query selects), sorted; every column when absent. A row then
   * has only those fields.
   */
  columns?: readonly string[] | undefined;
};

const set = (value: unknown) => (value === undefined ? "0" : "1");

/** Which filters (and, for a page, which columns) a key sets: keys of one shape share one statement. */
export function certificateKeyShape(key: CertificatePageKey | CertificateFilterKey): string {
  return (
    set(key.provider) +
    set(key.domain) +
    set(key.certifiedFrom) +
    set(key.certifiedBefore) +
    set("after" in key ? key.after : undefined) +
    ("columns" in key && key.columns ? key.columns.join(",") : "")
  );
}

/**
 * The SQL of certificate lists, newest first: order (certified_at desc, id desc), a keyset on it, and an index for
 * every combination of filters whose trailing columns are (certified_at, id) (indexer/ponder.schema.ts). A batch of
 * keys of one shape (say 20 providers' first pages) is one statement: a LATERAL join over the keys, each reading at
 * most `first + 1` entries of its index. Exported for test/scale/explain.test.ts, which checks the plans.
 */
export function certificateListQueries(sql: Sql, schema: string) {
  const certificate = sql(`${schema}.certificate`);
  /**
   * The filter on `c`: only the conditions a key sets. A batch compares with the columns of its key row `k`; a
   * single key compares with its values inline, so the planner uses the statistics of that provider, domain or
   * time range (a rare domain then takes its own index rather than filtering the time-ordered one).
   */
  const where = (key: CertificatePageKey | CertificateFilterKey, inline: boolean) => {
    const after = "after" in key ? key.after : undefined;
    // Functions, so only the fragments of the conditions a key sets are built (each fragment is a query object).
    const v = {
      provider: () => (inline ? sql`${key.provider ?? ""}` : sql`k.provider`),
      domain: () => (inline ? sql`${key.domain ?? 0}::int` : sql`k.domain`),
      from: () => (inline ? sql`${String(key.certifiedFrom ?? 0)}::numeric` : sql`k.certified_from`),
      before: () => (inline ? sql`${String(key.certifiedBefore ?? 0)}::numeric` : sql`k.certified_before`),
      after: () =>
        inline
          ? sql`(${after?.certifiedAt ?? "0"}::numeric, ${after?.id ?? "0"}::numeric)`
          : sql`(k.after_at, k.after_id)`,
    };
    return sql`
      ${key.provider === undefined ? sql`` : sql`and c.provider = ${v.provider()}`}
      ${key.domain === undefined ? sql`` : sql`and c.domain = ${v.domain()}`}
      ${key.certifiedFrom === undefined ? sql`` : sql`and c.certified_at >= ${v.from()}`}
      ${key.certifiedBefore === undefined ? sql`` : sql`and c.certified_at < ${v.before()}`}
      ${after === undefined ? sql`` : sql`and (c.certified_at, c.id) < ${v.after()}`}`;
  };
  const keyRows = (keys: readonly (CertificatePageKey | CertificateFilterKey)[]) => sql`
    unnest(
      ${keys.map((_, i) => i)}::int[],
      ${keys.map((k) => ("first" in k ? k.first + 1 : 0))}::int[],
      ${keys.map((k) => k.provider ?? "")}::text[],
      ${keys.map((k) => k.domain ?? 0)}::int[],
      ${keys.map((k) => String(k.certifiedFrom ?? 0))}::numeric[],
      ${keys.map((k) => String(k.certifiedBefore ?? 0))}::numeric[],
      ${keys.map((k) => ("after" in k && k.after ? k.after.certifiedAt : "0"))}::numeric[],
      ${keys.map((k) => ("after" in k && k.after ? k.after.id : "0"))}::numeric[]
    ) as k(batch_index, lim, provider, domain, certified_from, certified_before, after_at, after_id)`;

  return {
    /** Up to `first + 1` rows per key (the extra one says whether there is a next page), tagged with the key's index. */
    page: (keys: readonly CertificatePageKey[]) => {
      const key = keys[0] as CertificatePageKey;
      // The key's columns (names from certificateColumns' table, never a client's), qualified: in the lateral
      // join `provider` and `domain` are the key row's columns too.
      const columns = key.columns ? sql(key.columns.map((column) => `c.${column}`)) : sql`c.*`;
      if (keys.length === 1)
        return sql<(CertificateRow & { batchIndex: number })[]>`
          select 0 as batch_index, ${columns} from ${certificate} c where true ${where(key, true)}
          order by c.certified_at desc, c.id desc limit ${key.first + 1}`;
      return sql<(CertificateRow & { batchIndex: number })[]>`
        select k.batch_index, c.* from ${keyRows(keys)}
        cross join lateral (
          select ${columns} from ${certificate} c where true ${where(key, false)}
          order by c.certified_at desc, c.id desc
          limit k.lim
        ) c
        order by k.batch_index, c.certified_at desc, c.id desc`;
    },
    /**
     * Per key, the matching rows counted up to EXACT_COUNT_LIMIT + 1: the page's index, read in page order (an
     * index-only scan), stopping there.
     */
    boundedCount: (keys: readonly CertificateFilterKey[]) => {
      const key = keys[0] as CertificateFilterKey;
      const rows = (inline: boolean) => sql`
        select 1 from ${certificate} c where true ${where(key, inline)}
        order by c.certified_at desc, c.id desc limit ${EXACT_COUNT_LIMIT + 1}`;
      if (keys.length === 1)
        return sql<{ batchIndex: number; count: number }[]>`
          select 0 as batch_index, count(*)::int as count from (${rows(true)}) bounded`;
      return sql<{ batchIndex: number; count: number }[]>`
        select k.batch_index, (select count(*)::int from (${rows(false)}) bounded) as count
        from ${keyRows(keys)}`;
    },
    /** The rows of one filter, for the planner's estimate (only explained, never run). */
    matching: (key: CertificateFilterKey) =>
      sql`select 1 from ${certificate} c where true ${where(key, true)}`,
  };
}
