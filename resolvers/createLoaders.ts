import DataLoader from "dataloader";
import type { Sql } from "postgres";
import { batchByShape } from "./batchByShape.js";
import {
  type CertificateFilterKey,
  type CertificatePageKey,
  certificateKeyShape,
  certificateListQueries,
} from "./certificateListQueries.js";
import { estimateRowCount, type TotalCount, toTotalCount } from "./connection.js";
import { createChannelSchemaLoaders } from "./createChannelSchemaLoaders.js";
import { createCirculationLoaders } from "./createCirculationLoaders.js";
import { createDerivativeLoaders } from "./createDerivativeLoaders.js";
import { createEvolutionLoaders } from "./createEvolutionLoaders.js";
import { createGovernanceLoaders } from "./createGovernanceLoaders.js";
import { createRiskLoaders } from "./createRiskLoaders.js";
import type { CertificatePage, CertificateRow, ProviderRow } from "./rows.js";

export type { CertificateFilterKey, CertificatePageKey };

/** Every per-request loader: the certificate loaders and each domain's. */
export type Loaders = ReturnType<typeof createCertificateLoaders> &
  ReturnType<typeof createDerivativeLoaders> &
  ReturnType<typeof createCirculationLoaders> &
  ReturnType<typeof createGovernanceLoaders> &
  ReturnType<typeof createRiskLoaders> &
  ReturnType<typeof createEvolutionLoaders> &
  ReturnType<typeof createChannelSchemaLoaders>;

/** The loader groups: a group's loaders may use each other, never another group's. */
const GROUPS: readonly ((sql: Sql, schema: string) => Record<string, unknown>)[] = [
  createCertificateLoaders,
  createDerivativeLoaders,
  createCirculationLoaders,
  createGovernanceLoaders,
  createRiskLoaders,
  createEvolutionLoaders,
  createChannelSchemaLoaders,
];

/** Per pool and views schema: an object whose getters make a group on first use (see createLoaders). */
const lazyGroups = new WeakMap<Sql, Map<string, object>>();

/**
 * Per-request loaders: every entity type costs one SQL statement per level of a query, however many parents ask.
 * `schema` is the indexer's views schema. A group of loaders is made when the request first uses one of them:
 * making all 88 for every request was ~5% of a nested query's CPU, and most requests touch one or two groups.
 */
export function createLoaders(sql: Sql, schema: string): Loaders {
  let bySchema = lazyGroups.get(sql);
  if (!bySchema) {
    bySchema = new Map();
    lazyGroups.set(sql, bySchema);
  }
  let prototype = bySchema.get(schema);
  if (!prototype) {
    prototype = lazyPrototype(sql, schema);
    bySchema.set(schema, prototype);
  }
  return Object.create(prototype) as Loaders;
}

/**
 * Getters for every loader name (each group made once here, for its names): the first read of any name makes its
 * group for the request that reads it and sets the group's loaders on that request's object, where later reads
 * find them.
 */
function lazyPrototype(sql: Sql, schema: string): object {
  const prototype = {};
  for (const group of GROUPS)
    for (const name of Object.keys(group(sql, schema)))
      Object.defineProperty(prototype, name, {
        enumerable: true,
        get(this: object) {
          const loaders = group(sql, schema);
          for (const [key, loader] of Object.entries(loaders))
            Object.defineProperty(this, key, { value: loader, enumerable: true });
          return loaders[name];
        },
      });
  return prototype;
}

/** Certificates and providers. */
function createCertificateLoaders(sql: Sql, schema: string) {
  const table = (name: string) => sql(`${schema}.${name}`);
  const certificates = certificateListQueries(sql, schema);

  const certificateById = new DataLoader<string, CertificateRow | undefined>(async (ids) => {
    const rows = await sql<
      CertificateRow[]
    >`select * from ${table("certificate")} where id = any(${ids as string[]}::numeric[])`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });

  const providerByAddress = new DataLoader<string, ProviderRow | undefined>(async (addresses) => {
    const rows = await sql<
      ProviderRow[]
    >`select * from ${table("provider")} where address = any(${addresses as string[]})`;
    const byAddress = new Map<string, ProviderRow>(rows.map((row) => [row.address, row]));
    return addresses.map((address) => byAddress.get(address));
  });

  const eraBalanceByAddress = new DataLoader<string, string>(async (addresses) => {
    const rows = await sql<{ address: string; balance: string }[]>`
      select address, balance from ${table("token_account")} where address = any(${addresses as string[]})`;
    const byAddress = new Map(rows.map((row) => [row.address, row.balance]));
    return addresses.map((address) => byAddress.get(address) ?? "0");
  });

  /**
   * Keyset pages of certificates, newest first. Keys of one shape (a list of providers each asking for its first
   * N) share one statement, each key reading at most N + 1 entries of an index.
   */
  const certificatePage = new DataLoader<CertificatePageKey, CertificatePage, string>(
    async (keys) => {
      const rowsPerKey = await batchByShape(keys, certificateKeyShape, (group) => certificates.page(group));
      return keys.map((key, i) => {
        const rows = (rowsPerKey[i] ?? []) as CertificateRow[];
        return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
      });
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  /**
   * How many certificates match a filter, only when a client selects it. A provider's alone is exact from its
   * provider row (the indexer keeps `certificate_count`, and the row is usually loaded already); any other filter
   * is counted up to EXACT_COUNT_LIMIT + 1 rows, beyond which the planner's estimate stands in, flagged inexact.
   */
  const certificateCount = new DataLoader<CertificateFilterKey, TotalCount, string>(
    async (keys) => {
      const providerOnly = (key: CertificateFilterKey) =>
        key.provider !== undefined && certificateKeyShape(key) === "10000";
      const counted = keys.filter((key) => !providerOnly(key));
      const countsPerKey = await batchByShape(counted, certificateKeyShape, (group) =>
        certificates.boundedCount(group),
      );
      const countOf = new Map(counted.map((key, i) => [key, countsPerKey[i]?.[0]?.count ?? 0]));
      return Promise.all(
        keys.map(async (key) => {
          if (providerOnly(key)) {
            const row = await providerByAddress.load(key.provider as string);
            return { count: row?.certificateCount ?? 0, exact: true };
          }
          return toTotalCount(countOf.get(key) ?? 0, () => estimateRowCount(sql, certificates.matching(key)));
        }),
      );
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  return { certificateById, providerByAddress, eraBalanceByAddress, certificatePage, certificateCount };
}
