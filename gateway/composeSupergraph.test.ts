import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { composeSupergraph, OwnSubgraphCompositionError } from "./composeSupergraph.js";

const partnerSdl = (file: string) =>
  readFileSync(
    new URL(`../test/gateway/federation-contract/partners/${file}.graphql`, import.meta.url),
    "utf8",
  );
// The published contract is a valid subgraph standing for Caldera's (its keys and owned fields).
const own = {
  name: "caldera",
  url: "http://caldera.invalid/graphql",
  sdl: readFileSync(new URL("../schema/federation/caldera-federation-v1.graphql", import.meta.url), "utf8"),
};
const good = { name: "acme", url: "http://acme.invalid/graphql", sdl: partnerSdl("good-extends-provider") };
const other = {
  name: "platform",
  url: "http://platform.invalid/graphql",
  sdl: partnerSdl("good-extends-risk-subject-and-certificate"),
};
const broken = { ...good, sdl: partnerSdl("bad-string-key") };

describe("composeSupergraph", () => {
  it("composes Caldera with every partner that composes", () => {
    const result = composeSupergraph({ own, partners: [good, other] });
    expect(result.refused).toEqual([]);
    expect(result.composed.map((c) => [c.name, c.from])).toEqual([
      ["acme", "current"],
      ["platform", "current"],
    ]);
    expect(result.supergraphSdl).toContain("acmeExposure");
    expect(result.supergraphSdl).toContain("platformWatch");
  });

  it("refuses only the partner that breaks composition, naming it with its errors", () => {
    const result = composeSupergraph({ own, partners: [broken, other] });
    expect(result.refused).toEqual([
      {
        name: "acme",
        errors: [
          expect.stringContaining('Type of field "Provider.address" is incompatible across subgraphs'),
        ],
      },
    ]);
    expect(result.composed.map((c) => c.name)).toEqual(["platform"]);
    expect(result.supergraphSdl).not.toContain("acmeExposure");
  });

  it("serves a refused partner's last good SDL in its place", () => {
    const result = composeSupergraph({ own, partners: [{ ...broken, lastGoodSdl: good.sdl }] });
    expect(result.refused.map((r) => r.name)).toEqual(["acme"]);
    expect(result.composed).toEqual([{ name: "acme", sdl: good.sdl, from: "lastGood" }]);
    expect(result.supergraphSdl).toContain("acmeExposure");
  });

  it("refuses an SDL that does not parse", () => {
    const result = composeSupergraph({ own, partners: [{ ...good, sdl: "type {" }] });
    expect(result.refused).toEqual([
      { name: "acme", errors: [expect.stringMatching(/^the SDL does not parse: /)] },
    ]);
  });

  it("throws when Caldera's own subgraph does not compose on its own", () => {
    expect(() =>
      composeSupergraph({ own: { ...own, sdl: "type Query { a: Nope }" }, partners: [good] }),
    ).toThrow(OwnSubgraphCompositionError);
  });
});
