import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createSubgraphSchema } from "../../../resolvers/createSubgraphSchema.js";
import { FEDERATION_CONTRACT_PATH } from "../../../scripts/buildFederationContract.js";

/**
 * The federation contract in CI: example partner SDLs composed (with @apollo/composition, as the gateway composes)
 * against both the published contract and Caldera's full subgraph SDL. A change to Caldera's schema that breaks
 * what partners were promised fails here, not at a partner.
 */
const partnerSdl = (file: string) =>
  readFileSync(new URL(`./partners/${file}.graphql`, import.meta.url), "utf8");
const exampleSdl = readFileSync(
  new URL("../../../examples/partner-risk-subgraph/partnerRisk.graphql", import.meta.url),
  "utf8",
);
const calderas = {
  contract: readFileSync(FEDERATION_CONTRACT_PATH, "utf8"),
  "Caldera's subgraph": printSubgraphSchema(createSubgraphSchema()),
};

function compose(caldera: string, partners: Record<string, string>) {
  const result = composeServices([
    { name: "caldera", url: "http://caldera.invalid/graphql", typeDefs: parse(caldera) },
    ...Object.entries(partners).map(([name, sdl]) => ({
      name,
      url: `http://${name}.invalid/graphql`,
      typeDefs: parse(sdl),
    })),
  ]);
  return result.errors ? result.errors.map((e) => `${e.extensions.code}: ${e.message}`) : [];
}

describe.each(Object.entries(calderas))("federation contract: partners composed with %s", (_, caldera) => {
  it.each([
    ["good-extends-provider", partnerSdl("good-extends-provider")],
    ["good-extends-risk-subject-and-certificate", partnerSdl("good-extends-risk-subject-and-certificate")],
    ["examples/partner-risk-subgraph", exampleSdl],
  ])("%s composes", (name, sdl) => {
    expect(compose(caldera, { [name.replace(/\W+/g, "-")]: sdl })).toEqual([]);
  });

  it("three partners at once compose", () => {
    expect(
      compose(caldera, {
        "partner-a": partnerSdl("good-extends-provider"),
        "partner-b": partnerSdl("good-extends-risk-subject-and-certificate"),
        "partner-c": exampleSdl,
      }),
    ).toEqual([]);
  });

  it("a partner keying Provider by String! instead of Address! fails composition", () => {
    expect(compose(caldera, { partner: partnerSdl("bad-string-key") })).toEqual([
      'FIELD_TYPE_MISMATCH: Type of field "Provider.address" is incompatible across subgraphs: it has type "Address!" in subgraph "caldera" but type "String!" in subgraph "partner"',
    ]);
  });

  it("a partner redefining a field Caldera owns fails composition", () => {
    expect(compose(caldera, { partner: partnerSdl("bad-redefines-owned-field") })).toEqual([
      'INVALID_FIELD_SHARING: Non-shareable field "Provider.name" is resolved from multiple subgraphs: it is resolved from subgraphs "caldera" and "partner" and defined as non-shareable in all of them',
    ]);
  });
});
