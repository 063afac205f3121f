import type { Row, Sql } from "postgres";
import { EXACT_COUNT_LIMIT } from "./connection.js";

/** Equality filters of a list, by column; undefined = not filtered. */
type Filters = Record<string, string | number | undefined>;

/** A page request: the filters, `first`, and the keyset position to continue strictly after (newest first). */
export type CirculationPageKey<F extends Filters> = F & { first: number; after?: string | undefined };

export type KeysetListSpec<F extends Filters> = {
  /** The view (table) in the views schema. */
  table: string;
  /** The unique sort key, read newest first (descending), and its SQL type. */
  sortKey: string;
  sortType: "numeric" | "text";
  /** Each filter's column and SQL type (every combination has an index ending in the sort key). */
  filters: { [K in keyof F]: { column: string; type: "numeric" | "text" | "int" } };
};

/** The key's filters that are set, in the spec's order: one statement serves every key of the same shape. */
export function keyShapeOf<F extends Filters>(
  spec: KeysetListSpec<F>,
  key: F & { after?: string | undefined },
): string {
  return [
    ...Object.keys(spec.filters).map((name) => key[name] !== undefined),
    "after" in key && key.after !== undefined,
  ]
    .map(Number)
    .join("");
}

/**
 * The SQL of one keyset list: rows matching equality filters, newest first by one unique sort key, each page read
 * from an index whose leading columns are the filters and whose last is the sort key. Keys of one shape share one
 * statement (a LATERAL join over the keys, as in derivativeListQueries); a single key gets its values inline so the
 * planner uses their statistics.
 */
export function keysetList<F extends Filters>(sql: Sql, schema: string, spec: KeysetListSpec<F>) {
  const table = sql(`${schema}.${spec.table}`);
  const names = Object.keys(spec.filters) as (keyof F & string)[];
  const sortKey = sql(spec.sortKey);
  const typed = (value: string, type: string) => sql`${value}::${sql.unsafe(type)}`;
  const zero = (type: string) => (type === "text" ? "" : "0");

  const keyRows = (keys: readonly (F & { first?: number; after?: string | undefined })[]) => {
    const columns = [
      sql`${keys.map((_, i) => i)}::int[]`,
      sql`${keys.map((k) => (k.first ?? 0) + 1)}::int[]`,
      ...names.map((name) => {
        const { type } = spec.filters[name];
        return sql`${keys.map((k) => String(k[name] ?? zero(type)))}::${sql.unsafe(type)}[]`;
      }),
      sql`${keys.map((k) => k.after ?? zero(spec.sortType))}::${sql.unsafe(spec.sortType)}[]`,
    ];
    const aliases = ["batch_index", "lim", ...names.map((_, i) => `f${i}`), "after_key"].join(", ");
    // An array of fragments is joined with spaces: the commas go inside.
    return sql`unnest(${columns.map((c, i) => (i === 0 ? c : sql`, ${c}`))}) as k(${sql.unsafe(aliases)})`;
  };

  const matching = (key: F & { after?: string | undefined }, inline: boolean) => {
    const conditions = names
      .filter((name) => key[name] !== undefined)
      .map((name) => {
        const { column, type } = spec.filters[name];
        const value = inline ? typed(String(key[name]), type) : sql.unsafe(`k.f${names.indexOf(name)}`);
        return sql`and t.${sql(column)} = ${value}`;
      });
    const after =
      key.after === undefined
        ? sql``
        : sql`and t.${sortKey} < ${inline ? typed(key.after, spec.sortType) : sql`k.after_key`}`;
    // An empty array would be sent as a parameter, not as no fragment.
    return sql`select t.* from ${table} t where true ${conditions.length > 0 ? conditions : sql``} ${after}
      order by t.${sortKey} desc`;
  };

  return {
    /** Which filters (and `after`) a key sets: keys of one shape share a statement (batchByShape). */
    shapeOf: (key: F & { after?: string | undefined }) => keyShapeOf(spec, key),
    /** Up to `first + 1` rows per key, tagged with the key's index in the batch. */
    page: <R extends Row>(keys: readonly CirculationPageKey<F>[]) => {
      const key = keys[0] as CirculationPageKey<F>;
      if (keys.length === 1)
        return sql<(R & { batchIndex: number })[]>`
          select 0 as batch_index, p.* from (${matching(key, true)} limit ${key.first + 1}) p`;
      return sql<(R & { batchIndex: number })[]>`
        select k.batch_index, p.* from ${keyRows(keys)}
        cross join lateral (${matching(key, false)} limit k.lim) p
        order by k.batch_index, p.${sortKey} desc`;
    },
    /** Per key, the matching rows counted up to EXACT_COUNT_LIMIT + 1. */
    boundedCount: (keys: readonly F[]) => {
      const key = keys[0] as F;
      if (keys.length === 1)
        return sql<{ batchIndex: number; count: number }[]>`
          select 0 as batch_index, count(*)::int as count
          from (${matching(key, true)} limit ${EXACT_COUNT_LIMIT + 1}) bounded`;
      return sql<{ batchIndex: number; count: number }[]>`
        select k.batch_index, (
          select count(*)::int from (${matching(key, false)} limit ${EXACT_COUNT_LIMIT + 1}) bounded
        ) as count
        from ${keyRows(keys)}`;
    },
    /** One filter's rows for the planner's estimate (only explained, never run). */
    matching: (key: F) => matching(key, true),
  };
}

