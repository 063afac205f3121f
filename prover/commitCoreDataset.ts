import { poseidon9, poseidon16 } from "poseidon-lite";
import type { Hex } from "viem";
import { CORE_SLOTS } from "./coreDataset.js";

export type CommitCoreDatasetParameters = {
  /** Encoded readings from `encodeCoreReadings`. */
  readings: readonly bigint[];
  windowStart: number;
  slotSeconds: number;
  /** The channel schema's hash (`channelSchemaHash`). */
  schemaHash: Hex;
};

/**
 * The Poseidon commitment the circuit outputs:
 * Poseidon(P16(chunk 0), …, P16(chunk 5), windowStart, slotSeconds, schemaHash). Derivation-binding proofs open it,
 * so this is the one place its layout is defined off-chain (circuits/coreSlots.circom defines it in-circuit).
 */
export function commitCoreDataset({
  readings,
  windowStart,
  slotSeconds,
  schemaHash,
}: CommitCoreDatasetParameters): Hex {
  if (readings.length !== CORE_SLOTS)
    throw new RangeError(`expected ${CORE_SLOTS} readings, got ${readings.length}`);
  const chunks: bigint[] = [];
  for (let c = 0; c < CORE_SLOTS / 16; c++) chunks.push(poseidon16(readings.slice(c * 16, c * 16 + 16)));
  const commitment = poseidon9([...chunks, BigInt(windowStart), BigInt(slotSeconds), BigInt(schemaHash)]);
  return `0x${commitment.toString(16).padStart(64, "0")}`;
}
