import { describe, expect, it } from "vitest";
import { parseChannelSchema } from "./parseChannelSchema.js";

const valid = {
  id: "test-schema",
  domain: "INDUSTRIAL",
  title: "Test",
  slotSeconds: 60,
  channels: [{ name: "a", unit: "u", decimals: 1 }],
};
const channel = (i: number) => ({ name: `c${i}`, unit: "u", decimals: 0 });

const field = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { details: { field: string } }).details.field;
  }
  throw new Error("expected an error");
};

describe("parseChannelSchema", () => {
  it("returns the known fields in canonical order", () => {
    const shuffled = {
      channels: valid.channels,
      slotSeconds: 60,
      title: "Test",
      domain: "INDUSTRIAL",
      id: "test-schema",
    };
    expect(Object.keys(parseChannelSchema(shuffled))).toEqual([
      "id",
      "domain",
      "title",
      "slotSeconds",
      "channels",
    ]);
  });

  it.each([
    ["no channels", { ...valid, channels: [] }, "schema.channels"],
    [
      "eight channels",
      { ...valid, channels: Array.from({ length: 8 }, (_, i) => channel(i)) },
      "schema.channels",
    ],
    ["a repeated channel", { ...valid, channels: [channel(1), channel(1)] }, "schema.channels[1].name"],
    [
      "a channel name with a space",
      { ...valid, channels: [{ ...channel(0), name: "t max" }] },
      "schema.channels[0].name",
    ],
    [
      "ten decimals",
      { ...valid, channels: [{ ...channel(0), decimals: 10 }] },
      "schema.channels[0].decimals",
    ],
    [
      "fractional decimals",
      { ...valid, channels: [{ ...channel(0), decimals: 1.5 }] },
      "schema.channels[0].decimals",
    ],
    ["an unknown field", { ...valid, scale: 3 }, "schema.scale"],
    [
      "an unknown channel field",
      { ...valid, channels: [{ ...channel(0), min: 0 }] },
      "schema.channels[0].min",
    ],
    ["an unknown domain", { ...valid, domain: "MARITIME" }, "schema.domain"],
    ["an upper-case id", { ...valid, id: "Test" }, "schema.id"],
    ["a zero slot length", { ...valid, slotSeconds: 0 }, "schema.slotSeconds"],
    ["an empty unit", { ...valid, channels: [{ ...channel(0), unit: "" }] }, "schema.channels[0].unit"],
  ])("rejects %s, naming the field", (_case, document, expected) => {
    expect(field(() => parseChannelSchema(document))).toBe(expected);
  });
});
