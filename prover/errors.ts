import { BaseError } from "../errors/BaseError.js";

/** The dataset handed to the prover is malformed: names the field (`readings[3].value`). */
export class InvalidDatasetError extends BaseError {
  override name = "InvalidDatasetError";
  constructor(field: string, problem: string) {
    super(`${field} ${problem}`, { code: "INVALID_DATASET", details: { field } });
  }
}

/** The dataset is well-formed but does not reach a requested threshold, so no proof can exist. */
export class ThresholdNotMetError extends BaseError {
  override name = "ThresholdNotMetError";
  constructor(attribute: string, achieved: number, required: number) {
    super(`${attribute} is ${achieved}, below the requested ${required}`, {
      code: "THRESHOLD_NOT_MET",
      details: { attribute, achieved, required },
    });
  }
}

/** A committed circuit artifact does not match the SHA-256 recorded when it was built. */
export class ArtifactIntegrityError extends BaseError {
  override name = "ArtifactIntegrityError";
  constructor(file: string, expected: string, actual: string) {
    super(`${file} has SHA-256 ${actual}, expected ${expected}; run \`npm run build:circuits\``, {
      code: "ARTIFACT_CORRUPTED",
      details: { file, expected, actual },
    });
  }
}
