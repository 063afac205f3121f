import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { commitRiskRecords } from "../../prover/commitRiskRecords.js";
import type { StoredCertificationAttempt } from "../../services/createCertificationAttemptStore.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import type { HubServices } from "../HubServices.js";
import { type CalderaRiskSource, gatherCalderaRiskRecords } from "./gatherCalderaRiskRecords.js";

const signer = privateKeyToAccount(ANVIL_DEV_KEYS[0] as Hex);
const subject: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const NOW = 1_800_000_000n;
const START = 1_790_000_000;
const commitment = `0x${"ab".repeat(32)}` as Hex;

/** 96 readings every 900 s, delivered 45 s after observation (deadline 600 s), with chosen slots missing or late. */
function dataset({ missing = [] as number[], lateBy = {} as Record<number, number> } = {}) {
  const readings = [];
  for (let i = 0; i < 96; i++) {
    if (missing.includes(i)) continue;
    const observedAt = START + i * 900 + 30;
    readings.push({ observedAt, value: 1, deliveredAt: observedAt + (lateBy[i] ?? 45) });
  }
  return { windowStart: START, slotSeconds: 900, deadlineSeconds: 600, readings };
}

function hubWith(stored: unknown, attempts?: StoredCertificationAttempt[]) {
  return {
    certificationAttempts:
      attempts === undefined
        ? undefined
        : {
            // The store's contract: the provider's newest first, at most `limit`.
            recentFor: async (provider: Address, limit: number) =>
              attempts
                .filter((a) => a.provider.toLowerCase() === provider.toLowerCase())
                .sort((a, b) => b.attemptedAt - a.attemptedAt)
                .slice(0, limit),
          },
    walletClient: { signMessage: ({ message }: { message: string }) => signer.signMessage({ message }) },
    datasets: {
      get: async (c: Hex) =>
        c === commitment && stored !== undefined
          ? { commitment, schemaId: "soil-moisture/v1", dataset: stored }
          : undefined,
    },
  } as unknown as Pick<HubServices, "datasets" | "walletClient" | "certificationAttempts">;
}

const source = (lines: Awaited<ReturnType<CalderaRiskSource["creditLines"]>>): CalderaRiskSource => ({
  creditLines: async () => lines,
  certificates: async () => [
    { id: "1", datasetCommitment: commitment, certifiedAt: Number(NOW) - 10 },
    { id: "2", datasetCommitment: `0x${"cd".repeat(32)}`, certifiedAt: Number(NOW) - 5 }, // not this hub's
  ],
});

