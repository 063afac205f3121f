import DataLoader from "dataloader";
import type { Sql } from "postgres";
import { MAX_PAGE_SIZE } from "../guard/pageSize.js";
import { batchByShape } from "./batchByShape.js";
import { columnLoaders } from "./columnLoaders.js";
import { estimateRowCount, type TotalCount, toTotalCount } from "./connection.js";
import {
  type DerivativeFilterKey,
  type DerivativePageKey,
  derivativeListQueries,
} from "./derivativeListQueries.js";

/** A `derivative` view row (camel-cased; numeric(78) columns arrive as strings). */
export type DerivativeRow = {
  id: string;
  owner: `0x${string}`;
  ruleId: string;
  kind: number;
  weightBps: number;
  modelId: `0x${string}`;
  modelVersionHash: `0x${string}`;
  outputHash: `0x${string}`;
  featureCommitment: `0x${string}`;
  coreIds: string[];
  mintedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type { DerivativeFilterKey, DerivativePageKey };

/**
 * Per-request loaders for derivatives. Pages are keyset pages on the id (newest first) over an index whatever the
 * filter, so a page costs the same at any table size; the total is counted only when a client selects it, exactly
 * up to EXACT_COUNT_LIMIT and estimated beyond (derivativeListQueries).
 */
export function createDerivativeLoaders(sql: Sql, schema: string) {
  const table = (name: string) => sql(`${schema}.${name}`);
  const derivatives = derivativeListQueries(sql, schema);
  const shapeOf = (key: DerivativePageKey | DerivativeFilterKey) =>
    [key.owner, key.kind, key.certificate, "afterId" in key ? key.afterId : undefined]
      .map((v) => Number(v !== undefined))
      .join("");

  const derivativeById = new DataLoader<string, DerivativeRow | undefined>(async (ids) => {
    const rows = await sql<DerivativeRow[]>`
      select * from ${table("derivative")} where id = any(${ids as string[]}::numeric[])`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });

  /**
   * The newest MAX_PAGE_SIZE derivative ids per certificate, newest first: one statement for every certificate of a
   * level, each certificate's read on derivative_core's (certificate_id, derivative_id) index and stopped there.
   */
  const coresByCertificate = columnLoaders({ sql, schema }).groupedBy<{
    certificateId: string;
    derivativeId: string;
  }>(
    "derivative_core",
    "certificate_id",
    "numeric",
    (row) => row.certificateId,
    "certificate_id, derivative_id desc",
    MAX_PAGE_SIZE,
  );
  const derivativeIdsByCertificate = new DataLoader<string, string[]>(async (certificateIds) =>
    Promise.all(
      certificateIds.map(async (id) => (await coresByCertificate.load(id)).map((row) => row.derivativeId)),
    ),
  );

  const derivativePage = new DataLoader<
    DerivativePageKey,
    { rows: DerivativeRow[]; hasNextPage: boolean },
    string
  >(
    async (keys) => {
      const rowsPerKey = await batchByShape(keys, shapeOf, (group) => derivatives.page(group));
      return keys.map((key, i) => {
        const rows = (rowsPerKey[i] ?? []) as DerivativeRow[];
        return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
      });
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const derivativeCount = new DataLoader<DerivativeFilterKey, TotalCount, string>(
    async (keys) => {
      const countsPerKey = await batchByShape(keys, shapeOf, (group) => derivatives.boundedCount(group));
      return Promise.all(
        keys.map((key, i) =>
          toTotalCount(countsPerKey[i]?.[0]?.count ?? 0, () =>
            estimateRowCount(sql, derivatives.matching(key)),
          ),
        ),
      );
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  return { derivativeById, derivativeIdsByCertificate, derivativePage, derivativeCount };
}
