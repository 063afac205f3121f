import { encodeFunctionData } from "viem";
import { describe, expect, it } from "vitest";
import { channelSchemaRegistryAbi } from "../contracts/generated/abis.js";
import { channelSchemaHash } from "../prover/channelSchemaHash.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { extendChannelSchema } from "../usecases/evolution/extendChannelSchema.js";
import { channelSchemaResolvers } from "./channelSchemaResolvers.js";
import type { SubgraphContext } from "./SubgraphContext.js";

const REGISTRY = "0x8a791620dd6260079bf849dc5567adc3f2fdc318";
const base = loadChannelSchema("soil-moisture");
const pest = extendChannelSchema({ base, channel: "pestIncidenceRate", decimals: 2 });
const forged = extendChannelSchema({ base, channel: "rogueChannel", decimals: 1 });
const other = extendChannelSchema({ base, channel: "canopyCover", decimals: 1 });

const row = (e: typeof pest, extendedSchemaHash = e.extendedSchemaHash) => ({
  extendedSchemaHash,
  baseSchemaHash: e.baseSchemaHash,
  schemaId: e.schema.id,
  definition: e.definition,
  approvedAt: "1780000000",
  blockNumber: "40",
  transactionHash: `0x${"ab".repeat(32)}`,
});
const call = (e: typeof pest, extendedSchemaHash = e.extendedSchemaHash) =>
  encodeFunctionData({
    abi: channelSchemaRegistryAbi,
    functionName: "approveExtension",
    args: [e.baseSchemaHash, extendedSchemaHash, e.schema.id, e.definition],
  });

/** Loaders as the views would answer (a unit test of the resolvers around them). */
function context(): SubgraphContext {
  const loaders = {
    channelSchemaExtensions: async () => [row(pest), row(forged, other.extendedSchemaHash)],
    channelSchemaRegistryProposals: async () => [
      {
        id: "11",
        targets: [REGISTRY],
        calldatas: [call(pest)],
        createdAt: "1779990000",
        executedAt: "1780000000",
      },
      {
        id: "12",
        targets: [REGISTRY],
        calldatas: [call(forged, other.extendedSchemaHash)],
        createdAt: "1779990001",
        executedAt: "1780000001",
      },
      { id: "13", targets: [REGISTRY], calldatas: ["0x12345678"], createdAt: "1779990002", executedAt: null },
    ],
    proposalById: { load: async (id: string) => ({ id }) },
  };
  const hub = {
    deployment: {
      contracts: { ChannelSchemaRegistry: { address: REGISTRY, startBlock: 1, transactionHash: "0x" } },
    },
  };
  return { loaders, hub } as unknown as SubgraphContext;
}

const { Query, ChannelSchema, Certificate, SchemaExtensionProposal } = channelSchemaResolvers;

describe("channel schema resolvers", () => {
  it("lists the shipped schemas then the accepted extensions; a forged approval is not a schema", async () => {
    const ctx = context();
    const list = await Query.channelSchemas(undefined, undefined, ctx);
    expect(list.map((v) => v.schema.id)).toEqual([
      "agri-market-price",
      "agri-weather-daily",
      "industrial-machine",
      "soil-moisture",
      "soil-moisture-pest-incidence-rate",
    ]);
    const extended = list.at(-1) as (typeof list)[number];
    expect(extended).toMatchObject({
      hash: pest.extendedSchemaHash,
      approvedAt: "1780000000",
      proposal: "11",
    });
    expect((await ChannelSchema.extendedFrom(extended, undefined, ctx))?.schema.id).toBe("soil-moisture");
    expect(await ChannelSchema.extendedFrom(list[3] as (typeof list)[number], undefined, ctx)).toBeNull();
    expect(
      (await Query.channelSchema(undefined, { id: "soil-moisture-canopy-cover" }, ctx)) ?? null,
    ).toBeNull();
  });

  it("gives a certificate its schema by hash, shipped or extended; null for a hash the hub does not know", async () => {
    const ctx = context();
    expect(
      (
        await Certificate.schema(
          { schemaHash: pest.extendedSchemaHash.toUpperCase().replace("0X", "0x") },
          undefined,
          ctx,
        )
      )?.schema.id,
    ).toBe("soil-moisture-pest-incidence-rate");
    expect(
      (await Certificate.schema({ schemaHash: channelSchemaHash(base).schemaHash }, undefined, ctx))?.schema
        .id,
    ).toBe("soil-moisture");
    expect(await Certificate.schema({ schemaHash: other.extendedSchemaHash }, undefined, ctx)).toBeNull();
  });

  it("lists the extension proposals, saying which the hub would load", async () => {
    const ctx = context();
    const proposals = await Query.schemaExtensionProposals(undefined, undefined, ctx);
    expect(proposals.map((p) => p.id)).toEqual(["11", "12"]);
    const [good, bad] = proposals as [(typeof proposals)[number], (typeof proposals)[number]];
    expect(await SchemaExtensionProposal.consistent(good, undefined, ctx)).toBe(true);
    expect(await SchemaExtensionProposal.consistent(bad, undefined, ctx)).toBe(false);
    expect(await SchemaExtensionProposal.addedChannels(good, undefined, ctx)).toEqual([
      { name: "pestIncidenceRate", unit: "unspecified", decimals: 2 },
    ]);
    expect((await SchemaExtensionProposal.baseSchema(good, undefined, ctx))?.schema.id).toBe("soil-moisture");
    expect(await SchemaExtensionProposal.proposal(good, undefined, ctx)).toEqual({ id: "11" });
  });
});
