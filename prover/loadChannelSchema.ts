import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChannelSchema } from "./channelSchema.js";
import { InvalidDatasetError } from "./errors.js";
import { parseChannelSchema } from "./parseChannelSchema.js";

export const CHANNEL_SCHEMA_DIR = fileURLToPath(new URL("../schemas/channels/", import.meta.url));

const cache = new Map<string, ChannelSchema>();

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
    throw new InvalidDatasetError("schema", `names no channel schema: "${id}"`);
  }
  const schema = parseChannelSchema(JSON.parse(text));
  if (schema.id !== id)
    throw new InvalidDatasetError("schema.id", `is "${schema.id}" in the file ${id}.json`);
  cache.set(key, schema);
  return schema;
}
