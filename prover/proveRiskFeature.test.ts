import { groth16 } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { createProverPool } from "./createProverPool.js";
import { fromSolidityProof } from "./fromSolidityProof.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import { type ProveRiskFeatureParameters, proveRiskFeature } from "./proveRiskFeature.js";
import { releaseProver } from "./releaseProver.js";
import { riskFeatureContext } from "./riskFeatureContext.js";

const windowStart = 1_760_000_000;
const job = (flagged: number, n: number): ProveRiskFeatureParameters => ({
  subject: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  ecosystemId: 3,
  kind: "DEFAULT_RATE",
  chainId: 31337,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  windowStart,
  windowEnd: windowStart + 30 * 86_400,
  threshold: 1,
  records: Array.from({ length: n }, (_, i) => ({
    timestamp: windowStart + i * 86_400,
    value: i < flagged ? 1 : 0,
    counterparty: `lender-${i}`,
    scenario: "working-capital-loan",
  })),
});

const pool = createProverPool({ workers: 1, maxQueue: 2 });
afterAll(async () => {
  await pool.terminate();
  await releaseProver(); // groth16.verify below built snarkjs's curve on this thread
});

describe("proveRiskFeature", () => {
  it("proves through the prover pool: the bucket from the records, a proof that verifies for this subject and context only", async () => {
    const result = await pool.proveRiskFeature(job(2, 12)); // 2 of 12 = 1,666 bps: bucket 2 [500, 2000)
    const context = riskFeatureContext({
      chainId: 31337,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      ecosystemId: 3,
      kind: 1,
    });
    expect(result.claim).toEqual({
      subject: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      ecosystemId: 3,
      kind: 1,
      bucket: 2,
      windowStart,
      windowEnd: windowStart + 30 * 86_400,
      threshold: 1,
      recordCount: 12,
      evidenceRoot: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    expect(result).toMatchObject({ context, bucketLowBps: 500, bucketHighBps: 2000, flaggedCount: 2 });
    expect(result.records).toHaveLength(12);
    expect(result.proveMs).toBeGreaterThan(0);
    expect(result.publicSignals).toEqual(
      [
        BigInt(result.claim.evidenceRoot),
        BigInt(result.claim.subject),
        context,
        windowStart,
        windowStart + 30 * 86_400,
        1,
        12,
        500,
        2000,
      ].map((v) => BigInt(v).toString()),
    );

    const { vkey } = await loadCircuitArtifacts("riskFeature");
    const proof = fromSolidityProof(result.proof);
    expect(await groth16.verify(vkey, result.publicSignals, proof)).toBe(true);
    const another = (index: number, value: bigint) => {
      const signals = [...result.publicSignals];
      signals[index] = value.toString();
      return groth16.verify(vkey, signals, proof);
    };
    // Another subject; the context of another ecosystem, kind or registry.
    expect(await another(1, 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bcn)).toBe(false);
    for (const other of [
      { ecosystemId: 4, kind: 1, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const },
      { ecosystemId: 3, kind: 2, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const },
      { ecosystemId: 3, kind: 1, registry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as const },
    ])
      expect(await another(2, riskFeatureContext({ chainId: 31337, ...other }))).toBe(false);
    // The same evidence claimed in the bucket below.
    expect(await another(7, 100n)).toBe(false);
  }, 180_000);

  it("puts every record flagged in the top bucket (10,000 bps inclusive)", async () => {
    const result = await proveRiskFeature(job(5, 5));
    expect(result.claim.bucket).toBe(4);
    expect([result.bucketLowBps, result.bucketHighBps]).toEqual([5000, 10000]);
    const { vkey } = await loadCircuitArtifacts("riskFeature");
    expect(await groth16.verify(vkey, result.publicSignals, fromSolidityProof(result.proof))).toBe(true);
  }, 180_000);

  it("refuses bad input with a typed error before proving, also across the pool's thread boundary", async () => {
    await expect(pool.proveRiskFeature({ ...job(0, 3), kind: "NONE" })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "kind" },
    });
    await expect(pool.proveRiskFeature({ ...job(0, 3), threshold: 2 ** 32 })).rejects.toMatchObject({
      code: "INVALID_DATASET",
      details: { field: "threshold" },
    });
    await expect(pool.proveRiskFeature(job(0, 33))).rejects.toMatchObject({
      code: "INVALID_DATASET",
      details: { field: "records" },
    });
    await expect(proveRiskFeature({ ...job(0, 3), windowEnd: windowStart + 86_400 })).rejects.toMatchObject({
      code: "INVALID_DATASET",
      details: { field: "records[2].timestamp" },
    });
    await expect(proveRiskFeature({ ...job(0, 3), registry: "0x5FbDB2" })).rejects.toMatchObject({
      code: "INVALID_DATASET",
      details: { field: "registry" },
    });
    await expect(proveRiskFeature({ ...job(0, 3), ecosystemId: 0 })).rejects.toMatchObject({
      code: "INVALID_DATASET",
      details: { field: "ecosystemId" },
    });
  }, 120_000);
});
