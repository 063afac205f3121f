import { poseidon2, poseidon5 } from "poseidon-lite";
import { groth16, wtns } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { commitRiskRecords, type RiskRecord } from "../prover/commitRiskRecords.js";
import { fromSolidityProof } from "../prover/fromSolidityProof.js";
import { loadCircuitArtifacts } from "../prover/loadCircuitArtifacts.js";
import { proveRiskFeature } from "../prover/proveRiskFeature.js";
import { releaseProver } from "../prover/releaseProver.js";

const subject = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const windowStart = 1_760_000_000;
const windowEnd = windowStart + 7 * 86_400;
const context = 0x0c0ffeen;

/** n records spread over the window, the first `flagged` of them with value 5 (≥ the threshold 5), the rest 4. */
const recordsOf = (n: number, flagged: number): RiskRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    timestamp: windowStart + i * 3_600,
    value: i < flagged ? 5 : 4,
    counterparty: `counterparty-${i % 3}`,
    scenario: "spot-delivery",
    salt: BigInt(1_000 + i),
  }));

type RiskInput = Record<string, string | string[]>;

/** The depth-5 tree folded independently of commitRiskRecords' own loop. */
const treeRoot = (leaves: bigint[]): bigint => {
  let level = leaves;
  while (level.length > 1)
    level = Array.from({ length: level.length / 2 }, (_, k) =>
      poseidon2([level[2 * k] as bigint, level[2 * k + 1] as bigint]),
    );
  return level[0] as bigint;
};

/**
 * The circuit input for `records` claiming [low, high); `commitWindow` is the window the records are committed
 * under (default the claimed one), so a record outside the claimed window can still be committed honestly and the
 * circuit, not the root, is what refuses it.
 */
const inputOf = (
  records: RiskRecord[],
  low: number,
  high: number,
  overrides: Partial<Record<string, string>> = {},
  commitWindow: [number, number] = [windowStart, windowEnd],
): RiskInput => {
  const { evidenceRoot, witness } = commitRiskRecords({
    subject,
    windowStart: commitWindow[0],
    windowEnd: commitWindow[1],
    records,
  });
  return {
    evidenceRoot: BigInt(evidenceRoot).toString(),
    subject: BigInt(subject).toString(),
    context: context.toString(),
    windowStart: String(windowStart),
    windowEnd: String(windowEnd),
    threshold: "5",
    recordCount: String(records.length),
    bucketLowBps: String(low),
    bucketHighBps: String(high),
    ...witness,
    ...overrides,
  } as RiskInput;
};

/** Resolves when a witness exists for the input (every constraint holds), rejects with the failed assert if not. */
async function witnessOf(input: RiskInput): Promise<bigint[]> {
  const { wasm } = await loadCircuitArtifacts("riskFeature");
  const out = { type: "mem" as const, data: new Uint8Array() };
  await wtns.calculate(input, { type: "mem", data: wasm }, out);
  return wtns.exportJson(out);
}
const holds = (input: RiskInput) => expect(witnessOf(input)).resolves.toBeDefined();
const fails = (input: RiskInput) => expect(witnessOf(input)).rejects.toThrow(/Assert Failed/);

afterAll(releaseProver);

