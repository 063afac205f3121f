import type { ChannelSchema } from "./channelSchema.js";
import {
  CORE_SLOTS,
  type CoreDataset,
  type CoreReading,
  type CoreSlot,
  MAX_DELAY_SECONDS,
  VALUE_OFFSET,
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
 * Checks a dataset against everything the circuit can express under its channel schema and places each reading in
 * its slot. A reading gives either `value` (one-channel schemas) or `channels` with every channel of the schema.
 * Every failure names the field, so GraphQL and CLI users can fix the exact reading.
 */
export function parseCoreDataset(dataset: CoreDataset, schema: ChannelSchema): ParseCoreDatasetReturnType {
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
    const encodedChannels = encodeChannels(at, reading, schema);
    const slot = Math.floor((reading.observedAt - windowStart) / slotSeconds);
    if (slots[slot] !== undefined)
      throw new InvalidDatasetError(
        `${at}.observedAt`,
        `falls in slot ${slot}, which another reading already fills`,
      );
    slots[slot] = { slot, encodedChannels, delaySeconds: reading.deliveredAt - reading.observedAt };
  });
  return { dataset, slots };
}

/** round(value × 10^decimals) + 2^31 for every channel of the schema, in schema order. */
function encodeChannels(at: string, reading: CoreReading, schema: ChannelSchema): number[] {
  const { channels } = schema;
  const hasValue = reading.value !== undefined && reading.value !== null;
  const hasChannels = reading.channels !== undefined && reading.channels !== null;
  if (hasValue && hasChannels)
    throw new InvalidDatasetError(`${at}.value`, "and channels cannot both be given");
  const names = channels.map((c) => c.name).join(", ");
  let values: { field: string; value: unknown }[];
  if (hasChannels) {
    const given = reading.channels as Record<string, unknown>;
    if (typeof given !== "object" || Array.isArray(given))
      throw new InvalidDatasetError(`${at}.channels`, `must map every channel of ${schema.id} (${names})`);
    const unknown = Object.keys(given).find((name) => !channels.some((c) => c.name === name));
    if (unknown !== undefined)
      throw new InvalidDatasetError(
        `${at}.channels.${unknown}`,
        `is not a channel of ${schema.id} (${names})`,
      );
    values = channels.map(({ name }) => ({ field: `${at}.channels.${name}`, value: given[name] }));
  } else if (channels.length === 1) {
    values = [{ field: `${at}.value`, value: reading.value }];
  } else {
    throw new InvalidDatasetError(`${at}.channels`, `must give every channel of ${schema.id} (${names})`);
  }
  return values.map(({ field, value }, index) => {
    const { decimals } = channels[index] as (typeof channels)[number];
    if (typeof value !== "number" || !Number.isFinite(value))
      throw new InvalidDatasetError(field, `must be a finite number, got ${String(value)}`);
    const encoded = Math.round(value * 10 ** decimals) + VALUE_OFFSET;
    if (encoded < 0 || encoded >= 2 ** 32)
      throw new InvalidDatasetError(
        field,
        `is ${value}; values must lie within ±${(VALUE_OFFSET / 10 ** decimals).toLocaleString("en", {
          maximumFractionDigits: decimals,
        })}`,
      );
    return encoded;
  });
}

function requireInteger(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new InvalidDatasetError(field, `must be an integer, got ${String(value)}`);
  if (value < min || value > max)
    throw new InvalidDatasetError(field, `is ${value}; it must lie in [${min}, ${max}]`);
}
