import { describe, expect, it } from "vitest";
import { BaseError } from "../errors/BaseError.js";
import { commitRiskRecords, type RiskRecord } from "./commitRiskRecords.js";

const subject = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const windowStart = 1_760_000_000;
const windowEnd = windowStart + 86_400;
const records: RiskRecord[] = [
  { timestamp: windowStart, value: 1, counterparty: "Acme Grain Co", scenario: "forward-contract", salt: 7n },
  { timestamp: windowEnd, value: 0, counterparty: "Delta Mills", scenario: "forward-contract", salt: 8n },
];
const commit = (overrides: Partial<Parameters<typeof commitRiskRecords>[0]> = {}) =>
  commitRiskRecords({ subject, windowStart, windowEnd, records, ...overrides });
const refusal = (overrides: Partial<Parameters<typeof commitRiskRecords>[0]>) => {
  try {
    commit(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(BaseError);
    return { code: (error as BaseError).code, field: (error as BaseError).details.field };
  }
  throw new Error("not refused");
};

describe("commitRiskRecords", () => {
  it("commits 32 leaves (the records', then zeros) and pads the witness to 32 records", () => {
    const { evidenceRoot, leaves, witness, records: committed } = commit();
    expect(evidenceRoot).toMatch(/^0x[0-9a-f]{64}$/);
    expect(leaves).toHaveLength(32);
    expect(leaves.slice(0, 2).every((leaf) => leaf !== 0n)).toBe(true);
    expect(leaves.slice(2).every((leaf) => leaf === 0n)).toBe(true);
    expect(witness.timestamp).toEqual([String(windowStart), String(windowEnd), ...Array(30).fill("0")]);
    expect(witness.value).toEqual(["1", "0", ...Array(30).fill("0")]);
    expect(witness.counterpartyHash.slice(0, 2)).toEqual(committed.map((r) => r.counterpartyHash.toString()));
    expect(committed.map((r) => r.salt)).toEqual([7n, 8n]);
    // Same inputs, same root: an ecosystem can reopen its commitment from what it kept.
    expect(commit().evidenceRoot).toBe(evidenceRoot);
  });

  it("changes the root with any record field, the order, the salt or the subject", () => {
    const { evidenceRoot } = commit();
    const variants: RiskRecord[][] = [
      [{ ...(records[0] as RiskRecord), value: 2 }, records[1] as RiskRecord],
      [{ ...(records[0] as RiskRecord), timestamp: windowStart + 1 }, records[1] as RiskRecord],
      [{ ...(records[0] as RiskRecord), counterparty: "Acme Grain Co." }, records[1] as RiskRecord],
      [{ ...(records[0] as RiskRecord), scenario: "spot" }, records[1] as RiskRecord],
      [{ ...(records[0] as RiskRecord), salt: 9n }, records[1] as RiskRecord],
      [records[1] as RiskRecord, records[0] as RiskRecord],
      [records[0] as RiskRecord],
    ];
    const roots = new Set([evidenceRoot, ...variants.map((v) => commit({ records: v }).evidenceRoot)]);
    expect(roots.size).toBe(variants.length + 1);
    expect(commit({ subject: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" }).evidenceRoot).not.toBe(
      evidenceRoot,
    );
  });

  it("hashes a counterparty and a scenario of the same name apart, and hides them under a random salt", () => {
    const [record] = commit({
      records: [{ timestamp: windowStart, value: 0, counterparty: "same", scenario: "same", salt: 1n }],
    }).records;
    expect(record?.counterpartyHash).not.toBe(record?.scenarioHash);
    const unsalted = [{ timestamp: windowStart, value: 0, counterparty: "Acme", scenario: "spot" }];
    const first = commit({ records: unsalted });
    const second = commit({ records: unsalted });
    expect(first.records[0]?.salt).not.toBe(second.records[0]?.salt);
    expect(first.evidenceRoot).not.toBe(second.evidenceRoot);
  });

  it("takes 1 to 32 records and refuses 0 and 33", () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...(records[0] as RiskRecord), salt: BigInt(i) }));
    expect(commit({ records: many(32) }).leaves.every((leaf) => leaf !== 0n)).toBe(true);
    expect(refusal({ records: [] })).toEqual({ code: "INVALID_DATASET", field: "records" });
    expect(refusal({ records: many(33) })).toEqual({ code: "INVALID_DATASET", field: "records" });
  });

  it("accepts timestamps at the window's edges and refuses one a second outside", () => {
    const at = (timestamp: number) => [
      { ...(records[0] as RiskRecord) },
      { ...(records[1] as RiskRecord), timestamp },
    ];
    expect(() => commit({ records: at(windowStart) })).not.toThrow();
    expect(refusal({ records: at(windowStart - 1) })).toEqual({
      code: "INVALID_DATASET",
      field: "records[1].timestamp",
    });
    expect(refusal({ records: at(windowEnd + 1) })).toEqual({
      code: "INVALID_DATASET",
      field: "records[1].timestamp",
    });
    expect(refusal({ windowStart: windowEnd + 1 })).toEqual({ code: "INVALID_DATASET", field: "windowEnd" });
  });

  it("refuses values that are not integers in [0, 2^32), empty names, unreduced salts and a bad subject", () => {
    const withRecord = (patch: Partial<RiskRecord>) => ({
      records: [{ ...(records[0] as RiskRecord), ...patch }],
    });
    expect(() => commit(withRecord({ value: 2 ** 32 - 1 }))).not.toThrow();
    for (const value of [2 ** 32, -1, 1.5, Number.NaN])
      expect(refusal(withRecord({ value }))).toEqual({ code: "INVALID_DATASET", field: "records[0].value" });
    expect(refusal(withRecord({ counterparty: "" }))).toEqual({
      code: "INVALID_DATASET",
      field: "records[0].counterparty",
    });
    expect(refusal(withRecord({ scenario: "" }))).toEqual({
      code: "INVALID_DATASET",
      field: "records[0].scenario",
    });
    expect(refusal(withRecord({ salt: 2n ** 254n }))).toEqual({
      code: "INVALID_DATASET",
      field: "records[0].salt",
    });
    expect(refusal({ subject: "0x1234" as never })).toEqual({ code: "INVALID_DATASET", field: "subject" });
  });
});
