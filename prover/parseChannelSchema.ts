import {
  type ChannelDefinition,
  type ChannelSchema,
  MAX_CHANNEL_DECIMALS,
  MAX_CHANNELS,
} from "./channelSchema.js";
import { CORE_DOMAINS } from "./coreDataset.js";
import { InvalidDatasetError } from "./errors.js";

const SCHEMA_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CHANNEL_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Checks a channel schema document and returns it with exactly the known fields, in their canonical order, so its
 * hash (`channelSchemaHash`) has one input per schema. Every failure names the field (`schema.channels[2].decimals`).
 */
export function parseChannelSchema(document: unknown): ChannelSchema {
  const at = "schema";
  const doc = requireObject(at, document, ["id", "domain", "title", "slotSeconds", "channels"]);
  const id = requireString(`${at}.id`, doc.id, 64);
  if (!SCHEMA_ID.test(id))
    throw new InvalidDatasetError(`${at}.id`, `is "${id}"; use lower-case words joined by hyphens`);
  const domain = requireString(`${at}.domain`, doc.domain, 32);
  if (!Object.hasOwn(CORE_DOMAINS, domain))
    throw new InvalidDatasetError(
      `${at}.domain`,
      `is "${domain}"; it must be one of ${Object.keys(CORE_DOMAINS).join(", ")}`,
    );
  const title = requireString(`${at}.title`, doc.title, 200);
  const slotSeconds = requireInteger(`${at}.slotSeconds`, doc.slotSeconds, 1, 2 ** 32 - 1);
  if (!Array.isArray(doc.channels) || doc.channels.length < 1 || doc.channels.length > MAX_CHANNELS)
    throw new InvalidDatasetError(`${at}.channels`, `must list 1 to ${MAX_CHANNELS} channels`);
  const seen = new Set<string>();
  const channels = doc.channels.map((entry: unknown, index): ChannelDefinition => {
    const path = `${at}.channels[${index}]`;
    const channel = requireObject(path, entry, ["name", "unit", "decimals"]);
    const name = requireString(`${path}.name`, channel.name, 32);
    if (!CHANNEL_NAME.test(name))
      throw new InvalidDatasetError(`${path}.name`, `is "${name}"; use a letter, then letters and digits`);
    if (seen.has(name)) throw new InvalidDatasetError(`${path}.name`, `repeats the channel "${name}"`);
    seen.add(name);
    return {
      name,
      unit: requireString(`${path}.unit`, channel.unit, 32),
      decimals: requireInteger(`${path}.decimals`, channel.decimals, 0, MAX_CHANNEL_DECIMALS),
    };
  });
  return { id, domain: domain as ChannelSchema["domain"], title, slotSeconds, channels };
}

function requireObject(field: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new InvalidDatasetError(field, "must be an object");
  const extra = Object.keys(value).filter((key) => !keys.includes(key));
  if (extra.length > 0) throw new InvalidDatasetError(`${field}.${extra[0]}`, "is not a schema field");
  return value as Record<string, unknown>;
}

function requireString(field: string, value: unknown, maxLength: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength)
    throw new InvalidDatasetError(field, `must be a string of 1 to ${maxLength} characters`);
  return value;
}

function requireInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidDatasetError(field, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  return value;
}
