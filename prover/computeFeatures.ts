import { poseidon9, poseidon14 } from "poseidon-lite";
import type { Hex } from "viem";
import { CHANNEL_BITS, channelShift, MAX_CHANNELS } from "./channelSchema.js";
import { CORE_SLOTS } from "./coreDataset.js";

/** Channel values packed into one field element of a column: 7 × 32 = 224 bits. */
export const VALUES_PER_ELEMENT = 7;
const SLOT_BITS = 25 + CHANNEL_BITS * MAX_CHANNELS;

export type ComputeFeaturesParameters = {
  /** The 96 slot elements behind a core commitment (`prepareCoreClaim(…).readings`). */
  readings: readonly bigint[];
  /** Bit c set = channel c is a feature (0 to 127). */
  channelMask: number;
};

export type ComputeFeaturesReturnType = {
  /** present[i]: slot i holds a reading. */
  present: boolean[];
  /** Channel c's encoded values (round(value × 10^decimals) + 2^31) in slot order, 0 in a missing slot; `undefined`
   *  when channel c is not selected. */
  channels: (number[] | undefined)[];
  /** Σ present[i] · 2^i. */
  presence: bigint;
  /** Poseidon of channel c's packed column when selected, else 0. */
  digests: bigint[];
  /** Poseidon(channelMask, presence, digest[0], …, digest[6]): the binding circuit's output. */
  featureCommitment: Hex;
};

/**
 * The features a derivation-binding proof commits to, computed off-circuit exactly as circuits/derivationBinding.circom
 * does, so anyone holding the data can re-run a derivation's inputs and check its feature commitment.
 * Column c is packed seven values per element, slot 7e + j at bit 32j of element e (14 elements for 96 slots).
 */
export function computeFeatures({
  readings,
  channelMask,
}: ComputeFeaturesParameters): ComputeFeaturesReturnType {
  if (readings.length !== CORE_SLOTS)
    throw new RangeError(`expected ${CORE_SLOTS} readings, got ${readings.length}`);
  if (!Number.isInteger(channelMask) || channelMask < 0 || channelMask >= 2 ** MAX_CHANNELS)
    throw new RangeError(
      `channelMask must be an integer from 0 to ${2 ** MAX_CHANNELS - 1}, got ${channelMask}`,
    );
  readings.forEach((reading, i) => {
    if (reading < 0n || reading >= 1n << BigInt(SLOT_BITS))
      throw new RangeError(`readings[${i}] is not a ${SLOT_BITS}-bit slot element`);
  });
  const present = readings.map((reading) => (reading & 1n) === 1n);
  const presence = present.reduce((word, isPresent, i) => (isPresent ? word | (1n << BigInt(i)) : word), 0n);
  const valueBits = BigInt(2 ** CHANNEL_BITS - 1);
  const channels: (number[] | undefined)[] = [];
  const digests: bigint[] = [];
  for (let c = 0; c < MAX_CHANNELS; c++) {
    const values = readings.map((reading) => Number((reading >> channelShift(c)) & valueBits));
    const selected = (channelMask >> c) & 1;
    channels.push(selected ? values : undefined);
    if (!selected) {
      digests.push(0n);
      continue;
    }
    const column: bigint[] = [];
    values.forEach((value, i) => {
      const e = Math.floor(i / VALUES_PER_ELEMENT);
      column[e] = (column[e] ?? 0n) | (BigInt(value) << BigInt(CHANNEL_BITS * (i % VALUES_PER_ELEMENT)));
    });
    digests.push(poseidon14(column));
  }
  const commitment = poseidon9([BigInt(channelMask), presence, ...digests]);
  return {
    present,
    channels,
    presence,
    digests,
    featureCommitment: `0x${commitment.toString(16).padStart(64, "0")}`,
  };
}
