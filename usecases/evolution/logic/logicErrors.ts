import type { Hex } from "viem";
import { BaseError } from "../../../errors/BaseError.js";

/** A logic module (or the input it was given) is malformed; `path` is the JSON path of the offending value. */
export class InvalidModuleError extends BaseError {
  override name = "InvalidModuleError";
  constructor(path: string, problem: string, details: Record<string, unknown> = {}) {
    super(`${path} ${problem}`, { code: "INVALID_MODULE", details: { path, ...details } });
  }
}

/** The sandbox stopped a module at one of its limits; the worker it ran in was replaced, nothing of it is kept. */
export class SandboxLimitExceededError extends BaseError {
  override name = "SandboxLimitExceededError";
  constructor(limit: SandboxLimitName, value: number, observed?: number) {
    super(
      `The logic module ran past its sandbox limit ${limit} (${value}) and was stopped; nothing it did is kept`,
      {
        code: "SANDBOX_LIMIT_EXCEEDED",
        details: { limit, value, ...(observed === undefined ? {} : { observed }) },
      },
    );
  }
}

/** The limits a sandboxed module runs under (`details.limit` of SANDBOX_LIMIT_EXCEEDED). */
export type SandboxLimitName = "wallClockMs" | "memoryPages" | "outputBytes" | "inputBytes" | "heapMb";

/** The bytes given do not hash to the hash they were stored, requested or approved under. */
export class ModuleHashMismatchError extends BaseError {
  override name = "ModuleHashMismatchError";
  constructor(expected: Hex, got: Hex, what: string) {
    super(`${what}: the module hashes to ${got}, not the expected ${expected}`, {
      code: "MODULE_HASH_MISMATCH",
      details: { expected, got },
    });
  }
}

/** The component may not run the module: neither its own logic nor a node-approved absorption names it. */
export class AbsorptionNotApprovedError extends BaseError {
  override name = "AbsorptionNotApprovedError";
  constructor(componentId: bigint, moduleHash: Hex) {
    super(
      `Component ${componentId} has no node-approved absorption of module ${moduleHash}, so it may not run it`,
      { code: "ABSORPTION_NOT_APPROVED", details: { componentId: componentId.toString(), moduleHash } },
    );
  }
}
