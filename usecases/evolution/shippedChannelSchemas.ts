import { readdirSync } from "node:fs";
import type { ChannelSchema } from "../../prover/channelSchema.js";
import { channelSchemaHash } from "../../prover/channelSchemaHash.js";
import { CHANNEL_SCHEMA_DIR, loadChannelSchema } from "../../prover/loadChannelSchema.js";

let shipped: ReadonlyMap<string, ChannelSchema> | undefined;

/** The schema files (`schemas/channels/*.json`) by their lower-case schema hash; read once per process. */
export function shippedChannelSchemas(): ReadonlyMap<string, ChannelSchema> {
  shipped ??= new Map(
    readdirSync(CHANNEL_SCHEMA_DIR)
      .filter((file) => file.endsWith(".json"))
      .sort()
      .map((file) => loadChannelSchema(file.slice(0, -".json".length)))
      .map((schema) => [channelSchemaHash(schema).schemaHash.toLowerCase(), schema] as const),
  );
  return shipped;
}
