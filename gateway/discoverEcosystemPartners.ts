import type { Sql } from "postgres";
import type { PartnerSubgraph } from "../config/loadCalderaConfig.js";

export type DiscoverEcosystemPartnersParameters = {
  /** A connection that may read the indexer's views schema. */
  sql: Sql;
  /** The indexer's views schema (caldera.config.json `viewsSchema`). */
  viewsSchema: string;
};

export type DiscoverEcosystemPartnersReturnType = () => Promise<PartnerSubgraph[]>;

/**
 * The partners EcosystemRegistry admitted by node vote, as the gateway's `discoverPartners`: every active ecosystem
 * with a subgraph URL, named `ecosystem-<id>` (stable when the ecosystem is renamed; two names can slug alike,
 * ids cannot). Read from the indexer's `ecosystem` view rather than from the chain: one indexed query per poll, the
 * same rows `Query.ecosystems` answers from, and `active`/`subgraph_url` already folded from every
 * EcosystemAdmitted / SubgraphUrlUpdated / EcosystemStatusChanged event. Until the risk contracts are indexed (no
 * view yet) it finds none. A URL that is not http(s) is skipped: a registry entry must not make the gateway fetch
 * `file:` or the like.
 */
export function discoverEcosystemPartners({
  sql,
  viewsSchema,
}: DiscoverEcosystemPartnersParameters): DiscoverEcosystemPartnersReturnType {
  return async () => {
    let rows: { id: string | number | bigint; url: string | null }[];
    try {
      // One-word column names: the hub's connections transform snake_case to camelCase, tests' do not.
      rows = await sql`select id, subgraph_url as url from ${sql(viewsSchema)}.ecosystem
        where active and coalesce(subgraph_url, '') <> '' order by id`;
    } catch (error) {
      // 42P01 undefined_table: an indexer without the risk module.
      if ((error as { code?: string }).code === "42P01") return [];
      throw error;
    }
    return rows.flatMap(({ id, url: raw }) => {
      const url = raw?.trim() ?? "";
      if (!/^https?:\/\//.test(url)) return [];
      try {
        new URL(url);
      } catch {
        return [];
      }
      return [{ name: `ecosystem-${id}`, url }];
    });
  };
}
