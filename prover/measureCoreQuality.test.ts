import { describe, expect, it } from "vitest";
import type { CoreSlot } from "./coreDataset.js";
import { measureCoreQuality } from "./measureCoreQuality.js";

const slots = (present: (i: number) => boolean, delay: (i: number) => number = () => 0): CoreSlot[] =>
  Array.from({ length: 96 }, (_, i) =>
    present(i) ? { slot: i, encodedChannels: [0], delaySeconds: delay(i) } : undefined,
  );

describe("measureCoreQuality", () => {
  it("scores a complete, punctual dataset at 100%", () => {
    expect(
      measureCoreQuality(
        slots(() => true),
        60,
      ),
    ).toEqual({
      presentCount: 96,
      integrityBps: 10_000,
      timelinessBps: 10_000,
      continuityBps: 10_000,
      longestGapSlots: 0,
    });
  });

  it("counts continuity over adjacent pairs and the longest missing run", () => {
    // every third slot missing: 64 present, 32 gaps of length 1, adjacent pairs = 32 (slots 3k+1, 3k+2)
    const q = measureCoreQuality(
      slots((i) => i % 3 !== 0),
      60,
    );
    expect(q).toMatchObject({
      presentCount: 64,
      integrityBps: 6666,
      continuityBps: Math.floor((32 * 10_000) / 95),
      longestGapSlots: 1,
    });
  });

  it("measures timeliness over present readings only, deadline inclusive", () => {
    const q = measureCoreQuality(
      slots(
        (i) => i < 48,
        (i) => (i < 12 ? 61 : 60),
      ),
      60,
    );
    expect(q.timelinessBps).toBe(7500);
    expect(q.longestGapSlots).toBe(48);
  });
});
