import {
  checkPageSize,
  decodeCursorKeys,
  encodeCursorOf,
  type TotalCount,
  toConnection,
} from "./connection.js";
import type { Page } from "./createCirculationLoaders.js";

/** A list field's `first` and `after`. */
export type PageArgs = { first?: number | null; after?: string | null };

/**
 * One keyset page of a list as a Relay connection: the cursor decoded into its keys (each checked against its
 * pattern, BAD_USER_INPUT otherwise), `first` checked, the page loaded after those keys, and each row's cursor
 * encoded from its keys; the count only when asked for.
 */
export async function keysetPage<R>(
  entity: string,
  patterns: readonly RegExp[],
  args: PageArgs,
  keysOf: (row: R) => string[],
  load: (first: number, after: string[] | undefined) => Promise<Page<R>>,
  count: () => Promise<TotalCount>,
) {
  const after = decodeCursorKeys(entity, args.after, patterns);
  const { rows, hasNextPage } = await load(checkPageSize(args.first), after);
  return toConnection<R>({
    rows,
    hasNextPage,
    hasPreviousPage: after !== undefined,
    cursorOf: (row) => encodeCursorOf(entity, ...keysOf(row)),
    totalCount: count,
  });
}
