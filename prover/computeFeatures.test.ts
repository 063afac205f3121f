import { poseidon9 } from "poseidon-lite";
import { describe, expect, it } from "vitest";
import { computeFeatures } from "./computeFeatures.js";
import { encodeCoreReadings } from "./encodeCoreReadings.js";

// Slots 0–95; slot 3 missing; three channels whose encoded values are easy to read back.
const readings = encodeCoreReadings(
  Array.from({ length: 96 }, (_, slot) =>
    slot === 3 ? undefined : { slot, delaySeconds: slot, encodedChannels: [1000 + slot, 2000 + slot, 7] },
  ),
);

describe("computeFeatures", () => {
  it("selects the masked channels, with 0 in missing slots, and the present flags", () => {
    const features = computeFeatures({ readings, channelMask: 0b101 });
    expect(features.present.filter(Boolean)).toHaveLength(95);
    expect(features.present[3]).toBe(false);
    expect(features.presence).toBe((1n << 96n) - 1n - (1n << 3n));
    expect(features.channels[0]?.slice(0, 5)).toEqual([1000, 1001, 1002, 0, 1004]);
    expect(features.channels[1]).toBeUndefined();
    expect(features.channels[2]?.slice(0, 5)).toEqual([7, 7, 7, 0, 7]);
    expect(features.digests[1]).toBe(0n);
    expect(features.digests.slice(3)).toEqual([0n, 0n, 0n, 0n]);
    expect(BigInt(features.featureCommitment)).toBe(poseidon9([5n, features.presence, ...features.digests]));
  });

  it("does not depend on delays or on unselected channels", () => {
    const other = readings.map((r, i) => (i === 10 ? r ^ (0xffn << 1n) ^ (1n << 57n) : r));
    expect(computeFeatures({ readings: other, channelMask: 0b001 }).featureCommitment).toBe(
      computeFeatures({ readings, channelMask: 0b001 }).featureCommitment,
    );
    expect(computeFeatures({ readings: other, channelMask: 0b011 }).featureCommitment).not.toBe(
      computeFeatures({ readings, channelMask: 0b011 }).featureCommitment,
    );
  });

  it("commits to the mask itself", () => {
    const masks = [0, 1, 2, 3, 4, 5, 6, 7].map(
      (channelMask) => computeFeatures({ readings, channelMask }).featureCommitment,
    );
    expect(new Set(masks).size).toBe(8);
  });

  it("refuses a mask beyond seven channels and a reading that is not a slot element", () => {
    expect(() => computeFeatures({ readings, channelMask: 128 })).toThrow(RangeError);
    expect(() =>
      computeFeatures({ readings: readings.map((r, i) => (i ? r : 1n << 249n)), channelMask: 1 }),
    ).toThrow(RangeError);
  });
});
