import { ponder } from "ponder:registry";
import { channelSchemaExtension } from "ponder:schema";

ponder.on("ChannelSchemaRegistry:SchemaExtensionApproved", async ({ event, context }) => {
  const { baseSchemaHash, extendedSchemaHash, schemaId, definition } = event.args;
  await context.db
    .insert(channelSchemaExtension)
    .values({
      extendedSchemaHash,
      baseSchemaHash,
      schemaId,
      definition,
      channels: channelsOf(definition),
      approvedAt: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
      eventId: event.id,
    })
    // The registry approves an extended hash once; a replayed event (reorg) rewrites the same row.
    .onConflictDoNothing();
});

/** The definition's channels, or null when it is not a schema's JSON (the hub then ignores the extension). */
function channelsOf(definition: string): { name: string; unit: string; decimals: number }[] | null {
  try {
    const parsed = JSON.parse(definition) as { channels?: unknown };
    return Array.isArray(parsed.channels)
      ? (parsed.channels as { name: string; unit: string; decimals: number }[])
      : null;
  } catch {
    return null;
  }
}