describe("gatherCalderaRiskRecords", () => {
  it("makes one DEFAULT_RATE record per credit line, 1 for a defaulted one, oldest first", async () => {
    const gathered = await gatherCalderaRiskRecords({
      hub: hubWith(undefined),
      source: source([
        { id: "3", status: "DEFAULTED", openedAt: 100, closedAt: 900 },
        { id: "2", status: "OPEN", openedAt: 500, closedAt: null },
        { id: "1", status: "CLOSED", openedAt: 50, closedAt: 400 },
      ]),
      subject,
      kind: "DEFAULT_RATE",
      now: NOW,
    });
    expect(gathered.records.map((r) => [r.timestamp, r.value, r.scenario])).toEqual([
      [400, 0, "credit-line:1"],
      [500, 0, "credit-line:2"],
      [900, 1, "credit-line:3"],
    ]);
    expect([gathered.windowStart, gathered.windowEnd, gathered.threshold]).toEqual([400, 900, 1]);
  });

  it("measures a dataset's longest delay past its promise; a missing reading waits to the window's end", async () => {
    const gather = (stored: unknown) =>
      gatherCalderaRiskRecords({
        hub: hubWith(stored),
        source: source([]),
        subject,
        kind: "DELAY_DURATION",
        now: NOW,
      });
    const windowEnd = START + 96 * 900;
    // Delivered 1,845 s after observation: 1,245 s past the 600 s promise.
    expect((await gather(dataset({ lateBy: { 7: 1_845 } }))).records.map((r) => r.value)).toEqual([1_245]);
    // Slot 10 never came: from its slot's end to the window's end.
    const missing = await gather(dataset({ missing: [10] }));
    expect(missing.records.map((r) => [r.value, r.timestamp])).toEqual([
      [windowEnd - (START + 11 * 900), windowEnd],
    ]);
    expect(missing.threshold).toBe(3_600);
  });

  it("salts the same records the same way (same evidence root), and differently for another subject", async () => {
    const lines = [{ id: "1", status: "DEFAULTED", openedAt: 100, closedAt: 900 }];
    const rootOf = async (who: Address) => {
      const gathered = await gatherCalderaRiskRecords({
        hub: hubWith(undefined),
        source: source(lines),
        subject: who,
        kind: "DEFAULT_RATE",
        now: NOW,
      });
      return commitRiskRecords({ subject: who, ...gathered }).evidenceRoot;
    };
    expect(await rootOf(subject)).toBe(await rootOf(subject));
    const other: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    const [a, b] = await Promise.all([
      gatherCalderaRiskRecords({
        hub: hubWith(undefined),
        source: source(lines),
        subject,
        kind: "DEFAULT_RATE",
        now: NOW,
      }),
      gatherCalderaRiskRecords({
        hub: hubWith(undefined),
        source: source(lines),
        subject: other,
        kind: "DEFAULT_RATE",
        now: NOW,
      }),
    ]);
    expect(a.records[0]?.salt).not.toBe(b.records[0]?.salt);
  });

  it("refuses without records (reason noRecords), records after now, and kinds Caldera keeps none of", async () => {
    const refusal = async (kind: string, lines: Awaited<ReturnType<CalderaRiskSource["creditLines"]>>) =>
      gatherCalderaRiskRecords({
        hub: hubWith(undefined),
        source: source(lines),
        subject,
        kind: kind as never,
        now: NOW,
      }).catch((e: { code: string; details: Record<string, unknown> }) => [
        e.code,
        e.details.reason ?? e.details.field,
      ]);
    expect(await refusal("DEFAULT_RATE", [])).toEqual(["BAD_USER_INPUT", "noRecords"]);
    expect(
      await refusal("DEFAULT_RATE", [
        { id: "1", status: "OPEN", openedAt: Number(NOW) + 60, closedAt: null },
      ]),
    ).toEqual(["BAD_USER_INPUT", "noRecords"]);
    // Certificates whose datasets this hub does not hold (certified by another hub) give no records.
    expect(await refusal("DELAY_DURATION", [])).toEqual(["BAD_USER_INPUT", "noRecords"]);
    expect(await refusal("ANOMALOUS_FLUCTUATION", [])).toEqual(["BAD_USER_INPUT", "kind"]);
    expect(await refusal("PRICE_VOLATILITY", [])).toEqual(["BAD_USER_INPUT", "kind"]);
    // A hub without the attempt store has no attempts.
    expect(await refusal("TAMPERING_FREQUENCY", [])).toEqual(["BAD_USER_INPUT", "noRecords"]);
  });

  it("makes one TAMPERING_FREQUENCY record per certification attempt, 1 if rejected, newest 32, oldest first", async () => {
    const attempt = (i: number, overrides: Partial<StoredCertificationAttempt> = {}) => ({
      id: String(i),
      provider: subject.toLowerCase() as Address,
      datasetCommitment: `0x${i.toString(16).padStart(64, "0")}` as Hex,
      outcome: "ACCEPTED" as const,
      errorCode: null,
      attemptedAt: START + i * 60,
      ...overrides,
    });
    // 40 attempts: every fifth refused; one of another provider, one after `now` (a clock ahead of the chain's).
    const attempts: StoredCertificationAttempt[] = Array.from({ length: 40 }, (_, i) =>
      i % 5 === 0
        ? attempt(i, { outcome: "REJECTED", errorCode: i === 0 ? "INVALID_PROOF" : "BELOW_FLOOR" })
        : attempt(i),
    );
    attempts.push(
      attempt(99, { provider: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", outcome: "REJECTED" }),
    );
    const gather = (list: StoredCertificationAttempt[], now = NOW) =>
      gatherCalderaRiskRecords({
        hub: hubWith(undefined, list),
        source: source([]),
        subject,
        kind: "TAMPERING_FREQUENCY",
        now,
      });
    const gathered = await gather(attempts);
    // The newest 32 (attempts 8..39), oldest first: refused are 10, 15, …, 35.
    expect(gathered.records.map((r) => r.timestamp)).toEqual(
      Array.from({ length: 32 }, (_, i) => START + (i + 8) * 60),
    );
    expect(gathered.records.filter((r) => r.value === 1).map((r) => r.scenario)).toEqual(
      [10, 15, 20, 25, 30, 35].map((i) => `certification-attempt:${i}`),
    );
    expect(gathered.records[0]?.counterparty).toBe(`caldera:dataset:0x${"8".padStart(64, "0")}`);
    expect([gathered.windowStart, gathered.windowEnd, gathered.threshold]).toEqual([
      START + 8 * 60,
      START + 39 * 60,
      1,
    ]);
    // Salted per attempt: no two records share a salt; the same attempts salt the same way.
    expect(new Set(gathered.records.map((r) => r.salt)).size).toBe(32);
    expect((await gather(attempts)).records).toEqual(gathered.records);
    // A refusal without a dataset commitment still counts; an attempt after `now` does not.
    const few = await gather(
      [attempt(1, { datasetCommitment: null, outcome: "REJECTED", errorCode: "BELOW_FLOOR" }), attempt(2)],
      BigInt(START + 90),
    );
    expect(few.records.map((r) => [r.value, r.counterparty])).toEqual([[1, "caldera:dataset:none"]]);
    expect(await gather([], NOW).catch((e: { details: Record<string, unknown> }) => e.details.reason)).toBe(
      "noRecords",
    );
  });
});
