import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import type { TelemetryEntry } from "../services/createTelemetryRecorder.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { tableHub } from "../test/support/tableHub.js";
import { backtestAccuracyOf, MODEL_COMPONENTS, prepareDerivation } from "./prepareDerivation.js";

/**
 * prepareDerivation's rule check is the derivation-rules component: metered per derivation (scenario `kind:<KIND>`),
 * a rule not met recorded as an uncompliant failure with RULE_NOT_MET and the error unchanged to the caller. The
 * chain is a table of reads; the model runs and binding proofs are exercised by the derivation stack tests.
 */

const provider = privateKeyToAccount(ANVIL_DEV_KEYS[6] as Hex).address as Address;

function hubWith({ activeRule, provenBps }: { activeRule: bigint; provenBps: number }) {
  const { hub } = tableHub({
    contracts: {
      DerivationRules: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      CoreCertificateRegistry: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
      DerivativeRegistry: { address: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" },
    },
    reads: {
      certificate: () => ({
        provider,
        domain: 1,
        minIntegrityBps: provenBps,
        minTimelinessBps: provenBps,
        minContinuityBps: provenBps,
        maxGapSlots: 2,
        datasetCommitment: `0x${"ab".repeat(32)}`,
      }),
      activeRuleFor: () => activeRule,
      rule: () => ({ attribute: 1, thresholdBps: 9_000, weightBps: 10_000 }),
    },
    receipt: () => ({}),
    now: 1_780_000_000n,
  });
  const entries: TelemetryEntry[] = [];
  Object.assign(hub, {
    components: { "derivation-rules": 5n, "planting-model": 6n },
    datasets: { get: async () => undefined },
    telemetry: {
      record: (entry: TelemetryEntry) => entries.push(entry),
      flush: async () => {},
      close: async () => {},
      stats: () => ({ recorded: 0, written: 0, dropped: 0, failedWrites: 0, buffered: 0 }),
    },
  });
  return { hub, entries };
}

const request = { certificateIds: ["1"], kind: "PLANTING_PLAN" as const, parameters: {} };

describe("prepareDerivation's rule check (metered as derivation-rules)", () => {
  it("a satisfied rule is a compliant success, with the rule's id", async () => {
    const { hub, entries } = hubWith({ activeRule: 3n, provenBps: 9_500 });
    // The rule holds; the derivation then stops at the dataset this hub does not keep.
    await expect(prepareDerivation(request, hub)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(entries).toEqual([
      expect.objectContaining({
        componentId: 5n,
        component: "derivation-rules",
        success: true,
        compliant: true,
        scenario: "kind:PLANTING_PLAN",
        configuration: { domain: 1, kind: "PLANTING_PLAN" },
        details: { ruleId: "3" },
      }),
    ]);
  });

  it("a rule not met (or no active rule): RULE_NOT_MET to the caller, an uncompliant failure recorded", async () => {
    for (const chain of [
      { activeRule: 3n, provenBps: 8_000 },
      { activeRule: 0n, provenBps: 9_500 },
    ]) {
      const { hub, entries } = hubWith(chain);
      await expect(prepareDerivation(request, hub)).rejects.toMatchObject({ code: "RULE_NOT_MET" });
      expect(entries).toEqual([
        expect.objectContaining({
          component: "derivation-rules",
          success: false,
          compliant: false,
          errorCode: "RULE_NOT_MET",
        }),
      ]);
    }
  });
});

describe("model components", () => {
  it("each derivation kind is served by its hub model component", () => {
    expect(MODEL_COMPONENTS).toEqual({
      PLANTING_PLAN: "planting-model",
      MARKET_FORECAST: "market-model",
      FAULT_WARNING_MODEL: "fault-model",
    });
  });

  it("accuracy only from a model's own back-test (1 − MAPE/100, floored at 0); otherwise null", () => {
    expect(backtestAccuracyOf({ backtest: { holtWinters: { mape: 4.5 } } })).toBeCloseTo(0.955, 10);
    expect(backtestAccuracyOf({ backtest: { holtWinters: { mape: 130 } } })).toBe(0);
    expect(backtestAccuracyOf({ backtest: null })).toBeNull();
    expect(backtestAccuracyOf({ plan: [] })).toBeNull();
    expect(backtestAccuracyOf(null)).toBeNull();
  });
});
