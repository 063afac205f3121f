import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type EnumTypeDefinitionNode, Kind, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { RISK_FEATURE_SCHEMA_PATH } from "../prover/riskFeatureJsonSchema.js";
import {
  RISK_BUCKET_EDGES_BPS,
  RISK_CATEGORIES,
  RISK_KIND_NAMES,
  RISK_KINDS,
  RISK_SEVERITIES,
} from "../prover/riskFeatureStandard.js";

/**
 * The risk feature standard in its three forms agrees with its source (`prover/riskFeatureStandard.ts`): the
 * Solidity enum `IRiskFeatureRegistry.RiskKind` (read from the source, NONE first), the GraphQL enums in
 * `schema/risk.graphql`, and the generated JSON Schema. A kind added in one place and not the others fails here.
 */
const file = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

function solidityEnum(source: string, name: string): string[] {
  const match = new RegExp(`enum\\s+${name}\\s*\\{([^}]*)\\}`).exec(source);
  if (match?.[1] === undefined) throw new Error(`enum ${name} not found`);
  return match[1]
    .replace(/\/\/.*$/gm, "")
    .split(",")
    .map((member) => member.trim())
    .filter((member) => member !== "");
}

function graphqlEnum(sdl: string, name: string): string[] {
  const node = parse(sdl).definitions.find(
    (d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === name,
  );
  if (node === undefined) throw new Error(`enum ${name} not found in schema/risk.graphql`);
  return (node.values ?? []).map((value) => value.name.value);
}

describe("risk feature standard: Solidity, GraphQL and JSON Schema agree with prover/riskFeatureStandard.ts", () => {
  it("Solidity RiskKind is NONE followed by the kinds in the standard's order (ordinal = number)", () => {
    const source = readFileSync(file("contracts/src/interfaces/IRiskFeatureRegistry.sol"), "utf8");
    const members = solidityEnum(source, "RiskKind");
    expect(members).toEqual(["NONE", ...RISK_KIND_NAMES]);
    for (const kind of RISK_KINDS) expect(members.indexOf(kind.name)).toBe(kind.number);
  });

  it("Solidity documents the same bucket edges", () => {
    const source = readFileSync(file("contracts/src/interfaces/IRiskFeatureRegistry.sol"), "utf8");
    expect(source).toContain(`[${RISK_BUCKET_EDGES_BPS.join(", ")}] bps`);
  });

  it("GraphQL enums RiskKind, RiskCategory and RiskSeverity list the standard's values in order", () => {
    const path = file("schema/risk.graphql");
    expect(existsSync(path), "schema/risk.graphql is missing").toBe(true);
    const sdl = readFileSync(path, "utf8");
    expect(graphqlEnum(sdl, "RiskKind")).toEqual(RISK_KIND_NAMES);
    expect(graphqlEnum(sdl, "RiskCategory")).toEqual([...RISK_CATEGORIES]);
    expect(graphqlEnum(sdl, "RiskSeverity")).toEqual([...RISK_SEVERITIES]);
  });

  it("the JSON Schema's kind, category and severity values are the standard's, in order", () => {
    const schema = JSON.parse(readFileSync(file(RISK_FEATURE_SCHEMA_PATH), "utf8"));
    expect(schema.properties.kind.oneOf.map((entry: { const: string }) => entry.const)).toEqual(
      RISK_KIND_NAMES,
    );
    expect(schema.properties.category.enum).toEqual([...RISK_CATEGORIES]);
    expect(schema.properties.severity.enum).toEqual([...RISK_SEVERITIES]);
    // Each kind's category rule and each bucket's edges are encoded as if/then pairs.
    const rules = schema.allOf.map(
      (rule: { then: { properties: Record<string, unknown> } }) => rule.then.properties,
    );
    expect(rules.filter((r: Record<string, unknown>) => "category" in r)).toEqual(
      RISK_KINDS.map((k) => ({ category: { const: k.category } })),
    );
    expect(
      rules
        .filter((r: Record<string, unknown>) => "severity" in r)
        .map((r: { severity: { const: string } }) => r.severity.const),
    ).toEqual([...RISK_SEVERITIES]);
  });
});
