import {
  MAX_RISK_RECORDS,
  RISK_BUCKET_COUNT,
  RISK_BUCKET_EDGES_BPS,
  RISK_CATEGORIES,
  RISK_KINDS,
  RISK_SEVERITIES,
} from "./riskFeatureStandard.js";

/** Where the generated schema is committed; `scripts/buildRiskFeatureSchema.ts` writes it. */
export const RISK_FEATURE_SCHEMA_PATH = "schemas/riskFeature.schema.json";

/**
 * The JSON Schema (draft 2020-12) of a risk feature as ecosystems exchange it off-chain, generated from
 * `riskFeatureStandard.ts` so it cannot drift from the Solidity and GraphQL forms. Field names follow the GraphQL
 * `RiskFeature` type (the ecosystem as its numeric id). Beyond field shapes it encodes the standard's rules: the
 * category is the kind's, the bucket's edges are the standard's, and the severity is the bucket's.
 */
export function riskFeatureJsonSchema(): Record<string, unknown> {
  const buckets = Array.from({ length: RISK_BUCKET_COUNT }, (_, index) => ({
    index,
    lowBps: RISK_BUCKET_EDGES_BPS[index],
    highBps: RISK_BUCKET_EDGES_BPS[index + 1],
    severity: RISK_SEVERITIES[index],
  }));
  const edges = RISK_BUCKET_EDGES_BPS.join(", ");
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "urn:caldera:schema:risk-feature:1",
    title: "Caldera risk feature",
    description:
      "A desensitized cross-domain risk feature: among recordCount private records of the subject inside the window, " +
      `the share whose value reaches threshold lies in bucket.index (edges [${edges}] bps, the top bucket includes ` +
      "10000); severity = bucket. Generated from prover/riskFeatureStandard.ts — do not edit by hand.",
    type: "object",
    additionalProperties: false,
    required: [
      "subject",
      "ecosystemId",
      "kind",
      "category",
      "bucket",
      "severity",
      "windowStart",
      "windowEnd",
      "threshold",
      "recordCount",
      "evidenceCommitment",
    ],
    properties: {
      subject: {
        description: "The provider the feature is about (EVM address)",
        type: "string",
        pattern: "^0x[0-9a-fA-F]{40}$",
      },
      ecosystemId: {
        description: "The publishing ecosystem's id in EcosystemRegistry (1 is Caldera)",
        type: "integer",
        minimum: 1,
        maximum: 4294967295,
      },
      kind: {
        description: "The risk kind; Solidity RiskKind ordinal in parentheses",
        oneOf: RISK_KINDS.map((kind) => ({
          const: kind.name,
          title: `${kind.name} (${kind.number})`,
          description: `${kind.description}. Category ${kind.category}; record value: ${kind.valueUnit}; default threshold ${kind.defaultThreshold}.`,
        })),
      },
      category: { description: "The kind's category", enum: [...RISK_CATEGORIES] },
      bucket: {
        description: "The bucket of the flagged share: [lowBps, highBps), the top bucket inclusive",
        type: "object",
        additionalProperties: false,
        required: ["index", "lowBps", "highBps"],
        properties: {
          index: { type: "integer", minimum: 0, maximum: RISK_BUCKET_COUNT - 1 },
          lowBps: { type: "integer", minimum: 0, maximum: 10000 },
          highBps: { type: "integer", minimum: 0, maximum: 10000 },
        },
      },
      severity: { description: "Derived from the bucket (index = severity)", enum: [...RISK_SEVERITIES] },
      windowStart: {
        description: "Start of the records' window (ISO-8601, second precision)",
        type: "string",
        format: "date-time",
      },
      windowEnd: {
        description: "End of the records' window, inclusive",
        type: "string",
        format: "date-time",
      },
      threshold: {
        description: "A record is flagged when its value ≥ threshold (in the kind's value unit)",
        type: "integer",
        minimum: 0,
        maximum: 4294967295,
      },
      recordCount: {
        description: "How many private records the proof covers",
        type: "integer",
        minimum: 1,
        maximum: MAX_RISK_RECORDS,
      },
      evidenceCommitment: {
        description: "Poseidon Merkle root of the private records (bytes32)",
        type: "string",
        pattern: "^0x[0-9a-fA-F]{64}$",
      },
    },
    allOf: [
      ...RISK_KINDS.map((kind) => ({
        if: { properties: { kind: { const: kind.name } }, required: ["kind"] },
        // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword.
        then: { properties: { category: { const: kind.category } } },
      })),
      ...buckets.map((bucket) => ({
        if: {
          properties: {
            bucket: { type: "object", properties: { index: { const: bucket.index } }, required: ["index"] },
          },
          required: ["bucket"],
        },
        // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword.
        then: {
          properties: {
            bucket: {
              type: "object",
              properties: { lowBps: { const: bucket.lowBps }, highBps: { const: bucket.highBps } },
            },
            severity: { const: bucket.severity },
          },
        },
      })),
    ],
  };
}
