import { poseidon2 } from "poseidon-lite";
import { type Hex, keccak256, stringToBytes } from "viem";
import type { ChannelSchema } from "./channelSchema.js";
import { SNARK_SCALAR_FIELD } from "./coreDataset.js";
import { parseChannelSchema } from "./parseChannelSchema.js";

export type ChannelSchemaHashReturnType = {
  /** Poseidon(channelCount, schemaDigest): the certificate's `schemaHash`, a BN254 field element as bytes32. */
  schemaHash: Hex;
  /** keccak256 of the canonical JSON, reduced mod the BN254 scalar field (a private circuit input). */
  schemaDigest: bigint;
  /** Number of channels (a private circuit input: channels beyond it must be 0). */
  channelCount: number;
  /** The exact bytes hashed, as text. */
  canonicalJson: string;
};

/**
 * The one definition of a channel schema's hash, used by the prover, the registry's fixtures and the hub:
 * canonicalJson = the validated schema with object keys sorted at every level and no whitespace (UTF-8);
 * schemaDigest = keccak256(canonicalJson) mod p; schemaHash = Poseidon(channelCount, schemaDigest). The channel
 * count sits in the clear inside the hash so circuits can check that undeclared channels are empty.
 */
export function channelSchemaHash(schema: ChannelSchema): ChannelSchemaHashReturnType {
  const canonicalJson = canonicalize(parseChannelSchema(schema));
  const schemaDigest = BigInt(keccak256(stringToBytes(canonicalJson))) % SNARK_SCALAR_FIELD;
  const channelCount = schema.channels.length;
  const hash = poseidon2([BigInt(channelCount), schemaDigest]);
  return {
    schemaHash: `0x${hash.toString(16).padStart(64, "0")}`,
    schemaDigest,
    channelCount,
    canonicalJson,
  };
}

function canonicalize(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  if (typeof value === "object" && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalize((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}
