import { describe, expect, it } from "vitest";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { extendChannelSchema } from "./evolution/extendChannelSchema.js";
import type { ApprovedSchemaExtension } from "./evolution/verifySchemaExtensions.js";
import type { HubServices } from "./HubServices.js";
import { resolveChannelSchema } from "./resolveChannelSchema.js";

const base = loadChannelSchema("soil-moisture");
const pest = extendChannelSchema({ base, channel: "pestIncidenceRate", decimals: 2 });
const approved = (e: typeof pest): ApprovedSchemaExtension => ({
  baseSchemaHash: e.baseSchemaHash,
  extendedSchemaHash: e.extendedSchemaHash,
  schemaId: e.schema.id,
  definition: e.definition,
});

/** The registry as the chain would answer (a unit test of the resolution around it). */
function hubWith(extensions: ApprovedSchemaExtension[], deployed = true) {
  const calls = { count: 0, events: 0 };
  const hub = {
    deployment: {
      contracts: deployed
        ? { ChannelSchemaRegistry: { address: `0x${"cc".repeat(20)}`, startBlock: 1, transactionHash: "0x" } }
        : {},
    },
    publicClient: {
      readContract: async () => {
        calls.count += 1;
        return BigInt(extensions.length);
      },
      getContractEvents: async () => {
        calls.events += 1;
        return extensions.map((args) => ({ args }));
      },
    },
  } as unknown as Pick<HubServices, "deployment" | "publicClient">;
  return { hub, calls, extensions };
}

const reading = (channels: Record<string, number>) => ({
  channels: Object.entries(channels).map(([name, value]) => ({ name, value })),
});

describe("resolveChannelSchema", () => {
  it("keeps the named schema when the readings carry only its channels, without reading the chain", async () => {
    const { hub, calls } = hubWith([approved(pest)]);
    expect(await resolveChannelSchema({ readings: [{}, {}] }, hub)).toBe(base);
    expect(
      await resolveChannelSchema({ schema: "soil-moisture", readings: [reading({ value: 1 })] }, hub),
    ).toBe(base);
    expect(calls).toEqual({ count: 0, events: 0 });
  });

  it("resolves an approved extension when the readings carry exactly its channels; reads events only when the count moves", async () => {
    const { hub, calls, extensions } = hubWith([]);
    const input = { schema: null, readings: [reading({ value: 20.5, pestIncidenceRate: 0.12 })] };
    // Nothing approved yet: the named schema, whose validation then names the unknown channel.
    expect(await resolveChannelSchema(input, hub)).toBe(base);
    expect(calls).toEqual({ count: 1, events: 0 });
    extensions.push(approved(pest));
    const resolved = await resolveChannelSchema(input, hub);
    expect(resolved).toEqual(pest.schema);
    expect(calls).toEqual({ count: 2, events: 1 });
    await resolveChannelSchema(input, hub);
    expect(calls).toEqual({ count: 3, events: 1 });
    // Loaded by id everywhere in the process now, and by its id through the resolution too.
    expect(loadChannelSchema(pest.schema.id)).toEqual(pest.schema);
    expect(await resolveChannelSchema({ schema: pest.schema.id, readings: input.readings }, hub)).toEqual(
      pest.schema,
    );
    // A channel set no extension has: the named schema.
    expect(
      await resolveChannelSchema(
        { readings: [reading({ value: 1, pestIncidenceRate: 1, leafWetness: 1 })] },
        hub,
      ),
    ).toBe(base);
    // An extension of another base does not apply.
    expect(
      await resolveChannelSchema(
        { schema: "agri-market-price", readings: [reading({ price: 1, pestIncidenceRate: 1 })] },
        hub,
      ),
    ).toEqual(loadChannelSchema("agri-market-price"));
  });

  it("logs and ignores an approved extension whose definition does not hash to its hash, never failing", async () => {
    const forged = extendChannelSchema({ base, channel: "rogueChannel", decimals: 2 });
    const honest = extendChannelSchema({ base, channel: "canopyCover", decimals: 1 });
    const { hub } = hubWith([
      { ...approved(forged), extendedSchemaHash: honest.extendedSchemaHash, schemaId: honest.schema.id },
      approved(honest),
    ]);
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const rogue = { readings: [reading({ value: 1, rogueChannel: 1 })] };
    expect(await resolveChannelSchema(rogue, hub, { log })).toBe(base);
    expect(lines).toEqual([
      expect.stringMatching(
        /^channel schemas: ignoring the approved extension "soil-moisture-canopy-cover" \(0x[0-9a-f]{64}\): the definition hashes to 0x/,
      ),
    ]);
    // The honest approval of that hash, later, is accepted.
    expect(
      await resolveChannelSchema({ readings: [reading({ value: 1, canopyCover: 0.5 })] }, hub, { log }),
    ).toEqual(honest.schema);
    expect(lines).toHaveLength(1);
  });

  it("has no extensions where no registry is deployed; an unknown id stays INVALID_DATASET", async () => {
    const { hub, calls } = hubWith([approved(pest)], false);
    expect(await resolveChannelSchema({ readings: [reading({ value: 1, somethingElse: 1 })] }, hub)).toBe(
      base,
    );
    await expect(resolveChannelSchema({ schema: "no-such-schema", readings: [] }, hub)).rejects.toMatchObject(
      {
        code: "INVALID_DATASET",
      },
    );
    expect(calls).toEqual({ count: 0, events: 0 });
  });
});
