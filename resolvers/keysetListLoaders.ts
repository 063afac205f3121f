import DataLoader from "dataloader";
import type { Row, Sql } from "postgres";
import { batchByShape } from "./batchByShape.js";
import type { CirculationPageKey, KeysetList } from "./circulationListQueries.js";
import { estimateRowCount, type TotalCount, toTotalCount } from "./connection.js";
import type { Page } from "./createCirculationLoaders.js";

export type KeysetListLoaders<F extends Record<string, string | number | undefined>, R> = {
  page: DataLoader<CirculationPageKey<F>, Page<R>, string>;
  count: DataLoader<F, TotalCount, string>;
};

/**
 * A keyset list's per-request loaders: `page` (one statement per shape of filters asked in the request, `first + 1`
 * rows per key so `hasNextPage` needs no count) and `count` (bounded exact, then an estimate flagged as such), both
 * cached by their whole key.
 */
export function keysetListLoaders<F extends Record<string, string | number | undefined>, R extends Row>(
  sql: Sql,
  list: KeysetList<F>,
): KeysetListLoaders<F, R> {
  const page = new DataLoader<CirculationPageKey<F>, Page<R>, string>(
    async (keys) => {
      const rowsPerKey = await batchByShape(keys, list.shapeOf, (group) => list.page<R>(group));
      return keys.map((key, i) => {
        const rows = (rowsPerKey[i] ?? []) as unknown as R[];
        return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
      });
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
  const count = new DataLoader<F, TotalCount, string>(
    async (keys) => {
      const countsPerKey = await batchByShape(keys, list.shapeOf, (group) => list.boundedCount(group));
      return Promise.all(
        keys.map((key, i) =>
          toTotalCount(countsPerKey[i]?.[0]?.count ?? 0, () => estimateRowCount(sql, list.matching(key))),
        ),
      );
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
  return { page, count };
}
