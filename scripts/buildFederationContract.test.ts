import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createSubgraphSchema } from "../resolvers/createSubgraphSchema.js";
import { scalarResolvers } from "../resolvers/scalars.js";
import {
  buildFederationContract,
  EXTENDABLE_ENTITIES,
  FEDERATION_CONTRACT_PATH,
  SCALAR_DEFINITIONS,
} from "./buildFederationContract.js";

const generated = buildFederationContract(createSubgraphSchema());

describe("buildFederationContract", () => {
  it("the committed contract is what Caldera's subgraph schema generates (npm run build:federation-contract)", () => {
    expect(readFileSync(FEDERATION_CONTRACT_PATH, "utf8")).toBe(generated);
  });

  it("has the extendable entities with their keys, the key scalars and the risk-feature types", () => {
    const document = parse(generated);
    const byName = new Map(
      document.definitions.flatMap((d) => ("name" in d && d.name ? [[d.name.value, d] as const] : [])),
    );
    const keyOf = (name: string) => {
      const node = byName.get(name);
      const key =
        node && "directives" in node ? node.directives?.find((d) => d.name.value === "key") : undefined;
      const fields = key?.arguments?.[0]?.value;
      return fields?.kind === "StringValue" ? fields.value : undefined;
    };
    expect(EXTENDABLE_ENTITIES.map((name) => [name, keyOf(name)])).toEqual([
      ["Provider", "address"],
      ["Certificate", "id"],
      ["RiskSubject", "address"],
    ]);
    for (const name of [
      "Address",
      "BigInt",
      "Bytes32",
      "DateTime",
      "RiskFeature",
      "RiskKind",
      "RiskSeverity",
    ])
      expect(byName.has(name), name).toBe(true);
    // Caldera-internal types (connections, mutations' typed data) stay out.
    for (const name of ["CertificateConnection", "TypedData", "Mutation"])
      expect(byName.has(name), name).toBe(false);
  });

  // The contract states each scalar's input pattern; scalars.ts is what enforces it. They must agree.
  const samples: Record<string, [string, boolean][]> = {
    Address: [
      ["0x000000000000000000000000000000000000dEaD", true],
      ["0x000000000000000000000000000000000000dead", true],
      ["0x000000000000000000000000000000000000dea", false],
      ["000000000000000000000000000000000000dEaD00", false],
      ["0x000000000000000000000000000000000000deaz", false],
    ],
    BigInt: [
      ["0", true],
      ["115792089237316195423570985008687907853269984665640564039457584007913129639935", true],
      ["1".repeat(79), false],
      ["-1", false],
      ["1.5", false],
      ["0x10", false],
    ],
    Bytes32: [
      [`0x${"ab".repeat(32)}`, true],
      [`0x${"AB".repeat(32)}`, true],
      [`0x${"ab".repeat(31)}`, false],
      [`0x${"gg".repeat(32)}`, false],
    ],
    DateTime: [
      ["2026-11-24T00:00:00Z", true],
      ["2026-11-24T00:00Z", true],
      ["2026-11-24T01:00:00+01:00", true],
      ["2026-11-24T00:00:00", false],
      ["2026-11-24", false],
      ["24/11/2026", false],
    ],
  };
  it.each(Object.entries(samples))("the %s pattern agrees with resolvers/scalars.ts", (name, cases) => {
    const definition = SCALAR_DEFINITIONS[name];
    const scalar = scalarResolvers[name as keyof typeof scalarResolvers];
    expect(definition).toBeDefined();
    for (const [value, accepted] of cases) {
      const matches = new RegExp(definition?.pattern ?? "$^").test(value);
      let parsed = true;
      try {
        scalar.parseValue(value);
      } catch {
        parsed = false;
      }
      expect({ value, matches, parsed }).toEqual({ value, matches: accepted, parsed: accepted });
    }
  });
});
