import type { Hex } from "viem";
import type { ChannelSchema } from "../../prover/channelSchema.js";
import { channelSchemaHash } from "../../prover/channelSchemaHash.js";
import { parseChannelSchema } from "../../prover/parseChannelSchema.js";

/** An approved extension as `ChannelSchemaRegistry` emitted it (SchemaExtensionApproved). */
export type ApprovedSchemaExtension = {
  baseSchemaHash: Hex;
  extendedSchemaHash: Hex;
  schemaId: string;
  definition: string;
};

type Verdict = { ok: true; schema: ChannelSchema; base: ChannelSchema } | { ok: false; reason: string };

export type VerifiedSchemaExtension<T extends ApprovedSchemaExtension> = {
  extension: T;
  schema: ChannelSchema;
  base: ChannelSchema;
};

export type VerifySchemaExtensionsReturnType<T extends ApprovedSchemaExtension> = {
  /** In approval order. */
  verified: VerifiedSchemaExtension<T>[];
  rejected: { extension: T; reason: string }[];
};

/**
 * Sorts approved extensions (in approval order) into those the hub accepts and those it refuses, with the reason.
 * `shipped` are the schema files by hash; an extension may extend one of them or an extension accepted before it.
 * Two accepted extensions never share an id (the first approval keeps it), so an id names one schema.
 */
export function verifySchemaExtensions<T extends ApprovedSchemaExtension>(
  extensions: readonly T[],
  shipped: ReadonlyMap<string, ChannelSchema>,
): VerifySchemaExtensionsReturnType<T> {
  const known = new Map(shipped);
  const ids = new Set([...shipped.values()].map((s) => s.id));
  const verified: VerifiedSchemaExtension<T>[] = [];
  const rejected: { extension: T; reason: string }[] = [];
  for (const extension of extensions) {
    if (known.has(extension.extendedSchemaHash.toLowerCase())) continue;
    const verdict = verifySchemaExtension(extension, known);
    if (verdict.ok && ids.has(verdict.schema.id))
      rejected.push({ extension, reason: `the id "${verdict.schema.id}" already names another schema` });
    else if (verdict.ok) {
      verified.push({ extension, schema: verdict.schema, base: verdict.base });
      known.set(extension.extendedSchemaHash.toLowerCase(), verdict.schema);
      ids.add(verdict.schema.id);
    } else rejected.push({ extension, reason: verdict.reason });
  }
  return { verified, rejected };
}

/**
 * Whether an approved extension can be trusted, since the registry cannot recompute Poseidon hashes: the
 * definition is a valid schema in canonical form whose hash is the extended hash and whose id is the one
 * approved; its base is a schema the hub knows by the base hash (a shipped one or an extension verified before);
 * and it keeps the base's domain, slot length and channels, in place, adding at least one. Anything else is
 * refused with the reason (the hub logs it and ignores the extension).
 */
function verifySchemaExtension(
  extension: ApprovedSchemaExtension,
  knownByHash: ReadonlyMap<string, ChannelSchema>,
): Verdict {
  let schema: ChannelSchema;
  let canonicalJson: string;
  let schemaHash: Hex;
  try {
    schema = parseChannelSchema(JSON.parse(extension.definition));
    ({ canonicalJson, schemaHash } = channelSchemaHash(schema));
  } catch (error) {
    return { ok: false, reason: `the definition is not a channel schema (${(error as Error).message})` };
  }
  if (canonicalJson !== extension.definition)
    return { ok: false, reason: "the definition is not the schema's canonical JSON" };
  if (schemaHash.toLowerCase() !== extension.extendedSchemaHash.toLowerCase())
    return {
      ok: false,
      reason: `the definition hashes to ${schemaHash}, not to the approved ${extension.extendedSchemaHash}`,
    };
  if (schema.id !== extension.schemaId)
    return {
      ok: false,
      reason: `the definition's id is "${schema.id}", not the approved "${extension.schemaId}"`,
    };
  const base = knownByHash.get(extension.baseSchemaHash.toLowerCase());
  if (base === undefined)
    return { ok: false, reason: `its base ${extension.baseSchemaHash} is no schema the hub knows` };
  const keepsBase =
    schema.domain === base.domain &&
    schema.slotSeconds === base.slotSeconds &&
    schema.channels.length > base.channels.length &&
    base.channels.every((c, i) => {
      const e = schema.channels[i];
      return e !== undefined && e.name === c.name && e.unit === c.unit && e.decimals === c.decimals;
    });
  if (!keepsBase)
    return {
      ok: false,
      reason: `it does not extend ${base.id} (same domain and slot length, its channels kept in place, one or more added)`,
    };
  return { ok: true, schema, base };
}
