import { describe, expect, it } from "vitest";
import type { ChannelSchema } from "./channelSchema.js";
import { channelSchemaHash } from "./channelSchemaHash.js";
import { SNARK_SCALAR_FIELD } from "./coreDataset.js";
import { loadChannelSchema } from "./loadChannelSchema.js";

const weather = loadChannelSchema("agri-weather-daily");

describe("channelSchemaHash", () => {
  it("hashes the canonical JSON: sorted keys, no whitespace", () => {
    const { canonicalJson, channelCount } = channelSchemaHash(loadChannelSchema("soil-moisture"));
    expect(canonicalJson).toBe(
      '{"channels":[{"decimals":3,"name":"value","unit":"%"}],"domain":"AGRICULTURAL","id":"soil-moisture",' +
        '"slotSeconds":900,"title":"Soil moisture, one value per slot"}',
    );
    expect(channelCount).toBe(1);
  });

  it("is a field element that the key order of the document does not change", () => {
    const { schemaHash, schemaDigest } = channelSchemaHash(weather);
    expect(BigInt(schemaHash)).toBeLessThan(SNARK_SCALAR_FIELD);
    expect(schemaDigest).toBeLessThan(SNARK_SCALAR_FIELD);
    const reordered = JSON.parse(
      JSON.stringify({
        channels: weather.channels,
        title: weather.title,
        slotSeconds: 86400,
        id: weather.id,
        domain: weather.domain,
      }),
    ) as ChannelSchema;
    expect(channelSchemaHash(reordered).schemaHash).toBe(schemaHash);
  });

  it("changes with every field of the schema", () => {
    const base = channelSchemaHash(weather).schemaHash;
    const variants: ChannelSchema[] = [
      { ...weather, title: `${weather.title}.` },
      { ...weather, slotSeconds: 3600 },
      { ...weather, domain: "INDUSTRIAL" },
      { ...weather, channels: weather.channels.map((c, i) => (i === 6 ? { ...c, decimals: 1 } : c)) },
      { ...weather, channels: weather.channels.map((c, i) => (i === 0 ? { ...c, unit: "K" } : c)) },
      { ...weather, channels: [...weather.channels].reverse() },
      { ...weather, channels: weather.channels.slice(0, 6) },
    ];
    const hashes = new Set(variants.map((v) => channelSchemaHash(v).schemaHash));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(base)).toBe(false);
  });

  it("gives each shipped schema its own hash", () => {
    const ids = ["agri-weather-daily", "agri-market-price", "industrial-machine", "soil-moisture"];
    expect(new Set(ids.map((id) => channelSchemaHash(loadChannelSchema(id)).schemaHash)).size).toBe(4);
  });
});
