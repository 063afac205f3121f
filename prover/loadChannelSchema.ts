import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChannelSchema } from "./channelSchema.js";
import { InvalidDatasetError } from "./errors.js";
import { parseChannelSchema } from "./parseChannelSchema.js";

export const CHANNEL_SCHEMA_DIR = fileURLToPath(new URL("../schemas/channels/", import.meta.url));

const cache = new Map<string, ChannelSchema>();
/** Schemas that are not files: node-approved extensions the hub checked and registered (registerChannelSchema). */
const registered = new Map<string, ChannelSchema>();

/**
 * Makes a schema that is not a file — a node-approved extension, checked against its on-chain hashes by the
 * hub (usecases/resolveChannelSchema.ts) — load by id everywhere in this process, like the shipped ones. A shipped
 * schema cannot be shadowed, and an id keeps its first definition (an approved extension's hash never changes).
 */
export function registerChannelSchema(document: ChannelSchema, dir = CHANNEL_SCHEMA_DIR): ChannelSchema {
  const schema = parseChannelSchema(document);
  const existing = registered.get(schema.id);
  if (existing !== undefined) return existing;
  let shipped = true;
  try {
    readFileSync(`${dir}${schema.id}.json`);
  } catch {
    shipped = false;
  }
  if (shipped)
    throw new InvalidDatasetError("schema.id", `"${schema.id}" is a shipped schema; it cannot be replaced`);
  registered.set(schema.id, schema);
  return schema;
}

/**
 * The channel schema `schemas/channels/<id>.json`, validated. An id that names no schema is the caller's mistake
 * (INVALID_DATASET on the field `schema`); a schema file that fails validation names its own field.
 */
export function loadChannelSchema(id: string, dir = CHANNEL_SCHEMA_DIR): ChannelSchema {
  const key = `${dir}${id}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  // The id becomes a file name: allow only what a schema id may be, so no path can escape the folder.
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id) || id.length > 64)
    throw new InvalidDatasetError("schema", `"${id}" is not a channel schema id`);
  let text: string;
  try {
    text = readFileSync(`${dir}${id}.json`, "utf8");
  } catch {
    const extension = registered.get(id);
    if (extension !== undefined) return extension;
    throw new InvalidDatasetError("schema", `names no channel schema: "${id}"`);
  }
  const schema = parseChannelSchema(JSON.parse(text));
  if (schema.id !== id)
    throw new InvalidDatasetError("schema.id", `is "${schema.id}" in the file ${id}.json`);
  cache.set(key, schema);
  return schema;
}
