import type { CORE_DOMAINS } from "./coreDataset.js";

/**
 * A channel schema names what each slot of a core dataset carries: up to seven channels, each a signed
 * fixed-point number with its own unit and number of decimals. Schemas live in `schemas/channels/<id>.json`; a
 * certificate records the schema's hash, and the core commitment covers it (docs/spec.md#channel-schemas).
 */
export const MAX_CHANNELS = 7;
/** Width of one encoded channel value in the slot element. */
export const CHANNEL_BITS = 32;
/** Bit at which channel c starts in a slot element: after present (1 bit) and delay (24 bits). */
export const channelShift = (channel: number): bigint => 25n + BigInt(CHANNEL_BITS * channel);
/** Decimals a channel may keep: 10^9 still leaves ±2.1 units of range. */
export const MAX_CHANNEL_DECIMALS = 9;
/** The schema of today's single-value datasets (one channel `value`, three decimals): the default. */
export const DEFAULT_CHANNEL_SCHEMA_ID = "soil-moisture";

export type ChannelDefinition = {
  /** Identifier used in readings (`channels: { tMax: 31.2 }`): a letter, then letters and digits. */
  name: string;
  /** Human-readable unit; informative, not interpreted. */
  unit: string;
  /** Decimals kept: the encoded value is round(value × 10^decimals) + 2^31. */
  decimals: number;
};

export type ChannelSchema = {
  /** Lower-case words joined by hyphens; the file is `schemas/channels/<id>.json`. */
  id: string;
  domain: keyof typeof CORE_DOMAINS;
  title: string;
  /** The slot length the schema is designed for; a hint, not enforced. */
  slotSeconds: number;
  /** Channel c is packed at bit 25 + 32c of the slot element. */
  channels: readonly ChannelDefinition[];
};
