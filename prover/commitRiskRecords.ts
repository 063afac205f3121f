import { randomBytes } from "node:crypto";
import { poseidon2, poseidon3, poseidon5 } from "poseidon-lite";
import { type Address, type Hex, isAddress, keccak256, stringToBytes } from "viem";
import { SNARK_SCALAR_FIELD } from "./coreDataset.js";
import { InvalidDatasetError } from "./errors.js";
import { MAX_RISK_RECORDS } from "./riskFeatureStandard.js";

/** Depth of the circuit's Merkle tree: 2^5 = MAX_RISK_RECORDS leaves. */
const RISK_TREE_DEPTH = 5;
/** Domain tags, so a counterparty and a scenario with the same name and salt still hash apart. */
const COUNTERPARTY_TAG = 1n;
const SCENARIO_TAG = 2n;
const MAX_VALUE = 2 ** 32;

/** One private record an ecosystem holds about a subject (an obligation, a delivery, a reading, a day). */
export type RiskRecord = {
  /** Unix seconds; inside [windowStart, windowEnd]. */
  timestamp: number;
  /** In the kind's unit (prover/riskFeatureStandard.ts): an integer in [0, 2^32). */
  value: number;
  /** Who the record was with; only its salted hash enters the tree. */
  counterparty: string;
  /** What it was about (a product, a contract type); only its salted hash enters the tree. */
  scenario: string;
  /** A field element that hides the two names from a dictionary; random when omitted (kept in the result). */
  salt?: bigint | undefined;
};

export type CommittedRiskRecord = {
  timestamp: number;
  value: number;
  counterparty: string;
  scenario: string;
  salt: bigint;
  counterpartyHash: bigint;
  scenarioHash: bigint;
};

export type CommitRiskRecordsParameters = {
  subject: Address;
  windowStart: number;
  windowEnd: number;
  records: readonly RiskRecord[];
};

export type CommitRiskRecordsReturnType = {
  /** The Merkle root the proof's first public signal carries (`FeatureClaim.evidenceRoot`). */
  evidenceRoot: Hex;
  /** The records as committed, salts included: what the ecosystem keeps to open the commitment later. */
  records: CommittedRiskRecord[];
  /** The 32 leaves: Poseidon(subject, timestamp, value, counterpartyHash, scenarioHash), then 0 for padding. */
  leaves: bigint[];
  /** The circuit's private inputs, padded with zeros to 32 records, as decimal strings. */
  witness: {
    timestamp: string[];
    value: string[];
    counterpartyHash: string[];
    scenarioHash: string[];
  };
};

/**
 * Commits to a subject's risk records the way circuits/riskFeature.circom opens them: counterpartyHash =
 * Poseidon(1, H(counterparty), salt) and scenarioHash = Poseidon(2, H(scenario), salt), H = keccak256 of the UTF-8
 * string mod p; leaf i = Poseidon(subject, timestamp, value, counterpartyHash, scenarioHash) for the records given
 * and 0 up to 32; every node = Poseidon(left, right). Malformed records are refused with INVALID_DATASET naming
 * the field, so nothing unprovable reaches the prover.
 */
export function commitRiskRecords({
  subject,
  windowStart,
  windowEnd,
  records,
}: CommitRiskRecordsParameters): CommitRiskRecordsReturnType {
  if (!isAddress(subject, { strict: false })) throw new InvalidDatasetError("subject", "is not an address");
  requireUint64("windowStart", windowStart);
  requireUint64("windowEnd", windowEnd);
  if (windowStart > windowEnd)
    throw new InvalidDatasetError("windowEnd", `is ${windowEnd}, before windowStart ${windowStart}`);
  if (records.length < 1 || records.length > MAX_RISK_RECORDS)
    throw new InvalidDatasetError(
      "records",
      `holds ${records.length}; a feature covers 1 to ${MAX_RISK_RECORDS}`,
    );

  const committed = records.map((record, i): CommittedRiskRecord => {
    const field = (name: string) => `records[${i}].${name}`;
    requireUint64(field("timestamp"), record.timestamp);
    if (record.timestamp < windowStart || record.timestamp > windowEnd)
      throw new InvalidDatasetError(
        field("timestamp"),
        `is ${record.timestamp}, outside the window [${windowStart}, ${windowEnd}]`,
      );
    if (!Number.isSafeInteger(record.value) || record.value < 0 || record.value >= MAX_VALUE)
      throw new InvalidDatasetError(field("value"), `is ${record.value}; must be an integer in [0, 2^32)`);
    if (typeof record.counterparty !== "string" || record.counterparty.length === 0)
      throw new InvalidDatasetError(field("counterparty"), "must be a non-empty string");
    if (typeof record.scenario !== "string" || record.scenario.length === 0)
      throw new InvalidDatasetError(field("scenario"), "must be a non-empty string");
    const salt = record.salt ?? randomSalt();
    if (typeof salt !== "bigint" || salt < 0n || salt >= SNARK_SCALAR_FIELD)
      throw new InvalidDatasetError(field("salt"), "must be a field element (0 ≤ salt < p)");
    return {
      timestamp: record.timestamp,
      value: record.value,
      counterparty: record.counterparty,
      scenario: record.scenario,
      salt,
      counterpartyHash: poseidon3([COUNTERPARTY_TAG, stringHash(record.counterparty), salt]),
      scenarioHash: poseidon3([SCENARIO_TAG, stringHash(record.scenario), salt]),
    };
  });

  const subjectField = BigInt(subject);
  const leaves = Array.from({ length: MAX_RISK_RECORDS }, (_, i) => {
    const record = committed[i];
    if (record === undefined) return 0n;
    return poseidon5([
      subjectField,
      BigInt(record.timestamp),
      BigInt(record.value),
      record.counterpartyHash,
      record.scenarioHash,
    ]);
  });
  let level = leaves;
  for (let depth = 0; depth < RISK_TREE_DEPTH; depth++)
    level = Array.from({ length: level.length / 2 }, (_, k) =>
      poseidon2([level[2 * k] as bigint, level[2 * k + 1] as bigint]),
    );
  const root = level[0] as bigint;

  const padded = <T>(pick: (record: CommittedRiskRecord) => T) =>
    Array.from({ length: MAX_RISK_RECORDS }, (_, i) => {
      const record = committed[i];
      return record === undefined ? "0" : String(pick(record));
    });
  return {
    evidenceRoot: `0x${root.toString(16).padStart(64, "0")}`,
    records: committed,
    leaves,
    witness: {
      timestamp: padded((r) => r.timestamp),
      value: padded((r) => r.value),
      counterpartyHash: padded((r) => r.counterpartyHash),
      scenarioHash: padded((r) => r.scenarioHash),
    },
  };
}

function requireUint64(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidDatasetError(field, `is ${value}; must be a non-negative integer (unix seconds)`);
}

/** A 248-bit salt: below p, and as hard to guess as a names' dictionary is small. */
function randomSalt(): bigint {
  return BigInt(`0x${randomBytes(31).toString("hex")}`);
}

function stringHash(value: string): bigint {
  return BigInt(keccak256(stringToBytes(value))) % SNARK_SCALAR_FIELD;
}