export type KeysetList<F extends Filters> = ReturnType<typeof keysetList<F>>;

export type LicenceFilterKey = { derivative: string };
export type AdoptionFilterKey = { derivative: string };
export type InvocationFilterKey = { derivative: string };
export type CreditEventFilterKey = { line: string };
export type CreditLineFilterKey = {
  borrower?: `0x${string}` | undefined;
  /** OPEN | CLOSED | DEFAULTED */
  status?: string | undefined;
  derivative?: string | undefined;
};

/**
 * The circulation lists, each newest first by keyset on an index (indexer/schema/circulation.ts):
 * a derivative's licences on licence (derivative_id, id), its adoptions and invocations on (derivative_id, id) (the
 * id is ponder's event checkpoint, chain order), a credit line's events on credit_event (line_id, id), and
 * `creditLines` on credit_line's (borrower, id), (status, id), (borrower, status, id), (derivative_id, id),
 * (derivative_id, status, id). Exported for test/scale/explain.test.ts.
 */
export function circulationListQueries(sql: Sql, schema: string) {
  return {
    licences: keysetList<LicenceFilterKey>(sql, schema, {
      table: "licence",
      sortKey: "id",
      sortType: "numeric",
      filters: { derivative: { column: "derivative_id", type: "numeric" } },
    }),
    adoptions: keysetList<AdoptionFilterKey>(sql, schema, {
      table: "adoption",
      sortKey: "id",
      sortType: "text",
      filters: { derivative: { column: "derivative_id", type: "numeric" } },
    }),
    invocations: keysetList<InvocationFilterKey>(sql, schema, {
      table: "invocation",
      sortKey: "id",
      sortType: "text",
      filters: { derivative: { column: "derivative_id", type: "numeric" } },
    }),
    creditEvents: keysetList<CreditEventFilterKey>(sql, schema, {
      table: "credit_event",
      sortKey: "id",
      sortType: "text",
      filters: { line: { column: "line_id", type: "numeric" } },
    }),
    /**
     * Several accounts' earnings over [from, to) summed per calendar bucket (UTC; date_trunc's week starts on
     * Monday), on earning's (account, timestamp) index: one range per account.
     */
    earnings: (accounts: readonly string[], from: number, to: number, bucket: "DAY" | "WEEK" | "MONTH") =>
      sql<{ account: string; start: string; licenceRevenue: string; rewardsPaid: string }[]>`
        select e.account,
          extract(epoch from date_trunc(${bucket.toLowerCase()},
            to_timestamp(e.timestamp::float8) at time zone 'UTC'))::bigint::text as start,
          coalesce(sum(e.amount) filter (where e.kind = 'LICENCE'), 0)::text as licence_revenue,
          coalesce(sum(e.amount) filter (where e.kind = 'REWARD'), 0)::text as rewards_paid
        from ${sql(`${schema}.earning`)} e
        where e.account = any(${accounts as string[]}) and e.timestamp >= ${from}::numeric
          and e.timestamp < ${to}::numeric
        group by 1, 2`,
    creditLines: keysetList<CreditLineFilterKey>(sql, schema, {
      table: "credit_line",
      sortKey: "id",
      sortType: "numeric",
      filters: {
        borrower: { column: "borrower", type: "text" },
        status: { column: "status", type: "text" },
        derivative: { column: "derivative_id", type: "numeric" },
      },
    }),
  };
}
