import type { TypedDataDefinition } from "viem";

type Field = { name: string; type: string };

/**
 * EIP-712 typed data as the API returns it (uint values as decimal strings, JSON has no big integers) → what viem's
 * `signTypedData` takes (bigints for every uintN/intN field, arrays included), guided by the typed data's own types.
 */
export function typedDataFromJson(json: {
  domain: Record<string, unknown>;
  types: Record<string, Field[]>;
  primaryType: string;
  message: Record<string, unknown>;
}): TypedDataDefinition {
  const convert = (type: string, value: unknown): unknown => {
    if (type.endsWith("[]")) return (value as unknown[]).map((v) => convert(type.slice(0, -2), v));
    if (/^u?int\d*$/.test(type)) return BigInt(value as string);
    const struct = json.types[type];
    if (struct !== undefined)
      return Object.fromEntries(
        struct.map((f) => [f.name, convert(f.type, (value as Record<string, unknown>)[f.name])]),
      );
    return value;
  };
  const chainId = json.domain.chainId;
  return {
    domain: { ...json.domain, ...(chainId === undefined ? {} : { chainId: Number(chainId) }) },
    types: json.types,
    primaryType: json.primaryType,
    message: convert(json.primaryType, json.message) as Record<string, unknown>,
  } as unknown as TypedDataDefinition;
}
