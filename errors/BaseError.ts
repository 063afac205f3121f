import type { ErrorCode } from "./errorCodes.js";

/**
 * The one error base of Caldera hub. Every thrown error the project defines extends it, so callers can tell
 * "ours, with a stable code" from anything else. `code` is what GraphQL puts in `extensions.code` and what the
 * CLI prints; `details` carries machine-readable context (the offending field, the limit it broke).
 */
export type BaseErrorParameters = {
  code: ErrorCode;
  details?: Record<string, unknown>;
  cause?: unknown;
};

export class BaseError extends Error {
  override name = "CalderaError";
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(message: string, { code, details = {}, cause }: BaseErrorParameters) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }
}
