import { type ChannelSchema, DEFAULT_CHANNEL_SCHEMA_ID } from "../prover/channelSchema.js";
import { InvalidDatasetError } from "../prover/errors.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import {
  type LoadedSchemaExtension,
  type LoadSchemaExtensionsOptions,
  loadSchemaExtensions,
} from "./evolution/loadSchemaExtensions.js";
import type { HubServices } from "./HubServices.js";

/** What the schema of a submission is resolved from: the schema it names and the channels its readings carry. */
export type ResolveChannelSchemaInput = {
  schema?: string | null | undefined;
  readings: readonly { channels?: readonly { name: string }[] | null | undefined }[];
};

export type ResolveChannelSchemaOptions = LoadSchemaExtensionsOptions;

/**
 * The channel schema a submission follows. Usually the one it names (default `soil-moisture`); but when its readings
 * carry channels that schema lacks and the nodes approved an extension of it (ChannelSchemaRegistry) with exactly
 * those channels added, the extended schema — so once an extension is executed, datasets carrying the new channel
 * certify under it with no manual change. A named id that is no file may be an approved extension's too. The
 * registry is read only when the submission needs it, and its events only when `extensionCount()` moved; each
 * extension is checked (definition ↔ hashes ↔ base, `verifySchemaExtensions`) and a refused one is logged and
 * ignored. Without a match the named schema is returned and its validation says which channel is unknown.
 */
export async function resolveChannelSchema(
  input: ResolveChannelSchemaInput,
  hub: Pick<HubServices, "deployment" | "publicClient">,
  options: ResolveChannelSchemaOptions = {},
): Promise<ChannelSchema> {
  const id = input.schema ?? DEFAULT_CHANNEL_SCHEMA_ID;
  let named: ChannelSchema;
  try {
    named = loadChannelSchema(id);
  } catch (error) {
    if (!(error instanceof InvalidDatasetError) || error.details.field !== "schema") throw error;
    // Perhaps an extension approved since this process last looked (or in another process).
    await loadSchemaExtensions(hub, options);
    named = loadChannelSchema(id);
  }
  const given = new Set<string>();
  for (const reading of input.readings) for (const { name } of reading.channels ?? []) given.add(name);
  const declared = new Set(named.channels.map((c) => c.name));
  if ([...given].every((name) => declared.has(name))) return named;

  const extensions = await loadSchemaExtensions(hub, options);
  const wanted = new Set([...declared, ...given]);
  const match = extensions.find(
    ({ schema }) =>
      schema.channels.length === wanted.size &&
      schema.channels.every((c) => wanted.has(c.name)) &&
      descendsFrom(schema, named, extensions),
  );
  return match?.schema ?? named;
}

/** Whether `schema` is `ancestor` extended once or more (by the chain of approved bases). */
function descendsFrom(
  schema: ChannelSchema,
  ancestor: ChannelSchema,
  extensions: readonly LoadedSchemaExtension[],
): boolean {
  let current: ChannelSchema | undefined = schema;
  for (let hops = 0; current !== undefined && hops <= extensions.length; hops += 1) {
    const step: LoadedSchemaExtension | undefined = extensions.find((e) => e.schema.id === current?.id);
    if (step === undefined) return false;
    if (step.base.id === ancestor.id) return true;
    current = step.base;
  }
  return false;
}
