import { BaseError } from "../errors/BaseError.js";

/**
 * The cross-domain risk feature standard: the one source of truth. Its two other forms are derived from or checked
 * against it — the Solidity enum `IRiskFeatureRegistry.RiskKind` and the GraphQL enums in `schema/risk.graphql` are
 * compared to it by `prover/riskFeatureStandard.sync.test.ts`, and `schemas/riskFeature.schema.json` is generated
 * from it (`prover/riskFeatureJsonSchema.ts`, `npx tsx scripts/buildRiskFeatureSchema.ts`).
 *
 * A feature says: among `recordCount` private records of `subject` in [windowStart, windowEnd], the share whose
 * `value` reaches `threshold` lies in bucket b (edges in bps); severity = b. The records themselves (counterparties,
 * scenario) never leave the publishing ecosystem; a Groth16 proof binds the bucket to their Merkle root.
 */

/** Risk categories of the seed: performance, data and price risk. */
export const RISK_CATEGORIES = ["PERFORMANCE", "DATA", "PRICE"] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

export type RiskKindDefinition = {
  /** The Solidity enum member and GraphQL enum value. */
  name: string;
  /** The Solidity enum ordinal (0 is NONE, never a valid kind). */
  number: number;
  category: RiskCategory;
  /** What one record's `value` means, so two ecosystems count the same thing. */
  valueUnit: string;
  /** A record is flagged when value ≥ threshold; this is the threshold publishers use unless they say otherwise. */
  defaultThreshold: number;
  description: string;
};

/** The kinds, in Solidity enum order (`RiskKind.DEFAULT_RATE == 1`). */
export const RISK_KINDS = [
  {
    name: "DEFAULT_RATE",
    number: 1,
    category: "PERFORMANCE",
    valueUnit: "1 if the obligation defaulted, else 0",
    defaultThreshold: 1,
    description: "Share of the provider's obligations (credit lines, service commitments) that defaulted",
  },
  {
    name: "DELAY_DURATION",
    number: 2,
    category: "PERFORMANCE",
    valueUnit: "delay in seconds past the promised delivery time",
    defaultThreshold: 3600,
    description: "Share of deliveries late by at least the threshold",
  },
  {
    name: "TAMPERING_FREQUENCY",
    number: 3,
    category: "DATA",
    valueUnit: "1 if the reading was found tampered, else 0",
    defaultThreshold: 1,
    description: "Share of the provider's readings found tampered",
  },
  {
    name: "ANOMALOUS_FLUCTUATION",
    number: 4,
    category: "DATA",
    valueUnit: "absolute deviation from the expected value, in bps",
    defaultThreshold: 2000,
    description: "Share of readings deviating from their expected value by at least the threshold",
  },
  {
    name: "PRICE_VOLATILITY",
    number: 5,
    category: "PRICE",
    valueUnit: "absolute daily ERA/fiat move, in bps",
    defaultThreshold: 500,
    description:
      "Share of days on which the ERA/fiat rate the provider settles at moved by at least the threshold",
  },
] as const satisfies readonly RiskKindDefinition[];

export type RiskKindName = (typeof RISK_KINDS)[number]["name"];
export const RISK_KIND_NAMES: readonly RiskKindName[] = RISK_KINDS.map((kind) => kind.name);

/** Severities, index = bucket: a higher share of flagged records is a more severe feature. */
export const RISK_SEVERITIES = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type RiskSeverity = (typeof RISK_SEVERITIES)[number];

/** Bucket b covers [edges[b], edges[b+1]) bps of flagged records; the top bucket includes 10,000. */
export const RISK_BUCKET_EDGES_BPS = [0, 100, 500, 2000, 5000, 10000] as const;
export const RISK_BUCKET_COUNT = RISK_BUCKET_EDGES_BPS.length - 1;
/** The most records one proof covers (the circuit's depth-5 Merkle tree); `IRiskFeatureRegistry.MAX_RECORDS`. */
export const MAX_RISK_RECORDS = 32;

/** Solidity/GraphQL name → enum number. */
export const riskKindNumber = Object.fromEntries(RISK_KINDS.map((k) => [k.name, k.number])) as Record<
  RiskKindName,
  number
>;
/** Enum number → name (1..5). */
export const riskKindNameOf = Object.fromEntries(RISK_KINDS.map((k) => [k.number, k.name])) as Record<
  number,
  RiskKindName
>;
/** Kind → its category. */
export const riskCategoryOf = Object.fromEntries(RISK_KINDS.map((k) => [k.name, k.category])) as Record<
  RiskKindName,
  RiskCategory
>;
/** Severity name → number (= bucket). */
export const riskSeverityNumber = Object.fromEntries(RISK_SEVERITIES.map((s, i) => [s, i])) as Record<
  RiskSeverity,
  number
>;

/** The definition of a kind given by name or Solidity number; BAD_USER_INPUT for anything else (0/NONE too). */
export function riskKind(kind: string | number): (typeof RISK_KINDS)[number] {
  const found = RISK_KINDS.find((k) => k.name === kind || k.number === kind);
  if (found === undefined)
    throw new BaseError(`kind ${String(kind)} is not a risk kind; use one of ${RISK_KIND_NAMES.join(", ")}`, {
      code: "BAD_USER_INPUT",
      details: { field: "kind" },
    });
  return found;
}

/** Bucket b's edges, as `IRiskFeatureRegistry.bucketEdges(b)` returns them. */
export function bucketEdges(bucket: number): { lowBps: number; highBps: number } {
  requireBucket(bucket);
  return {
    lowBps: RISK_BUCKET_EDGES_BPS[bucket] as number,
    highBps: RISK_BUCKET_EDGES_BPS[bucket + 1] as number,
  };
}

/**
 * The bucket of `count` flagged records among `n`, in exact integer arithmetic — the same inequalities the circuit
 * enforces (count·10000 ≥ low·n, and count·10000 < high·n unless high is 10,000), so a bucket computed here is
 * always provable.
 */
export function bucketOf(count: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new BaseError(`n must be a positive integer, got ${String(n)}`, {
      code: "BAD_USER_INPUT",
      details: { field: "n" },
    });
  if (!Number.isSafeInteger(count) || count < 0 || count > n)
    throw new BaseError(`count must be an integer in [0, ${n}], got ${String(count)}`, {
      code: "BAD_USER_INPUT",
      details: { field: "count" },
    });
  const scaled = BigInt(count) * 10000n;
  for (let bucket = RISK_BUCKET_COUNT - 1; bucket >= 0; bucket--)
    if (scaled >= BigInt(RISK_BUCKET_EDGES_BPS[bucket] as number) * BigInt(n)) return bucket;
  return 0; // unreachable: edge 0 always holds
}

/** The severity of a bucket: severity is derived, never self-reported. */
export function severityOf(bucket: number): RiskSeverity {
  requireBucket(bucket);
  return RISK_SEVERITIES[bucket] as RiskSeverity;
}

function requireBucket(bucket: number): void {
  if (!Number.isInteger(bucket) || bucket < 0 || bucket >= RISK_BUCKET_COUNT)
    throw new BaseError(`bucket must be an integer in [0, ${RISK_BUCKET_COUNT - 1}], got ${String(bucket)}`, {
      code: "BAD_USER_INPUT",
      details: { field: "bucket" },
    });
}
