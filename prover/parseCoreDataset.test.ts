import { describe, expect, it } from "vitest";
import type { CoreDataset } from "./coreDataset.js";
import { loadChannelSchema } from "./loadChannelSchema.js";
import { parseCoreDataset as parseWith } from "./parseCoreDataset.js";

const soil = loadChannelSchema("soil-moisture");
const machine = loadChannelSchema("industrial-machine");
const parseCoreDataset = (dataset: CoreDataset) => parseWith(dataset, soil);

const windowStart = 1_750_000_000;
const reading = (
  slot: number,
  overrides: Partial<{ observedAt: number; value: number; deliveredAt: number }> = {},
) => ({
  observedAt: windowStart + slot * 60,
  value: 12.5,
  deliveredAt: windowStart + slot * 60 + 5,
  ...overrides,
});
const dataset = (readings: CoreDataset["readings"], extra: Partial<CoreDataset> = {}): CoreDataset => ({
  windowStart,
  slotSeconds: 60,
  deadlineSeconds: 30,
  readings,
  ...extra,
});

const field = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string; details: { field: string } }).details.field;
  }
  throw new Error("expected an error");
};

describe("parseCoreDataset", () => {
  it("places readings in their slots and leaves the rest missing", () => {
    const late = reading(5, { observedAt: windowStart + 5 * 60 + 59, deliveredAt: windowStart + 7 * 60 });
    const { slots } = parseCoreDataset(dataset([reading(0), late]));
    expect(slots).toHaveLength(96);
    expect(slots[0]).toEqual({ slot: 0, encodedChannels: [12_500 + 2 ** 31], delaySeconds: 5 });
    expect(slots[5]).toEqual({ slot: 5, encodedChannels: [12_500 + 2 ** 31], delaySeconds: 61 });
    expect(slots.filter(Boolean)).toHaveLength(2);
  });

  it("encodes negative values below the offset", () => {
    const { slots } = parseCoreDataset(dataset([reading(0, { value: -3.25 }), reading(1)]));
    expect(slots[0]?.encodedChannels).toEqual([2 ** 31 - 3250]);
  });

  it("accepts a one-channel reading as `value` or as `channels` by name, identically", () => {
    const byValue = parseCoreDataset(dataset([reading(0), reading(1)]));
    const byName = parseCoreDataset(
      dataset([0, 1].map((slot) => ({ ...reading(slot), value: undefined, channels: { value: 12.5 } }))),
    );
    expect(byName.slots).toEqual(byValue.slots);
  });

  it("encodes every channel with its own decimals, in schema order", () => {
    const { slots } = parseWith(
      dataset(
        [0, 1].map((slot) => ({
          ...reading(slot),
          value: undefined,
          channels: { faultEvent: 1, temperature: -7.255 },
        })),
      ),
      machine,
    );
    // temperature keeps two decimals (−7.255 rounds to −725, halves toward +∞), faultEvent none.
    expect(slots[0]?.encodedChannels).toEqual([2 ** 31 - 725, 2 ** 31 + 1]);
  });

  it.each([
    ["a missing channel", { temperature: 60 }, "readings[0].channels.faultEvent"],
    ["an unknown channel", { temperature: 60, faultEvent: 0, humidity: 3 }, "readings[0].channels.humidity"],
    ["a non-numeric channel", { temperature: "hot", faultEvent: 0 }, "readings[0].channels.temperature"],
    ["a channel beyond 32 bits", { temperature: 60, faultEvent: 2 ** 31 }, "readings[0].channels.faultEvent"],
  ])("rejects %s in a multi-channel reading, naming the channel", (_case, channels, expected) => {
    const input = dataset([
      { ...reading(0), value: undefined, channels: channels as Record<string, number> },
      { ...reading(1), value: undefined, channels: { temperature: 1, faultEvent: 0 } },
    ]);
    expect(field(() => parseWith(input, machine))).toBe(expected);
  });

  it("asks for channels when a multi-channel schema gets a single value", () => {
    expect(field(() => parseWith(dataset([reading(0), reading(1)]), machine))).toBe("readings[0].channels");
  });

  it.each([
    ["fewer than two readings", dataset([reading(0)]), "readings"],
    ["more readings than slots", dataset(Array.from({ length: 97 }, (_, i) => reading(i % 96))), "readings"],
    ["a NaN value", dataset([reading(0, { value: Number.NaN }), reading(1)]), "readings[0].value"],
    [
      "an infinite value",
      dataset([reading(0), reading(1, { value: Number.POSITIVE_INFINITY })]),
      "readings[1].value",
    ],
    ["a value beyond 32 bits", dataset([reading(0, { value: 2_200_000 }), reading(1)]), "readings[0].value"],
    [
      "a reading before the window",
      dataset([reading(0, { observedAt: windowStart - 1 }), reading(1)]),
      "readings[0].observedAt",
    ],
    ["a reading after the window", dataset([reading(0), reading(96)]), "readings[1].observedAt"],
    [
      "two readings in one slot",
      dataset([reading(3), reading(3, { observedAt: windowStart + 3 * 60 + 1 })]),
      "readings[1].observedAt",
    ],
    [
      "delivery before observation",
      dataset([reading(0, { deliveredAt: windowStart - 1 }), reading(1)]),
      "readings[0].deliveredAt",
    ],
    [
      "a delay beyond 24 bits",
      dataset([reading(0, { deliveredAt: windowStart + 2 ** 24 }), reading(1)]),
      "readings[0].deliveredAt",
    ],
    [
      "a fractional timestamp",
      dataset([reading(0, { observedAt: windowStart + 0.5 }), reading(1)]),
      "readings[0].observedAt",
    ],
    ["a zero slot length", dataset([reading(0), reading(1)], { slotSeconds: 0 }), "slotSeconds"],
    ["a negative deadline", dataset([reading(0), reading(1)], { deadlineSeconds: -1 }), "deadlineSeconds"],
  ])("rejects %s, naming the field", (_case, input, expected) => {
    expect(field(() => parseCoreDataset(input))).toBe(expected);
  });
});
