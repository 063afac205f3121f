import { ModelInputError } from "./ModelInputError.js";

/** Input checks shared by every model: each names the JSON path of what it rejects. */
export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ModelInputError(field, "must be an object");
  return value as Record<string, unknown>;
}

export function requireFinite(
  value: unknown,
  field: string,
  min = -Number.MAX_VALUE,
  max = Number.MAX_VALUE,
): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new ModelInputError(
      field,
      `must be a finite number, got ${JSON.stringify(value) ?? String(value)}`,
    );
  if (value < min || value > max)
    throw new ModelInputError(field, `is ${value}; it must lie in [${min}, ${max}]`);
  return value;
}

export function requireInteger(value: unknown, field: string, min: number, max: number): number {
  const n = requireFinite(value, field, min, max);
  if (!Number.isInteger(n)) throw new ModelInputError(field, `must be an integer, got ${n}`);
  return n;
}

export function requireNumberArray(value: unknown, field: string, minLength = 1): number[] {
  if (!Array.isArray(value)) throw new ModelInputError(field, "must be a list of numbers");
  if (value.length < minLength)
    throw new ModelInputError(field, `has ${value.length} values; at least ${minLength} are needed`);
  return value.map((v, i) => requireFinite(v, `${field}[${i}]`));
}
