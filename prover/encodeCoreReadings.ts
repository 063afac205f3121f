import { CHANNEL_BITS, channelShift, MAX_CHANNELS } from "./channelSchema.js";
import type { CoreSlot } from "./coreDataset.js";

/**
 * The circuit's private input, one field element per slot (docs/spec.md#per-slot-encoding):
 * present | delay << 1 | channel[0] << 25 | channel[1] << 57 | … (32 bits per channel), and 0 for a missing slot.
 */
export function encodeCoreReadings(slots: readonly CoreSlot[]): bigint[] {
  return slots.map((slot) => {
    if (slot === undefined) return 0n;
    if (slot.encodedChannels.length < 1 || slot.encodedChannels.length > MAX_CHANNELS)
      throw new RangeError(`slot ${slot.slot} has ${slot.encodedChannels.length} channels`);
    let element = 1n | (BigInt(slot.delaySeconds) << 1n);
    slot.encodedChannels.forEach((encoded, channel) => {
      if (!Number.isInteger(encoded) || encoded < 0 || encoded >= 2 ** CHANNEL_BITS)
        throw new RangeError(`slot ${slot.slot} channel ${channel} encodes as ${encoded}, outside 32 bits`);
      element |= BigInt(encoded) << channelShift(channel);
    });
    return element;
  });
}
