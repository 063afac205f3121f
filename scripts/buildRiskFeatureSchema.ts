/**
 * Writes `schemas/riskFeature.schema.json` from the risk feature standard (`prover/riskFeatureStandard.ts`). Run
 * after changing the standard: `npx tsx scripts/buildRiskFeatureSchema.ts`. `prover/riskFeatureJsonSchema.test.ts`
 * fails while the committed file differs from what this writes.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RISK_FEATURE_SCHEMA_PATH, riskFeatureJsonSchema } from "../prover/riskFeatureJsonSchema.js";

const path = fileURLToPath(new URL(`../${RISK_FEATURE_SCHEMA_PATH}`, import.meta.url));
writeFileSync(path, `${JSON.stringify(riskFeatureJsonSchema(), null, 2)}\n`);
console.log(`wrote ${RISK_FEATURE_SCHEMA_PATH}`);
