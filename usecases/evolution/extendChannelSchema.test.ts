import { describe, expect, it } from "vitest";
import { channelSchemaHash } from "../../prover/channelSchemaHash.js";
import { loadChannelSchema } from "../../prover/loadChannelSchema.js";
import { extendChannelSchema, kebabChannelName } from "./extendChannelSchema.js";
import { inferChannelDecimals } from "./inferChannelDecimals.js";
import { observeUnknownChannels } from "./observeUnknownChannels.js";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return `${(error as { code: string }).code} ${(error as { details: { field: string } }).details.field}`;
  }
  throw new Error("expected an error");
};

describe("extendChannelSchema", () => {
  it("appends the channel last under <base id>-<kebab channel>, with both hashes from channelSchemaHash", () => {
    const base = loadChannelSchema("soil-moisture");
    const extended = extendChannelSchema({ base, channel: "pestIncidenceRate", decimals: 2 });
    expect(extended.schema).toEqual({
      id: "soil-moisture-pest-incidence-rate",
      domain: "AGRICULTURAL",
      title: "Soil moisture, one value per slot; with pestIncidenceRate",
      slotSeconds: 900,
      channels: [
        { name: "value", unit: "%", decimals: 3 },
        { name: "pestIncidenceRate", unit: "unspecified", decimals: 2 },
      ],
    });
    expect(extended.baseSchemaHash).toBe(channelSchemaHash(base).schemaHash);
    expect(extended.extendedSchemaHash).toBe(channelSchemaHash(extended.schema).schemaHash);
    expect(extended.definition).toBe(channelSchemaHash(extended.schema).canonicalJson);
    expect(JSON.parse(extended.definition)).toEqual(extended.schema);
  });

  it("refuses what a schema cannot be, naming the field", () => {
    const weather = loadChannelSchema("agri-weather-daily");
    expect(code(() => extendChannelSchema({ base: weather, channel: "soilTemp", decimals: 2 }))).toBe(
      "INVALID_DATASET schema.channels",
    );
    const base = loadChannelSchema("soil-moisture");
    expect(code(() => extendChannelSchema({ base, channel: "value", decimals: 2 }))).toBe(
      "INVALID_DATASET schema.channels[1].name",
    );
    expect(code(() => extendChannelSchema({ base, channel: "pest-rate", decimals: 2 }))).toMatch(
      /^INVALID_DATASET schema\./,
    );
    expect(code(() => extendChannelSchema({ base, channel: "x", decimals: 10 }))).toBe(
      "INVALID_DATASET schema.channels[1].decimals",
    );
  });

  it("kebab-cases channel names", () => {
    expect(kebabChannelName("pestIncidenceRate")).toBe("pest-incidence-rate");
    expect(kebabChannelName("leafWetness2")).toBe("leaf-wetness2");
    expect(kebabChannelName("soilPH")).toBe("soil-ph");
  });
});

describe("decimals inference", () => {
  it("keeps the most decimals seen (≤ 9) that still fit the 32-bit encoding", () => {
    const base = loadChannelSchema("soil-moisture");
    const seen = observeUnknownChannels(
      [
        {
          channels: [
            { name: "value", value: 21.5 },
            { name: "pestIncidenceRate", value: 0.12 },
          ],
        },
        {
          channels: [
            { name: "value", value: 21.5 },
            { name: "pestIncidenceRate", value: -0.125 },
          ],
        },
        {
          channels: [
            { name: "value", value: 21.5 },
            { name: "leafWetness", value: 1e-12 },
          ],
        },
        {},
      ],
      base,
    );
    expect(seen).toEqual({
      unknownChannels: ["leafWetness", "pestIncidenceRate"],
      unknownChannelStats: {
        leafWetness: { decimals: 9, maxAbs: 1e-12 },
        pestIncidenceRate: { decimals: 3, maxAbs: 0.125 },
      },
    });
    expect(observeUnknownChannels([{ channels: [{ name: "value", value: 1 }] }], base)).toBeUndefined();
    expect(
      inferChannelDecimals([
        { decimals: 2, maxAbs: 0.5 },
        { decimals: 3, maxAbs: 0.4 },
      ]),
    ).toBe(3);
    expect(inferChannelDecimals([{ decimals: 9, maxAbs: 0.001 }])).toBe(9);
    // 3.5 × 10^9 does not fit ±2^31: the decimals drop until it does.
    expect(inferChannelDecimals([{ decimals: 9, maxAbs: 3.5 }])).toBe(8);
    expect(inferChannelDecimals([{ decimals: 2, maxAbs: 5_000_000_000 }])).toBe(0);
    expect(inferChannelDecimals([])).toBe(0);
  });
});
