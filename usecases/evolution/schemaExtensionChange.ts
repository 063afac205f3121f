import { encodeFunctionData, type Hex, isHex } from "viem";
import { channelSchemaRegistryAbi } from "../../contracts/generated/abis.js";
import type { ChannelSchema } from "../../prover/channelSchema.js";
import { BadUserInputError } from "../errors.js";
import type {
  EncodedRuleChange,
  GovernedTargets,
  RuleChangeInput,
  RuleReader,
} from "../governance/ruleChanges.js";
import { shippedChannelSchemas } from "./shippedChannelSchemas.js";
import { verifySchemaExtensions } from "./verifySchemaExtensions.js";

/** Longest definition a proposal carries: a schema has at most 7 channels, so real ones are far below. */
export const MAX_SCHEMA_DEFINITION_BYTES = 4_096;

/** "Approve channel schema soil-moisture-pest-incidence-rate: value, pestIncidenceRate (added: pestIncidenceRate, unspecified, 2 decimals)". */
export const describeSchemaExtension = (schemaId: string, definition: string): string => {
  try {
    const { channels } = JSON.parse(definition) as ChannelSchema;
    const added = channels[channels.length - 1];
    return `Approve channel schema ${schemaId}: ${channels.map((c) => c.name).join(", ")}${
      added ? ` (added: ${added.name}, ${added.unit}, ${added.decimals} decimals)` : ""
    }`;
  } catch {
    return `Approve channel schema ${schemaId} (its definition is not JSON)`;
  }
};

/**
 * approveSchemaExtension → `ChannelSchemaRegistry.approveExtension`, checked as the hub will check the approved
 * extension when it loads it (the definition is the canonical JSON of a schema hashing to `extendedSchemaHash`,
 * with id `schemaId`, keeping the channels of the base `baseSchemaHash` names — a shipped schema or an extension
 * the hub accepts): a proposal that the hub would then ignore is refused up front (BAD_USER_INPUT naming the
 * field). Undefined when the change is another kind.
 */
export async function encodeSchemaExtensionChange(
  change: RuleChangeInput,
  targets: GovernedTargets,
  reader: RuleReader,
): Promise<EncodedRuleChange | undefined> {
  const given = change.approveSchemaExtension;
  if (given === undefined || given === null) return undefined;
  const target = targets.channelSchemaRegistry;
  if (target === undefined)
    throw new BadUserInputError("approveSchemaExtension", "this hub has no ChannelSchemaRegistry deployed");
  for (const field of ["baseSchemaHash", "extendedSchemaHash"] as const)
    if (!isHex(given[field], { strict: true }) || given[field].length !== 66)
      throw new BadUserInputError(`approveSchemaExtension.${field}`, "must be a 32-byte hex string");
  if (
    typeof given.definition !== "string" ||
    new TextEncoder().encode(given.definition).length > MAX_SCHEMA_DEFINITION_BYTES
  )
    throw new BadUserInputError(
      "approveSchemaExtension.definition",
      `must be a channel schema's canonical JSON of at most ${MAX_SCHEMA_DEFINITION_BYTES} bytes`,
    );
  const known = new Map(shippedChannelSchemas());
  for (const { schema, extendedSchemaHash } of (await reader.schemaExtensions?.()) ?? [])
    known.set(extendedSchemaHash.toLowerCase(), schema);
  const extension = {
    baseSchemaHash: given.baseSchemaHash as Hex,
    extendedSchemaHash: given.extendedSchemaHash as Hex,
    schemaId: given.schemaId,
    definition: given.definition,
  };
  if (known.has(extension.extendedSchemaHash.toLowerCase()))
    throw new BadUserInputError(
      "approveSchemaExtension.extendedSchemaHash",
      "names a schema the hub already has (shipped or approved)",
    );
  const { rejected } = verifySchemaExtensions([extension], known);
  if (rejected[0] !== undefined)
    throw new BadUserInputError("approveSchemaExtension.definition", rejected[0].reason);
  return {
    target,
    calldata: encodeFunctionData({
      abi: channelSchemaRegistryAbi,
      functionName: "approveExtension",
      args: [
        extension.baseSchemaHash,
        extension.extendedSchemaHash,
        extension.schemaId,
        extension.definition,
      ],
    }),
    summary: describeSchemaExtension(extension.schemaId, extension.definition),
  };
}