describe("riskFeature circuit", () => {
  it("opens the root commitRiskRecords computes, zero leaves and zero subtrees included", async () => {
    const records = recordsOf(3, 1); // 1 of 3 = 3,333 bps
    const { evidenceRoot, leaves } = commitRiskRecords({ subject, windowStart, windowEnd, records });
    expect(BigInt(evidenceRoot)).toBe(treeRoot(leaves));
    expect(leaves.slice(3).every((leaf) => leaf === 0n)).toBe(true);
    const witness = await witnessOf(inputOf(records, 2000, 5000));
    // Witness: [1, evidenceRoot, subject, context, …] — the public inputs in IRiskFeatureVerifier's order.
    expect(witness.slice(1, 10)).toEqual([
      BigInt(evidenceRoot),
      BigInt(subject),
      context,
      BigInt(windowStart),
      BigInt(windowEnd),
      5n,
      3n,
      2000n,
      5000n,
    ]);
  });

  it("counts a value equal to the threshold as flagged and one below as not", async () => {
    // 1 of 4 = 2,500 bps: bucket [2000, 5000); with the one at threshold − 1, 0 of 4: bucket [0, 100).
    const records = recordsOf(4, 0);
    const atThreshold = records.map((r, i) => (i === 2 ? { ...r, value: 5 } : r));
    await holds(inputOf(atThreshold, 2000, 5000));
    await fails(inputOf(atThreshold, 0, 100));
    await holds(inputOf(records, 0, 100));
    await fails(inputOf(records, 2000, 5000));
  });

  it("puts a count exactly at a bucket edge in the bucket above, one below it in the bucket below", async () => {
    // 5 of 25 = exactly 2,000 bps; 4 of 25 = 1,600 bps.
    await holds(inputOf(recordsOf(25, 5), 2000, 5000));
    await fails(inputOf(recordsOf(25, 5), 500, 2000));
    await holds(inputOf(recordsOf(25, 4), 500, 2000));
    await fails(inputOf(recordsOf(25, 4), 2000, 5000));
    // 1 of 20 = exactly 500 bps; 0 of 20 is below the 100-bps edge.
    await holds(inputOf(recordsOf(20, 1), 500, 2000));
    await fails(inputOf(recordsOf(20, 1), 100, 500));
    await holds(inputOf(recordsOf(20, 0), 0, 100));
    await fails(inputOf(recordsOf(20, 0), 100, 500));
  });

  it("includes 10,000 bps in the top bucket and in no other, and refuses a high edge above 10,000", async () => {
    await holds(inputOf(recordsOf(4, 4), 5000, 10000));
    await fails(inputOf(recordsOf(4, 4), 5000, 9999));
    await fails(inputOf(recordsOf(4, 4), 5000, 10001));
    // 3 of 4 = 7,500 bps is in the top bucket too; 2 of 4 = exactly 5,000 starts it.
    await holds(inputOf(recordsOf(4, 3), 5000, 10000));
    await holds(inputOf(recordsOf(4, 2), 5000, 10000));
    await fails(inputOf(recordsOf(4, 1), 5000, 10000));
  });

  it("refuses a bucket whose high edge is not above its low edge", async () => {
    await fails(inputOf(recordsOf(20, 1), 500, 500));
    await fails(inputOf(recordsOf(20, 1), 2000, 500));
    await fails(inputOf(recordsOf(20, 0), 0, 0));
  });

  it("accepts timestamps at both window edges and refuses one a second outside either", async () => {
    const at = (first: number, last: number) =>
      recordsOf(6, 1).map((r, i) =>
        i === 0 ? { ...r, timestamp: first } : i === 5 ? { ...r, timestamp: last } : r,
      );
    const wide: [number, number] = [windowStart - 10, windowEnd + 10];
    await holds(inputOf(at(windowStart, windowEnd), 1000, 2000, {}, wide));
    await fails(inputOf(at(windowStart - 1, windowEnd), 1000, 2000, {}, wide));
    await fails(inputOf(at(windowStart, windowEnd + 1), 1000, 2000, {}, wide));
  });

  it("ignores padding: a padding slot's timestamp outside the window does not count", async () => {
    const input = inputOf(recordsOf(6, 1), 1000, 2000);
    // Padding leaves are 0 whatever the padding holds, so the root still opens.
    (input.timestamp as string[])[20] = "5";
    (input.value as string[])[20] = "99";
    await holds(input);
  });

  it("refuses recordCount 0 and 33, and a recordCount that disagrees with the committed records", async () => {
    // recordCount 0 over an all-zero tree: the root of 32 zero leaves, no active record.
    const zeros = Array.from({ length: 32 }, () => "0");
    await fails({
      ...inputOf(recordsOf(1, 0), 0, 100),
      evidenceRoot: treeRoot(Array.from({ length: 32 }, () => 0n)).toString(),
      recordCount: "0",
      timestamp: zeros,
      value: zeros,
      counterpartyHash: zeros,
      scenarioHash: zeros,
    });
    // 32 records are the most; claiming 33 over them makes every leaf active and breaks only the count rule.
    await holds(inputOf(recordsOf(32, 0), 0, 100));
    await fails(inputOf(recordsOf(32, 0), 0, 100, { recordCount: "33" }));
    // Claiming 9 of 10 committed records (to drop a flagged one) does not open the root.
    await holds(inputOf(recordsOf(10, 1), 1000, 2000));
    await fails(inputOf(recordsOf(10, 1), 1000, 2000, { recordCount: "9" }));
  });

  it("refuses a value or threshold of 2^32 and a window edge of 2^64", async () => {
    const big = (2n ** 32n).toString();
    await fails(inputOf(recordsOf(4, 0), 0, 100, { threshold: big }));
    await fails(inputOf(recordsOf(4, 0), 0, 100, { windowEnd: (2n ** 64n).toString() }));
    // An active value of 2^32 under a root that does commit to it: only the range check refuses it (as a 33-bit
    // number it would otherwise reach any 32-bit threshold).
    const input = inputOf(recordsOf(4, 0), 0, 100);
    const value = input.value as string[];
    value[1] = big;
    const leaves = Array.from({ length: 32 }, (_, i) =>
      i < 4
        ? poseidon5([
            BigInt(subject),
            BigInt((input.timestamp as string[])[i] as string),
            BigInt(value[i] as string),
            BigInt((input.counterpartyHash as string[])[i] as string),
            BigInt((input.scenarioHash as string[])[i] as string),
          ])
        : 0n,
    );
    await fails({ ...input, evidenceRoot: treeRoot(leaves).toString() });
    // The same tree with the value 4 back is the honest one.
    value[1] = "4";
    await holds(input);
  });

  it("refuses a root over other records and records of another subject", async () => {
    const input = inputOf(recordsOf(8, 2), 2000, 5000);
    (input.value as string[])[7] = "5"; // a third flagged record, not the committed one
    await fails(input);
    await fails(inputOf(recordsOf(8, 2), 2000, 5000, { subject: (BigInt(subject) + 1n).toString() }));
  });

  it("proves a feature that verifies against the committed key, and not for another subject or context", async () => {
    const {
      proof,
      publicSignals,
      claim,
      context: bound,
    } = await proveRiskFeature({
      subject,
      ecosystemId: 2,
      kind: "DELAY_DURATION",
      chainId: 31337,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      windowStart,
      windowEnd,
      threshold: 5,
      records: recordsOf(10, 3),
    });
    expect(claim.bucket).toBe(3); // 3 of 10 = 3,000 bps: [2000, 5000)
    expect(publicSignals).toEqual(
      [claim.evidenceRoot, subject, bound, windowStart, windowEnd, 5, 10, 2000, 5000].map((v) =>
        BigInt(v).toString(),
      ),
    );
    const { vkey } = await loadCircuitArtifacts("riskFeature");
    const verify = (signals: string[]) => groth16.verify(vkey, signals, fromSolidityProof(proof));
    expect(await verify(publicSignals)).toBe(true);
    for (const [index, value] of [
      [1, BigInt(subject) + 1n],
      [2, bound + 1n],
      [6, 9n],
      [7, 500n],
      [5, 4n],
    ] as const) {
      const tampered = [...publicSignals];
      tampered[index] = value.toString();
      expect(await verify(tampered), `signal ${index}`).toBe(false);
    }
  }, 120_000);
});
