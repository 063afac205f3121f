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

/**
 * A threshold is below the domain's certification floor (a gap above its maximum): requested so (`source:
 * "requested"`), or the data achieves no more (`source: "data"`, when the threshold was left to its default).
 * `attribute` is the threshold's name in `thresholds` (integrityBps, timelinessBps, continuityBps, maxGapSlots).
 */
export class BelowFloorError extends BaseError {
  override name = "BelowFloorError";
  constructor(attribute: string, value: number, floor: number, source: "requested" | "data", domain: number) {
    const isGap = attribute === "maxGapSlots";
    const bound = isGap ? `the floor's maximum gap of ${floor} slots` : `the certification floor of ${floor}`;
    super(
      source === "requested"
        ? `thresholds.${attribute} is ${value}, ${isGap ? "above" : "below"} ${bound} for domain ${domain}`
        : `${isGap ? `the longest gap is ${value} slots, beyond` : `the data achieves ${attribute} ${value}, below`} ${bound} for domain ${domain}; a dataset below a floor cannot be certified`,
      { code: "BELOW_FLOOR", details: { attribute, value, floor, source, domain } },
    );
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
