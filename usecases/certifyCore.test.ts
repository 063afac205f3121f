import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import type { BaseError } from "../errors/BaseError.js";
import type { TelemetryEntry } from "../services/createTelemetryRecorder.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { tableHub } from "../test/support/tableHub.js";
import { type CertifyCoreInput, certifyCoreTypedData } from "./certifyCore.js";

/**
 * certifyCore's dataset validation is the domain's validator component: every validation is metered, and a dataset
 * carrying a channel its schema lacks is refused (INVALID_DATASET, unchanged) with the unknown channels, their
 * decimals and the provider recorded, under the scenario of the extension it asks for — what the schema-extension
 * detector reads. The chain is a table of reads (the real registry is exercised by the certification stack tests).
 */

const provider = privateKeyToAccount(ANVIL_DEV_KEYS[6] as Hex).address;
const NOW = 1_780_000_000n;
const windowStart = 1_780_272_000; // a multiple of 900

function hubWithTelemetry() {
  const { hub, sent } = tableHub({
    contracts: {
      DerivationRules: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      CoreCertificateRegistry: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
    },
    reads: {
      floorsOf: () => ({ minIntegrityBps: 0, minTimelinessBps: 0, minContinuityBps: 0, maxGapSlots: 96 }),
      isProvider: () => true,
      certificateOf: () => 0n,
      schemaIndexOf: () => 1,
      nonces: () => 0n,
    },
    receipt: () => ({}),
    now: NOW,
  });
  const entries: TelemetryEntry[] = [];
  Object.assign(hub, {
    deployment: { ...hub.deployment, chainId: 31337 },
    components: { "agricultural-validator": 3n, "industrial-validator": 4n },
    telemetry: {
      record: (entry: TelemetryEntry) => entries.push(entry),
      flush: async () => {},
      close: async () => {},
      stats: () => ({ recorded: 0, written: 0, dropped: 0, failedWrites: 0, buffered: 0 }),
    },
  });
  return { hub, sent, entries };
}

function dataset(extra?: { name: string; value: number }): CertifyCoreInput {
  return {
    provider: provider as Address,
    domain: "AGRICULTURAL",
    windowStart,
    slotSeconds: 900,
    deadlineSeconds: 600,
    schema: "soil-moisture",
    readings: Array.from({ length: 96 }, (_, i) => ({
      observedAt: windowStart + i * 900 + 30,
      deliveredAt: windowStart + i * 900 + 75,
      channels: [{ name: "value", value: 31.5 + (i % 7) / 8 }, ...(extra ? [extra] : [])],
    })),
  };
}

describe("certifyCore's dataset validation (metered as the domain's validator)", () => {
  it("records a valid dataset as a compliant success under schema:<id>", async () => {
    const { hub, entries } = hubWithTelemetry();
    await certifyCoreTypedData(dataset(), hub);
    expect(entries).toEqual([
      expect.objectContaining({
        componentId: 3n,
        component: "agricultural-validator",
        success: true,
        compliant: true,
        scenario: "schema:soil-moisture",
        configuration: { schema: "soil-moisture", domain: "AGRICULTURAL" },
        details: { provider, phase: "typedData" },
      }),
    ]);
  });

  it("an unknown channel: INVALID_DATASET to the caller; recorded with the channels, their decimals and the provider", async () => {
    const { hub, sent, entries } = hubWithTelemetry();
    const error = await certifyCoreTypedData(dataset({ name: "pestIncidenceRate", value: 0.125 }), hub).catch(
      (e: BaseError) => e,
    );
    expect((error as BaseError).code).toBe("INVALID_DATASET");
    expect(sent).toEqual([]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      component: "agricultural-validator",
      success: false,
      compliant: false,
      errorCode: "INVALID_DATASET",
      // The extension the data asks for: the extended schema's id (`<base id>-<kebab channel>`).
      scenario: "schema:soil-moisture-pest-incidence-rate",
      details: {
        provider,
        phase: "typedData",
        unknownChannels: ["pestIncidenceRate"],
        unknownChannelStats: { pestIncidenceRate: { decimals: 3, maxAbs: 0.125 } },
      },
    });
  });

  it("an industrial dataset is metered as the industrial validator; other refusals carry no channels", async () => {
    const { hub, entries } = hubWithTelemetry();
    const input = { ...dataset(), domain: "INDUSTRIAL" as const, readings: dataset().readings.slice(0, 1) };
    input.readings[0] = { ...(input.readings[0] as CertifyCoreInput["readings"][number]), observedAt: 5 };
    await expect(certifyCoreTypedData(input, hub)).rejects.toMatchObject({ code: "INVALID_DATASET" });
    expect(entries[0]).toMatchObject({ component: "industrial-validator", scenario: "schema:soil-moisture" });
    expect(entries[0]?.details).toEqual({ provider, phase: "typedData" });
  });
});
