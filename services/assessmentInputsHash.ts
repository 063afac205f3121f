import { type Hex, keccak256, stringToBytes } from "viem";
import { BaseError } from "../errors/BaseError.js";
import { canonicalJson } from "../models/canonicalJson.js";
import { ModelInputError } from "../models/ModelInputError.js";

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
  let json: string;
  try {
    json = canonicalJson({ caseId, lossAmount, contributions, characteristicFunction });
  } catch (error) {
    // A non-finite number or a value JSON cannot hold: the assessment's input is bad, not a model's.
    if (!(error instanceof ModelInputError)) throw error;
    throw new BaseError(`the assessment's ${error.message}`, {
      code: "BAD_USER_INPUT",
      details: { field: error.field },
    });
  }
  return keccak256(stringToBytes(json));
}
