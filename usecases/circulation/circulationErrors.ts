import { BaseError } from "../../errors/BaseError.js";
import type { ErrorCode } from "../../errors/errorCodes.js";

/**
 * The ERA-circulation use cases' typed refusals: what the market or the vault would revert with, found by the hub's
 * own reads before anything is signed over or sent, so the client gets the code and the numbers instead of a
 * simulated revert. Each code is also what `fromChainError` maps the contract's custom error to, so a race (the
 * state changed between the check and the send) ends in the same code.
 */
export class CirculationError extends BaseError {
  override name = "CirculationError";
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { code, details });
  }
}

const text = (details: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(details).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));

/** A CirculationError whose bigint details become decimal strings (JSON has no bigints). */
export function circulationError(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): CirculationError {
  return new CirculationError(code, message, text(details));
}
