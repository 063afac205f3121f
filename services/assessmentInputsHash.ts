import { type Hex, keccak256, stringToBytes } from "viem";
import { BaseError } from "../errors/BaseError.js";

/** One participating ecosystem's assessed contribution to a disposal (the inputs of the characteristic function). */
export type AssessmentContribution = {
  /** EcosystemRegistry id, decimal. */
  ecosystemId: string;
  /** How many hours before the loss the ecosystem's warning or measure took effect (0: none before it). */
  leadTimeHours: number;
  /** The share of the loss its warning or measure avoided, in bps (assessed by the affected ecosystem). */
  lossReductionBps: number;
  /** Whether it located the false data source (its reduction then applies to the loss the others left). */
  locatedSource: boolean;
  /** Informative: recorded and hashed, not weighted (Shapley credits what an ecosystem did, not who it is). */
  role?: "AFFECTED" | "ASSISTING" | undefined;
};

/** The inputs a disposal's shares are computed from; `inputsHash` commits to exactly these. */
export type AssessmentInputs = {
  /** MarginVault case id, decimal. */
  caseId: string;
  /** The loss the contributions are measured against, ERA wei, decimal (the seized amount unless stated). */
  lossAmount: string;
  contributions: readonly AssessmentContribution[];
  /** Name and version of the characteristic function, e.g. "caldera-disposal/v1". */
  characteristicFunction: string;
};

/**
 * keccak256 of the canonical JSON (keys sorted, no whitespace, absent optional fields left out) of
 * `{ caseId, lossAmount, contributions, characteristicFunction }` — the `inputsHash` settled on-chain with the shares,
 * so anyone holding the document can recompute the shares and check they are the settled ones.
 */
export function assessmentInputsHash(inputs: AssessmentInputs): Hex {
  const { caseId, lossAmount, contributions, characteristicFunction } = inputs;
  return keccak256(
    stringToBytes(canonicalJson({ caseId, lossAmount, contributions, characteristicFunction })),
  );
}

// The same canonical form as models/canonicalJson.ts (services may not import models/): JSON.stringify's number
// and string forms, keys in code-point order, undefined members dropped, non-finite numbers refused.
function canonicalJson(value: unknown, path = "$"): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value))
        throw new BaseError(`${path} is ${value}; an assessment holds finite numbers only`, {
          code: "BAD_USER_INPUT",
          details: { field: path },
        });
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
      throw new BaseError(`${path} has type ${typeof value}, which an assessment cannot hold`, {
        code: "BAD_USER_INPUT",
        details: { field: path },
      });
  }
}
