import { type ChannelSchema, MAX_CHANNEL_DECIMALS } from "../../prover/channelSchema.js";
import type { ChannelObservation } from "./inferChannelDecimals.js";

/** A submission's readings as `certifyCore` takes them (channels as a list of { name, value }). */
type ReadingChannels = { channels?: readonly { name: string; value: number }[] | null | undefined };

export type ObserveUnknownChannelsReturnType = {
  /** Channels the readings carry that the schema lacks, sorted. */
  unknownChannels: string[];
  /** Per unknown channel: the most decimals a value carried and the largest magnitude (decimals inference). */
  unknownChannelStats: Record<string, ChannelObservation>;
};

/**
 * What a dataset validator records about channels its schema lacks (`details` of its telemetry), so the schema
 * extension detector can see a channel arriving consistently and infer its decimals without keeping the data.
 * Undefined when every channel is known.
 */
export function observeUnknownChannels(
  readings: readonly ReadingChannels[],
  schema: Pick<ChannelSchema, "channels">,
): ObserveUnknownChannelsReturnType | undefined {
  const known = new Set(schema.channels.map((c) => c.name));
  const stats = new Map<string, ChannelObservation>();
  for (const reading of readings)
    for (const { name, value } of reading.channels ?? []) {
      if (typeof name !== "string" || known.has(name)) continue;
      const seen = stats.get(name) ?? { decimals: 0, maxAbs: 0 };
      stats.set(
        name,
        typeof value === "number" && Number.isFinite(value)
          ? {
              decimals: Math.max(seen.decimals, decimalsOf(value)),
              maxAbs: Math.max(seen.maxAbs, Math.abs(value)),
            }
          : seen,
      );
    }
  if (stats.size === 0) return undefined;
  const unknownChannels = [...stats.keys()].sort();
  return {
    unknownChannels,
    unknownChannelStats: Object.fromEntries(
      unknownChannels.map((name) => [name, stats.get(name) as ChannelObservation]),
    ),
  };
}

/** Decimals of a number as written in its shortest form (`0.125` → 3, `1e-7` → 7, `42` → 0), capped at 9. */
function decimalsOf(value: number): number {
  const [mantissa = "", exponent = "0"] = Math.abs(value).toString().split("e");
  const fraction = mantissa.split(".")[1]?.length ?? 0;
  return Math.min(MAX_CHANNEL_DECIMALS, Math.max(0, fraction - Number(exponent)));
}
