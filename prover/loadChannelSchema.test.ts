import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_CHANNELS } from "./channelSchema.js";
import { CHANNEL_SCHEMA_DIR, loadChannelSchema, registerChannelSchema } from "./loadChannelSchema.js";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string; details: { field: string } }).code;
  }
  throw new Error("expected an error");
};

describe("loadChannelSchema", () => {
  it("loads every shipped schema, each under its own id", () => {
    const ids = readdirSync(CHANNEL_SCHEMA_DIR)
      .filter((file) => file.endsWith(".json"))
      .map((file) => file.replace(/\.json$/, ""))
      .sort();
    expect(ids).toEqual(["agri-market-price", "agri-weather-daily", "industrial-machine", "soil-moisture"]);
    for (const id of ids) {
      const schema = loadChannelSchema(id);
      expect(schema.id).toBe(id);
      expect(schema.channels.length).toBeLessThanOrEqual(MAX_CHANNELS);
    }
  });

  it("declares the channels the derivation models read", () => {
    const names = (id: string) => loadChannelSchema(id).channels.map((c) => `${c.name}:${c.decimals}`);
    expect(names("agri-weather-daily")).toEqual([
      "tMax:2",
      "tMin:2",
      "rhMax:2",
      "rhMin:2",
      "windSpeed:2",
      "sunshineHours:2",
      "rainfall:2",
    ]);
    expect(names("agri-market-price")).toEqual(["price:2"]);
    expect(names("industrial-machine")).toEqual(["temperature:2", "faultEvent:0"]);
    expect(names("soil-moisture")).toEqual(["value:3"]);
    expect(loadChannelSchema("industrial-machine").domain).toBe("INDUSTRIAL");
  });

  it("answers INVALID_DATASET for an unknown id and for anything that is not an id", () => {
    expect(code(() => loadChannelSchema("no-such-schema"))).toBe("INVALID_DATASET");
    expect(code(() => loadChannelSchema("../../package"))).toBe("INVALID_DATASET");
  });

  it("loads a registered (approved extension) schema by id, but never lets one replace a shipped schema", () => {
    expect(code(() => loadChannelSchema("soil-moisture-leaf-wetness"))).toBe("INVALID_DATASET");
    const base = loadChannelSchema("soil-moisture");
    const extended = {
      ...base,
      id: "soil-moisture-leaf-wetness",
      title: `${base.title}; with leafWetness`,
      channels: [...base.channels, { name: "leafWetness", unit: "unspecified", decimals: 2 }],
    };
    expect(registerChannelSchema(extended)).toEqual(extended);
    expect(loadChannelSchema("soil-moisture-leaf-wetness")).toEqual(extended);
    // The first definition stays: an approved extension's hash never changes.
    registerChannelSchema({ ...extended, title: "another" });
    expect(loadChannelSchema("soil-moisture-leaf-wetness").title).toBe(extended.title);
    expect(code(() => registerChannelSchema({ ...base, title: "replaced" }))).toBe("INVALID_DATASET");
    expect(loadChannelSchema("soil-moisture").title).toBe(base.title);
  });
});
