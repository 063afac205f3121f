import { describe, expect, it } from "vitest";
import { BaseError } from "../../errors/BaseError.js";
import type { TelemetryEntry, TelemetryRecorder } from "../../services/createTelemetryRecorder.js";
import { configKeyOf, meterInvocation } from "./meterInvocation.js";

/** A recorder that keeps entries in memory: what meterInvocation hands it is the subject here. */
function memoryHub() {
  const entries: TelemetryEntry[] = [];
  const telemetry: TelemetryRecorder = {
    record: (entry) => {
      entries.push(entry);
    },
    flush: async () => {},
    close: async () => {},
    stats: () => ({
      recorded: entries.length,
      written: 0,
      dropped: 0,
      failedWrites: 0,
      buffered: entries.length,
    }),
  };
  return { hub: { telemetry, components: { "planting-model": 6n } }, entries };
}

describe("meterInvocation", () => {
  it("a sync success: result unchanged, one entry with latency, compliance and accuracy from the judge", () => {
    const { hub, entries } = memoryHub();
    const result = meterInvocation(
      hub,
      "planting-model",
      { scenario: "kind:PLANTING_PLAN", configuration: { version: "0x01", model: "planting" } },
      () => ({ plan: [1, 2] }),
      (r) => ({ compliant: r.plan.length === 2, accuracy: 0.9, scenario: "kind:PLANTING_PLAN/v2" }),
    );
    expect(result).toEqual({ plan: [1, 2] });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      componentId: 6n,
      component: "planting-model",
      success: true,
      compliant: true,
      accuracy: 0.9,
      scenario: "kind:PLANTING_PLAN/v2",
      configKey: '{"model":"planting","version":"0x01"}',
    });
    expect(entries[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(entries[0]?.at).toBeInstanceOf(Date);
  });

  it("an async failure: the same error rethrown, its code recorded, details from the error added", async () => {
    const { hub, entries } = memoryHub();
    const error = new BaseError("readings[0].channels.pestIncidenceRate is not a channel", {
      code: "INVALID_DATASET",
    });
    await expect(
      meterInvocation(
        hub,
        "ignored",
        {
          scenario: "schema:soil-moisture",
          componentId: 9n,
          caller: "0x0000000000000000000000000000000000000001",
          onchainInvocationId: 4n,
          details: { provider: "0xp" },
          detailsOnError: () => ({ unknownChannels: ["pestIncidenceRate"] }),
          scenarioOnError: () => "schema:soil-moisture-pest-incidence-rate",
        },
        async () => {
          throw error;
        },
      ),
    ).rejects.toBe(error);
    expect(entries).toEqual([
      expect.objectContaining({
        componentId: 9n,
        success: false,
        compliant: false,
        accuracy: null,
        errorCode: "INVALID_DATASET",
        scenario: "schema:soil-moisture-pest-incidence-rate",
        caller: "0x0000000000000000000000000000000000000001",
        onchainInvocationId: 4n,
        details: { provider: "0xp", unknownChannels: ["pestIncidenceRate"] },
      }),
    ]);
  });

  it("a sync throw of a foreign error: rethrown, recorded without a code", () => {
    const { hub, entries } = memoryHub();
    expect(() =>
      meterInvocation(hub, "planting-model", { scenario: "s" }, () => {
        throw new TypeError("boom");
      }),
    ).toThrow("boom");
    expect(entries[0]).toMatchObject({ success: false, compliant: false });
    expect(entries[0]?.errorCode).toBeUndefined();
  });

  it("a judge that throws marks the invocation uncompliant rather than failing it", async () => {
    const { hub, entries } = memoryHub();
    const value = await meterInvocation(
      hub,
      "planting-model",
      { scenario: "s" },
      async () => 3,
      () => {
        throw new Error("unreadable");
      },
    );
    expect(value).toBe(3);
    expect(entries[0]).toMatchObject({ success: true, compliant: false });
  });

  it("is just fn() without telemetry or without the component's id", () => {
    const { hub, entries } = memoryHub();
    expect(meterInvocation({}, "planting-model", { scenario: "s" }, () => 1)).toBe(1);
    expect(meterInvocation(hub, "market-model", { scenario: "s" }, () => 2)).toBe(2);
    expect(entries).toHaveLength(0);
  });

  it("configKeyOf sorts keys and writes bigints as decimals", () => {
    expect(configKeyOf({ b: 1, a: 2n ** 70n })).toBe(`{"a":"${2n ** 70n}","b":1}`);
  });
});
