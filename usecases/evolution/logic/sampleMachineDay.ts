import type { TimeSeries } from "./timeSeries.js";

/**
 * A day of an industrial machine's temperature and vibration every 15 minutes (`truth`, the complete series) and
 * what the machine reported (`reported`): 18 slots missing in gaps of 1 to 5 (never at the ends), readings 30 s into
 * their slot, in reverse order, one duplicate. The seed story's data: the industrial component's own pipeline leaves
 * the gaps open, the absorbed agricultural gap filling closes them (tests, the demo, docs/logic-modules.md).
 */
export function sampleMachineDay(): { reported: TimeSeries; truth: TimeSeries } {
  const slotSeconds = 900;
  const windowStart = 1_767_225_600;
  const truthPoints = Array.from({ length: 96 }, (_, i) => ({
    t: windowStart + i * slotSeconds,
    values: {
      temperature: 70 + 10 * Math.sin((2 * Math.PI * i) / 96),
      vibration: 40 + 5 * Math.cos((2 * Math.PI * i) / 48),
    },
  }));
  // Gaps of 1 to 5 slots, never at the ends; a duplicate and out-of-order reports.
  const missing = new Set([3, 10, 11, 20, 21, 22, 35, 36, 37, 38, 50, 60, 61, 62, 63, 64, 80, 81]);
  const reported = truthPoints
    .filter((_, i) => !missing.has(i))
    .map((p) => ({ t: p.t + 30, values: { ...p.values } }))
    .reverse();
  reported.push({ t: windowStart + 30, values: { temperature: 70, vibration: 45 } });
  return {
    reported: { slotSeconds, windowStart, points: reported },
    truth: { slotSeconds, windowStart, points: truthPoints },
  };
}
