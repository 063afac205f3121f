import type { Sql } from "postgres";
import { EXACT_COUNT_LIMIT } from "./connection.js";
import type { DerivativeRow } from "./createDerivativeLoaders.js";

export type DerivativeFilterKey = {
  owner?: `0x${string}` | undefined;
  kind?: number | undefined;
  certificate?: string | undefined;
};

export type DerivativePageKey = DerivativeFilterKey & {
  first: number;
  /** Rows with a smaller id (pages run newest first); the row itself may have gone since. */
  afterId?: string | undefined;
};

/**
 * The SQL of derivative lists, newest first (id desc) by keyset on an index for each filter: (owner, id),
 * (kind, id), (owner, kind, id), and for `certificate` derivative_core's (certificate_id, derivative_id), the other
 * filters then applied to that certificate's derivatives only. Keys of one shape share one statement (a LATERAL
 * join over the keys). Exported for test/scale/explain.test.ts.
 */
export function derivativeListQueries(sql: Sql, schema: string) {
  const derivative = sql(`${schema}.derivative`);
  const derivativeCore = sql(`${schema}.derivative_core`);
  const keyRows = (keys: readonly (DerivativePageKey | DerivativeFilterKey)[]) => sql`
    unnest(
      ${keys.map((_, i) => i)}::int[],
      ${keys.map((k) => ("first" in k ? k.first + 1 : 0))}::int[],
      ${keys.map((k) => k.owner ?? "")}::text[],
      ${keys.map((k) => k.kind ?? 0)}::int[],
      ${keys.map((k) => k.certificate ?? "0")}::numeric[],
      ${keys.map((k) => ("afterId" in k && k.afterId !== undefined ? k.afterId : "0"))}::numeric[]
    ) as k(batch_index, lim, owner, kind, certificate, after_id)`;
  /**
   * The rows of `d` (and `dc` for a certificate) matching a key, in page order: compared with the columns of key row
   * `k` in a batch, with the key's values inline for a single key (so the planner uses their statistics).
   */
  const matching = (key: DerivativePageKey | DerivativeFilterKey, inline: boolean) => {
    const afterId = "afterId" in key ? key.afterId : undefined;
    const v = {
      owner: inline ? sql`${key.owner ?? ""}` : sql`k.owner`,
      kind: inline ? sql`${key.kind ?? 0}::int` : sql`k.kind`,
      certificate: inline ? sql`${key.certificate ?? "0"}::numeric` : sql`k.certificate`,
      afterId: inline ? sql`${afterId ?? "0"}::numeric` : sql`k.after_id`,
    };
    const filters = sql`
      ${key.owner === undefined ? sql`` : sql`and d.owner = ${v.owner}`}
      ${key.kind === undefined ? sql`` : sql`and d.kind = ${v.kind}`}`;
    return key.certificate === undefined
      ? sql`select d.* from ${derivative} d where true ${filters}
          ${afterId === undefined ? sql`` : sql`and d.id < ${v.afterId}`}
          order by d.id desc`
      : sql`select d.* from ${derivativeCore} dc join ${derivative} d on d.id = dc.derivative_id
          where dc.certificate_id = ${v.certificate} ${filters}
          ${afterId === undefined ? sql`` : sql`and dc.derivative_id < ${v.afterId}`}
          order by dc.derivative_id desc`;
  };

  return {
    /** Up to `first + 1` rows per key, tagged with the key's index in the batch. */
    page: (keys: readonly DerivativePageKey[]) => {
      const key = keys[0] as DerivativePageKey;
      if (keys.length === 1)
        return sql<(DerivativeRow & { batchIndex: number })[]>`
          select 0 as batch_index, p.* from (${matching(key, true)} limit ${key.first + 1}) p`;
      return sql<(DerivativeRow & { batchIndex: number })[]>`
        select k.batch_index, p.* from ${keyRows(keys)}
        cross join lateral (${matching(key, false)} limit k.lim) p
        order by k.batch_index, p.id desc`;
    },
    /** Per key, the matching rows counted up to EXACT_COUNT_LIMIT + 1. */
    boundedCount: (keys: readonly DerivativeFilterKey[]) => {
      const key = keys[0] as DerivativeFilterKey;
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
    matching: (key: DerivativeFilterKey) => matching(key, true),
  };
}
