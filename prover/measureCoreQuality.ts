import { CORE_SLOTS, type CoreSlot } from "./coreDataset.js";

export type CoreQuality = {
  presentCount: number;
  /** present / N, floored to basis points. */
  integrityBps: number;
  /** on-time / present, floored to basis points. */
  timelinessBps: number;
  /** adjacent present pairs / (N − 1), floored to basis points. */
  continuityBps: number;
  /** Longest run of consecutive missing slots. */
  longestGapSlots: number;
};

/**
 * The quality attributes exactly as the circuit counts them. Flooring makes each value the largest threshold the
 * circuit accepts, so these are the default thresholds a certificate claims.
 */
export function measureCoreQuality(slots: readonly CoreSlot[], deadlineSeconds: number): CoreQuality {
  let presentCount = 0;
  let timely = 0;
  let adjacent = 0;
  let run = 0;
  let longestGapSlots = 0;
  slots.forEach((slot, i) => {
    if (slot === undefined) {
      run += 1;
      longestGapSlots = Math.max(longestGapSlots, run);
      return;
    }
    run = 0;
    presentCount += 1;
    if (slot.delaySeconds <= deadlineSeconds) timely += 1;
    if (i > 0 && slots[i - 1] !== undefined) adjacent += 1;
  });
  return {
    presentCount,
    integrityBps: Math.floor((presentCount * 10_000) / CORE_SLOTS),
    timelinessBps: presentCount === 0 ? 0 : Math.floor((timely * 10_000) / presentCount),
    continuityBps: Math.floor((adjacent * 10_000) / (CORE_SLOTS - 1)),
    longestGapSlots,
  };
}
