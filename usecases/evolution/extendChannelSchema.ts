import type { Hex } from "viem";
import { type ChannelSchema, MAX_CHANNELS } from "../../prover/channelSchema.js";
import { channelSchemaHash } from "../../prover/channelSchemaHash.js";
import { parseChannelSchema } from "../../prover/parseChannelSchema.js";

/** What a channel's unit is when the datasets that carry it do not say. */
export const UNSPECIFIED_UNIT = "unspecified";

export type ExtendChannelSchemaParameters = {
  base: ChannelSchema;
  /** The new channel's name as readings carry it (`pestIncidenceRate`). */
  channel: string;
  decimals: number;
  unit?: string | undefined;
};

export type ExtendChannelSchemaReturnType = {
  schema: ChannelSchema;
  baseSchemaHash: Hex;
  extendedSchemaHash: Hex;
  /** The extended schema's canonical JSON: what `ChannelSchemaRegistry.approveExtension` records. */
  definition: string;
};

/** `pestIncidenceRate` → `pest-incidence-rate`; `pH2` → `p-h2`. */
export const kebabChannelName = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();

/**
 * The schema a base schema becomes with one more channel, appended last so every existing channel keeps its place
 * in the slot encoding: id `<base id>-<kebab channel>`, same domain and slot length, the title saying what was
 * added. Checked as a shipped schema is (parseChannelSchema: INVALID_DATASET naming the field — a base with seven
 * channels, an id over 64 characters, decimals above 9), with both hashes from `prover/channelSchemaHash.ts`.
 */
export function extendChannelSchema({
  base,
  channel,
  decimals,
  unit = UNSPECIFIED_UNIT,
}: ExtendChannelSchemaParameters): ExtendChannelSchemaReturnType {
  const baseHash = channelSchemaHash(base);
  const titled = `${base.title}; with ${channel}`;
  const schema = parseChannelSchema({
    id: `${base.id}-${kebabChannelName(channel)}`,
    domain: base.domain,
    title: titled.length <= 200 ? titled : base.title,
    slotSeconds: base.slotSeconds,
    // parseChannelSchema refuses more than MAX_CHANNELS, naming the field.
    channels: [...base.channels, { name: channel, unit, decimals }].slice(0, MAX_CHANNELS + 1),
  });
  const extended = channelSchemaHash(schema);
  return {
    schema,
    baseSchemaHash: baseHash.schemaHash,
    extendedSchemaHash: extended.schemaHash,
    definition: extended.canonicalJson,
  };
}
