import type { Sql } from "postgres";
import type { Hex } from "viem";

/** A `channel_schema_extension` view row (camel-cased; numeric columns as strings). */
export type ChannelSchemaExtensionRow = {
  extendedSchemaHash: Hex;
  baseSchemaHash: Hex;
  schemaId: string;
  definition: string;
  approvedAt: string;
  blockNumber: string;
  transactionHash: Hex;
};

/** A proposal with an action on the ChannelSchemaRegistry (its calldatas decoded by the resolvers). */
export type RegistryProposalRow = {
  id: string;
  targets: Hex[];
  calldatas: Hex[];
  createdAt: string;
  executedAt: string | null;
};

/**
 * Channel schema reads: every approved extension (few: one per node-approved channel), in approval order, and the
 * proposals that target the registry. Each is one statement per request, whatever the number of certificates asking.
 */
export function createChannelSchemaLoaders(sql: Sql, schema: string) {
  const table = (name: string) => sql(`${schema}.${name}`);
  let extensions: Promise<ChannelSchemaExtensionRow[]> | undefined;
  const proposals = new Map<string, Promise<RegistryProposalRow[]>>();
  return {
    channelSchemaExtensions: () => {
      extensions ??= sql<ChannelSchemaExtensionRow[]>`
        select extended_schema_hash, base_schema_hash, schema_id, definition, approved_at::text as approved_at,
               block_number::text as block_number, transaction_hash
          from ${table("channel_schema_extension")} order by event_id`.then((rows) => [...rows]);
      return extensions;
    },
    /** Proposals naming `registry` among their targets, oldest first. */
    channelSchemaRegistryProposals: (registry: Hex) => {
      const key = registry.toLowerCase();
      let found = proposals.get(key);
      if (found === undefined) {
        found = sql<RegistryProposalRow[]>`
          select id::text as id, targets, calldatas, created_at::text as created_at, executed_at::text as executed_at
            from ${table("proposal")}
           where lower(targets::text) like ${`%${key}%`}
           order by created_block, id`.then((rows) => [...rows]);
        proposals.set(key, found);
      }
      return found;
    },
  };
}
