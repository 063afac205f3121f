import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { RISK_FEATURE_SCHEMA_PATH, riskFeatureJsonSchema } from "./riskFeatureJsonSchema.js";
import { bucketEdges, bucketOf, RISK_KINDS, severityOf } from "./riskFeatureStandard.js";

const committed = readFileSync(
  fileURLToPath(new URL(`../${RISK_FEATURE_SCHEMA_PATH}`, import.meta.url)),
  "utf8",
);

function validator() {
  // ajv and ajv-formats come with ponder; the test uses them to check the schema is valid JSON Schema 2020-12 and
  // means what the standard means.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(committed));
}

const good = {
  subject: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  ecosystemId: 1,
  kind: "DEFAULT_RATE",
  category: "PERFORMANCE",
  bucket: { index: 2, lowBps: 500, highBps: 2000 },
  severity: "MEDIUM",
  windowStart: "2026-11-01T00:00:00Z",
  windowEnd: "2026-11-24T00:00:00Z",
  threshold: 1,
  recordCount: 20,
  evidenceCommitment: `0x${"ab".repeat(32)}`,
};

describe("riskFeatureJsonSchema", () => {
  it("the committed schemas/riskFeature.schema.json is exactly what the generator writes", () => {
    expect(committed).toBe(`${JSON.stringify(riskFeatureJsonSchema(), null, 2)}\n`);
  });

  it("accepts a feature built from the standard, for every kind and bucket", () => {
    const validate = validator();
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    for (const kind of RISK_KINDS)
      for (const [count, n] of [
        [0, 20],
        [1, 32],
        [3, 20],
        [5, 20],
        [20, 20],
      ] as const) {
        const b = bucketOf(count, n);
        const doc = {
          ...good,
          kind: kind.name,
          category: kind.category,
          threshold: kind.defaultThreshold,
          bucket: { index: b, ...bucketEdges(b) },
          severity: severityOf(b),
          recordCount: n,
        };
        expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      }
  });

  it("refuses what the standard forbids", () => {
    const validate = validator();
    const bad: Record<string, unknown>[] = [
      { ...good, kind: "NONE" },
      { ...good, category: "DATA" }, // not DEFAULT_RATE's category
      { ...good, severity: "HIGH" }, // not bucket 2's severity
      { ...good, bucket: { index: 2, lowBps: 500, highBps: 5000 } }, // not bucket 2's edges
      { ...good, bucket: { index: 5, lowBps: 10000, highBps: 10000 } },
      { ...good, recordCount: 33 },
      { ...good, recordCount: 0 },
      { ...good, subject: "0x1234" },
      { ...good, evidenceCommitment: "0xab" },
      { ...good, windowStart: "yesterday" },
      { ...good, counterparty: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }, // desensitized: no extra fields
      Object.fromEntries(Object.entries(good).filter(([key]) => key !== "evidenceCommitment")),
    ];
    for (const doc of bad) expect(validate(doc), JSON.stringify(doc)).toBe(false);
  });
});
