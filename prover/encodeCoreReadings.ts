import type { CoreSlot } from "./coreDataset.js";

/** The circuit's private input: present | delay << 1 | encodedValue << 25, and 0 for a missing slot. */
export function encodeCoreReadings(slots: readonly CoreSlot[]): bigint[] {
  return slots.map((slot) =>
    slot === undefined ? 0n : 1n | (BigInt(slot.delaySeconds) << 1n) | (BigInt(slot.encodedValue) << 25n),
  );
}
