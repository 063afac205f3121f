import { createHash } from "node:crypto";
import { ModelInputError } from "./ModelInputError.js";

/**
 * Canonical JSON: object keys sorted by code point, no whitespace, numbers in JavaScript's shortest round-trip form.
 * Non-finite numbers are refused rather than serialised as `null`, so a NaN can never hide inside a hashed output.
 */
export function canonicalJson(value: unknown, path = "$"): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value))
        throw new ModelInputError(path, `is ${value}; outputs must be finite numbers`);
      return Object.is(value, -0) ? "0" : JSON.stringify(value);
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value))
        return `[${value.map((item, i) => canonicalJson(item, `${path}[${i}]`)).join(",")}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`).join(",")}}`;
    }
    default:
      throw new ModelInputError(path, `has type ${typeof value}, which canonical JSON cannot encode`);
  }
}

/** `0x`-prefixed SHA-256 of the canonical JSON encoding. */
export function canonicalHash(value: unknown): `0x${string}` {
  return `0x${createHash("sha256").update(canonicalJson(value)).digest("hex")}`;
}
