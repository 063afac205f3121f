/**
 * The dataset a core certificate is about: N expected readings, slot i due at windowStart + i·slotSeconds.
 * N is fixed by the circuit (96: one day at 15-minute slots, or four days hourly).
 */
export const CORE_SLOTS = 96;
/** Channel values are fixed-point (decimals from the channel schema), offset so signed values fit 32 bits. */
export const VALUE_OFFSET = 2 ** 31;
/** Delivery delays are 24-bit in the circuit (≈194 days). */
export const MAX_DELAY_SECONDS = 2 ** 24 - 1;
/** The BN254 scalar-field order: every public signal and commitment is below it. */
export const SNARK_SCALAR_FIELD =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export type CoreDomain = 1 | 2;
export const CORE_DOMAINS = { AGRICULTURAL: 1, INDUSTRIAL: 2 } as const satisfies Record<string, CoreDomain>;

export type CoreReading = {
  /** Unix seconds the reading was taken; it must fall inside its slot. */
  observedAt: number;
  /** Unix seconds the reading reached the platform. */
  deliveredAt: number;
  /** The value of a one-channel schema's channel (today's single-value datasets). */
  value?: number;
  /** Every channel of the schema by name (`{ tMax: 31.2, tMin: 18.4, … }`); a reading carries all of them. */
  channels?: Readonly<Record<string, number>>;
};

export type CoreDataset = {
  windowStart: number;
  slotSeconds: number;
  deadlineSeconds: number;
  readings: readonly CoreReading[];
};

/** One entry per slot: `undefined` where the reading is missing. */
export type CoreSlot =
  | {
      slot: number;
      /** round(value × 10^decimals) + 2^31 per channel, in schema order; each below 2^32. */
      encodedChannels: readonly number[];
      delaySeconds: number;
    }
  | undefined;

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
