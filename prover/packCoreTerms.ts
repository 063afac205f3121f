import type { CoreTerms } from "./coreDataset.js";

/** Packs the terms into one public signal, bit for bit as the registry and the circuit do. */
export function packCoreTerms(terms: CoreTerms): bigint {
  return (
    BigInt(terms.minIntegrityBps) |
    (BigInt(terms.minTimelinessBps) << 16n) |
    (BigInt(terms.minContinuityBps) << 32n) |
    (BigInt(terms.maxGapSlots) << 48n) |
    (BigInt(terms.deadlineSeconds) << 64n) |
    (BigInt(terms.slotSeconds) << 96n) |
    (BigInt(terms.windowStart) << 128n) |
    (BigInt(terms.domain) << 192n)
  );
}
