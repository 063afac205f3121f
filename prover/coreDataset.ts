/**
 * The dataset a core certificate is about: N expected readings, slot i due at windowStart + i·slotSeconds.
 * N is fixed by the circuit (96: one day at 15-minute slots, or four days hourly).
 */
export const CORE_SLOTS = 96;
/** Readings are fixed-point with three decimals, offset so signed values fit the circuit's 32-bit field. */
export const VALUE_SCALE = 1000;
export const VALUE_OFFSET = 2 ** 31;
/** Delivery delays are 24-bit in the circuit (≈194 days). */
export const MAX_DELAY_SECONDS = 2 ** 24 - 1;

export type CoreDomain = 1 | 2;
export const CORE_DOMAINS = { AGRICULTURAL: 1, INDUSTRIAL: 2 } as const satisfies Record<string, CoreDomain>;

export type CoreReading = {
  /** Unix seconds the reading was taken; it must fall inside its slot. */
  observedAt: number;
  /** The measured value in the sensor's unit; three decimals are kept. */
  value: number;
  /** Unix seconds the reading reached the platform. */
  deliveredAt: number;
};

export type CoreDataset = {
  windowStart: number;
  slotSeconds: number;
  deadlineSeconds: number;
  readings: readonly CoreReading[];
};

/** One entry per slot: `undefined` where the reading is missing. */
export type CoreSlot = { slot: number; encodedValue: number; delaySeconds: number } | undefined;

/** The terms a certificate claims; packed into one public signal exactly as the registry packs them. */
export type CoreTerms = {
  domain: CoreDomain;
  minIntegrityBps: number;
  minTimelinessBps: number;
  minContinuityBps: number;
  maxGapSlots: number;
  deadlineSeconds: number;
  slotSeconds: number;
  windowStart: number;
};
