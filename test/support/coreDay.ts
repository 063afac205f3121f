import { type PrepareCoreClaimReturnType, prepareCoreClaim } from "../../prover/prepareCoreClaim.js";
import type { ProveCoreQualityParameters } from "../../prover/proveCoreQuality.js";

/** The start of the day the prover tests prove (unix seconds). */
const windowStart = 1_780_272_000;

/**
 * A day of 15-minute sensor readings, each delivered 45 s after it was taken, prepared for the core-quality circuit
 * (agricultural domain); `value(i)` is reading i's value, so tests that need distinct commitments shift it.
 */
export function coreDayClaim(value: (i: number) => number): PrepareCoreClaimReturnType {
  return prepareCoreClaim({
    dataset: {
      windowStart,
      slotSeconds: 900,
      deadlineSeconds: 600,
      readings: Array.from({ length: 96 }, (_, i) => ({
        observedAt: windowStart + i * 900 + 30,
        deliveredAt: windowStart + i * 900 + 75,
        value: value(i),
      })),
    },
    domain: 1,
  });
}

/** The same day as a proving job for the dev provider on the dev chain's registry. */
export function coreDayJob(value: (i: number) => number): ProveCoreQualityParameters {
  return {
    prepared: coreDayClaim(value),
    provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    chainId: 31337,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  };
}
