import { describe, expect, it } from "vitest";
import { loadChannelSchema } from "../../prover/loadChannelSchema.js";
import { extendChannelSchema } from "./extendChannelSchema.js";
import { shippedChannelSchemas } from "./shippedChannelSchemas.js";
import { verifySchemaExtensions } from "./verifySchemaExtensions.js";

const base = loadChannelSchema("soil-moisture");
const pest = extendChannelSchema({ base, channel: "pestIncidenceRate", decimals: 2 });
const approved = (e: typeof pest) => ({
  baseSchemaHash: e.baseSchemaHash,
  extendedSchemaHash: e.extendedSchemaHash,
  schemaId: e.schema.id,
  definition: e.definition,
});

describe("verifySchemaExtensions", () => {
  it("accepts a consistent extension, and an extension of it", () => {
    const leaf = extendChannelSchema({ base: pest.schema, channel: "leafWetness", decimals: 1 });
    const { verified, rejected } = verifySchemaExtensions(
      [approved(pest), approved(leaf)],
      shippedChannelSchemas(),
    );
    expect(rejected).toEqual([]);
    expect(verified.map((v) => [v.schema.id, v.base.id])).toEqual([
      ["soil-moisture-pest-incidence-rate", "soil-moisture"],
      ["soil-moisture-pest-incidence-rate-leaf-wetness", "soil-moisture-pest-incidence-rate"],
    ]);
  });

  it("refuses a mismatched definition/hash pair, a wrong id, an unknown base, a non-canonical or rewritten base", () => {
    const other = extendChannelSchema({ base, channel: "pestIncidenceRate", decimals: 4 });
    const cases = [
      { ...approved(pest), definition: other.definition },
      { ...approved(pest), schemaId: "soil-moisture-pests" },
      { ...approved(pest), baseSchemaHash: `0x${"11".repeat(32)}` as const },
      { ...approved(pest), definition: JSON.stringify(pest.schema, null, 2) },
      { ...approved(pest), definition: "not json" },
      // A "base" whose channels it does not keep: the weather schema's hash as the base.
      {
        ...approved(pest),
        baseSchemaHash: extendChannelSchema({
          base: loadChannelSchema("agri-market-price"),
          channel: "x",
          decimals: 0,
        }).baseSchemaHash,
      },
    ];
    const { verified, rejected } = verifySchemaExtensions(cases, shippedChannelSchemas());
    expect(verified).toEqual([]);
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^the definition hashes to 0x[0-9a-f]{64}, not to the approved 0x/),
      'the definition\'s id is "soil-moisture-pest-incidence-rate", not the approved "soil-moisture-pests"',
      expect.stringMatching(/^its base 0x1{64} is no schema the hub knows$/),
      "the definition is not the schema's canonical JSON",
      expect.stringMatching(/^the definition is not a channel schema/),
      expect.stringMatching(/^it does not extend agri-market-price/),
    ]);
  });

  it("keeps the first approval of an id", () => {
    const other = extendChannelSchema({ base, channel: "pestIncidenceRate", decimals: 4 });
    const { verified, rejected } = verifySchemaExtensions(
      [approved(pest), approved(other)],
      shippedChannelSchemas(),
    );
    expect(verified.map((v) => v.extension.extendedSchemaHash)).toEqual([pest.extendedSchemaHash]);
    expect(rejected[0]?.reason).toBe(
      'the id "soil-moisture-pest-incidence-rate" already names another schema',
    );
  });
});
