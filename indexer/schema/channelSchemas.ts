import { index, onchainTable } from "ponder";

/**
 * Channel schema extensions the nodes approved (ChannelSchemaRegistry.SchemaExtensionApproved), as emitted: the
 * hub checks each definition against its hashes before it loads one (usecases/evolution/verifySchemaExtensions.ts)
 * and the API shows only those; this table keeps the record. `channels` is the definition's channel list as JSON
 * (`[{ name, unit, decimals }]`, null when the definition is not JSON) so SQL can ask which schema has a channel.
 */
export const channelSchemaExtension = onchainTable(
  "channel_schema_extension",
  (t) => ({
    extendedSchemaHash: t.hex().primaryKey(),
    baseSchemaHash: t.hex().notNull(),
    schemaId: t.text().notNull(),
    /** The extended schema's canonical JSON. */
    definition: t.text().notNull(),
    channels: t.json().$type<{ name: string; unit: string; decimals: number }[] | null>(),
    approvedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    /** Ponder's event id: approval order. */
    eventId: t.text().notNull(),
  }),
  (table) => ({ baseIdx: index().on(table.baseSchemaHash), orderIdx: index().on(table.eventId) }),
);
