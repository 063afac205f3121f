import { GraphQLError } from "graphql";
import type { PendingQuery, Row, Sql } from "postgres";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../guard/pageSize.js";

/**
 * `totalCount` is exact up to this many rows; beyond it, the planner's estimate, flagged by `totalCountIsExact:
 * false`. Counting stops after EXACT_COUNT_LIMIT + 1 index entries, so a count costs the same at any table size.
 */
export const EXACT_COUNT_LIMIT = 10_000;

/** A list's size: `exact` false when it is the planner's estimate of a list longer than EXACT_COUNT_LIMIT. */
export type TotalCount = { count: number; exact: boolean };

/**
 * Opaque Relay cursors: `<entity>:<key>:<key>…` base64url, the keyset position of a row (its sort keys, unique
 * together), so a cursor of one list fits no other and paging after a deleted row still works: the next page is
 * whatever sorts strictly after the position, not a lookup of the row.
 */
export function encodeCursorOf(entity: string, ...keys: string[]): string {
  return Buffer.from([entity, ...keys].join(":")).toString("base64url");
}

/** The keys of a cursor of `entity`, each matching its pattern; a cursor this API did not issue is BAD_USER_INPUT. */
export function decodeCursorKeys(
  entity: string,
  cursor: string | null | undefined,
  patterns: readonly RegExp[],
): string[] | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const [name, ...keys] = Buffer.from(cursor, "base64url").toString().split(":");
  // The cursor is never echoed: it is opaque, and whatever a client sends in its place could be huge.
  if (name !== entity || keys.length !== patterns.length || keys.some((k, i) => !patterns[i]?.test(k)))
    throw new GraphQLError("after is not a cursor this API issued (pass a cursor or endCursor from a page)", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  return keys;
}

/** An unsigned integer key (ids, block numbers, unix seconds, wei). */
export const UINT_KEY = /^\d{1,78}$/;
/** A lower-case address key. */
export const ADDRESS_KEY = /^0x[0-9a-f]{40}$/;

/** The one key of a cursor over a list sorted by numeric id alone (`derivative:12`). */
export function decodeCursorOf(entity: string, cursor: string | null | undefined): string | undefined {
  return decodeCursorKeys(entity, cursor, [UINT_KEY])?.[0];
}

export function checkPageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE)
    throw new GraphQLError(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${size}`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  return size;
}

/**
 * A plain list's first `first` items (absent: MAX_PAGE_SIZE, the most it serves) of the list `load` gives, which its
 * loader already stops at MAX_PAGE_SIZE per parent: `Certificate.derivatives(first)`, `Provider.components(first)`.
 */
export async function firstOfList<T>(
  first: number | null | undefined,
  load: () => Promise<T[]>,
): Promise<T[]> {
  const size = checkPageSize(first ?? MAX_PAGE_SIZE);
  return (await load()).slice(0, size);
}

export type ToConnectionParameters<T> = {
  rows: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf: (row: T) => string;
  /** Runs only when a client selects `totalCount` or `totalCountIsExact` (the loader shares one count). */
  totalCount: () => Promise<TotalCount>;
};

/** A Relay connection; `totalCount` and `totalCountIsExact` are resolvers, so an unselected count costs nothing. */
export function toConnection<T>({
  rows,
  hasNextPage,
  hasPreviousPage,
  cursorOf,
  totalCount,
}: ToConnectionParameters<T>) {
  // Cursors are resolvers too (graphql-js calls a function-valued property): most pages are read without them.
  const cursor = (node: T | undefined) => () => (node === undefined ? null : cursorOf(node));
  const edges = rows.map((node) => ({ cursor: cursor(node) as () => string, node }));
  return {
    edges,
    totalCount: async () => (await totalCount()).count,
    totalCountIsExact: async () => (await totalCount()).exact,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: cursor(rows[0]),
      endCursor: cursor(rows.at(-1)),
    },
  };
}

/**
 * The planner's row estimate for `query` (EXPLAIN, nothing is read): the count of a list longer than
 * EXACT_COUNT_LIMIT. Never below EXACT_COUNT_LIMIT + 1, which the bounded count has already seen.
 */
export async function estimateRowCount(sql: Sql, query: PendingQuery<Row[]>): Promise<number> {
  const [row] = await sql<Row[]>`explain (format json) ${query}`;
  const plan = (Object.values(row ?? {})[0] as [{ Plan: Record<string, number> }] | undefined)?.[0]?.Plan;
  const rows = plan?.["Plan Rows"] ?? plan?.planRows ?? 0;
  return Math.max(Math.round(rows), EXACT_COUNT_LIMIT + 1);
}

/** A count that `count(*) … limit EXACT_COUNT_LIMIT + 1` found, exact when within the limit, else estimated. */
export async function toTotalCount(count: number, estimate: () => Promise<number>): Promise<TotalCount> {
  return count <= EXACT_COUNT_LIMIT ? { count, exact: true } : { count: await estimate(), exact: false };
}
