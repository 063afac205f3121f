import DataLoader from "dataloader";
import type { Sql } from "postgres";
import { createDerivativeLoaders } from "./createDerivativeLoaders.js";
import { createGovernanceLoaders } from "./createGovernanceLoaders.js";
import type { CertificatePage, CertificateRow, ProviderRow } from "./rows.js";

export type CertificatePageKey = {
  provider?: `0x${string}` | undefined;
  domain?: number | undefined;
  certifiedFrom?: number | undefined;
  certifiedBefore?: number | undefined;
  first: number;
  /** Exclusive upper bound on certificate id (pages run newest first). */
  afterId?: string | undefined;
};

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * Per-request loaders: every entity type costs one SQL statement per level of a query, however many parents ask.
 * `schema` is the indexer's views schema.
 */
export function createLoaders(sql: Sql, schema: string) {
  const table = (name: string) => sql(`${schema}.${name}`);

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
   * Pages of certificates. Keys that differ only by provider (a list of providers each asking for its first N)
   * share one statement: a window function numbers each provider's certificates and counts them.
   */
  const certificatePage = new DataLoader<CertificatePageKey, CertificatePage, string>(
    async (keys) => {
      const groups = new Map<string, CertificatePageKey[]>();
      for (const key of keys) {
        const shape = JSON.stringify({ ...key, provider: undefined });
        groups.set(shape, [...(groups.get(shape) ?? []), key]);
      }
      const pages = new Map<string, CertificatePage>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const { domain, certifiedFrom, certifiedBefore, first, afterId } = group[0] as CertificatePageKey;
          const providers = group
            .map((key) => key.provider)
            .filter((p): p is `0x${string}` => p !== undefined);
          const byProvider = providers.length > 0;
          const rows = await sql<(CertificateRow & { pageRank: string; totalCount: string })[]>`
            select * from (
              select c.*,
                count(*) over (partition by ${byProvider ? sql`c.provider` : sql`1`}) as total_count,
                count(*) filter (where ${afterId === undefined ? sql`true` : sql`c.id < ${afterId}::numeric`})
                  over (partition by ${byProvider ? sql`c.provider` : sql`1`} order by c.id desc) as page_rank
              from ${table("certificate")} c
              where true
                ${byProvider ? sql`and c.provider = any(${providers})` : sql``}
                ${domain === undefined ? sql`` : sql`and c.domain = ${domain}`}
                ${certifiedFrom === undefined ? sql`` : sql`and c.certified_at >= ${certifiedFrom}`}
                ${certifiedBefore === undefined ? sql`` : sql`and c.certified_at < ${certifiedBefore}`}
            ) ranked
            where ${afterId === undefined ? sql`true` : sql`ranked.id < ${afterId}::numeric`} and ranked.page_rank <= ${first + 1}
            order by ranked.id desc`;
          const pageOf = (provider: string | undefined) => {
            const mine = rows.filter((row) => provider === undefined || row.provider === provider);
            return {
              rows: mine
                .slice(0, first)
                .map(({ pageRank: _, totalCount: __, ...row }) => row as CertificateRow),
              hasNextPage: mine.length > first,
              totalCount: Number(mine[0]?.totalCount ?? 0),
            };
          };
          for (const key of group) pages.set(pageKey(key), pageOf(key.provider));
        }),
      );
      // A page past the last row has no row to carry the total: count those separately (rare: only past the end).
      return Promise.all(
        keys.map(async (key) => {
          const page = pages.get(pageKey(key)) as CertificatePage;
          if (page.rows.length > 0 || key.afterId === undefined) return page;
          const [{ count } = { count: "0" }] = await sql<{ count: string }[]>`
            select count(*) from ${table("certificate")} c where true
              ${key.provider === undefined ? sql`` : sql`and c.provider = ${key.provider}`}
              ${key.domain === undefined ? sql`` : sql`and c.domain = ${key.domain}`}
              ${key.certifiedFrom === undefined ? sql`` : sql`and c.certified_at >= ${key.certifiedFrom}`}
              ${key.certifiedBefore === undefined ? sql`` : sql`and c.certified_at < ${key.certifiedBefore}`}`;
          return { ...page, totalCount: Number(count) };
        }),
      );
    },
    { cacheKeyFn: pageKey },
  );

  return {
    certificateById,
    providerByAddress,
    eraBalanceByAddress,
    certificatePage,
    ...createDerivativeLoaders(sql, schema),
    ...createGovernanceLoaders(sql, schema),
  };
}

function pageKey(key: CertificatePageKey): string {
  return JSON.stringify([
    key.provider,
    key.domain,
    key.certifiedFrom,
    key.certifiedBefore,
    key.first,
    key.afterId,
  ]);
}
