import {
  CORE_SLOTS,
  type CoreDataset,
  type CoreSlot,
  MAX_DELAY_SECONDS,
  VALUE_OFFSET,
  VALUE_SCALE,
} from "./coreDataset.js";
import { InvalidDatasetError } from "./errors.js";

/** Fewer than two readings cannot say anything about continuity or timeliness. */
export const MIN_READINGS = 2;

export type ParseCoreDatasetReturnType = {
  dataset: CoreDataset;
  /** Length CORE_SLOTS; `undefined` for a missing slot. */
  slots: CoreSlot[];
};

/**
 * Checks a dataset against everything the circuit can express and places each reading in its slot. Every
 * failure names the field, so GraphQL and CLI users can fix the exact reading.
 */
export function parseCoreDataset(dataset: CoreDataset): ParseCoreDatasetReturnType {
  const { windowStart, slotSeconds, deadlineSeconds, readings } = dataset;
  requireInteger("windowStart", windowStart, 0, 2 ** 53 - 1);
  requireInteger("slotSeconds", slotSeconds, 1, 2 ** 32 - 1);
  requireInteger("deadlineSeconds", deadlineSeconds, 0, 2 ** 32 - 1);
  if (!Array.isArray(readings)) throw new InvalidDatasetError("readings", "must be a list");
  if (readings.length < MIN_READINGS)
    throw new InvalidDatasetError(
      "readings",
      `has ${readings.length} readings; at least ${MIN_READINGS} are needed`,
    );
  if (readings.length > CORE_SLOTS)
    throw new InvalidDatasetError(
      "readings",
      `has ${readings.length} readings; a window has ${CORE_SLOTS} slots`,
    );

  const windowEnd = windowStart + CORE_SLOTS * slotSeconds;
  const slots: CoreSlot[] = new Array(CORE_SLOTS).fill(undefined);
  readings.forEach((reading, index) => {
    const at = `readings[${index}]`;
    requireInteger(`${at}.observedAt`, reading.observedAt, windowStart, windowEnd - 1);
    requireInteger(
      `${at}.deliveredAt`,
      reading.deliveredAt,
      reading.observedAt,
      reading.observedAt + MAX_DELAY_SECONDS,
    );
    if (typeof reading.value !== "number" || !Number.isFinite(reading.value))
      throw new InvalidDatasetError(`${at}.value`, `must be a finite number, got ${String(reading.value)}`);
    const encodedValue = Math.round(reading.value * VALUE_SCALE) + VALUE_OFFSET;
    if (encodedValue < 0 || encodedValue >= 2 ** 32)
      throw new InvalidDatasetError(
        `${at}.value`,
        `is ${reading.value}; values must lie within ±${(VALUE_OFFSET / VALUE_SCALE).toLocaleString("en")}`,
      );
    const slot = Math.floor((reading.observedAt - windowStart) / slotSeconds);
    if (slots[slot] !== undefined)
      throw new InvalidDatasetError(
        `${at}.observedAt`,
        `falls in slot ${slot}, which another reading already fills`,
      );
    slots[slot] = { slot, encodedValue, delaySeconds: reading.deliveredAt - reading.observedAt };
  });
  return { dataset, slots };
}

function requireInteger(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new InvalidDatasetError(field, `must be an integer, got ${String(value)}`);
  if (value < min || value > max)
    throw new InvalidDatasetError(field, `is ${value}; it must lie in [${min}, ${max}]`);
}
