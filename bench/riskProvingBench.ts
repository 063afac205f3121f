import { createProverPool } from "../prover/createProverPool.js";
import type { ProveRiskFeatureParameters } from "../prover/proveRiskFeature.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile } from "./measure.js";

/** Proofs timed after one warm-up (the worker loads the circuit, builds its curve). */
const PROOFS = 8;

/**
 * `risk/proving`: one risk-feature proof as the hub makes it — a job in a prover pool of one worker thread
 * (single-threaded snarkjs, niced), over a full tree of 32 records (the circuit's cost is the same for any
 * recordCount: every leaf is hashed). Measured: the witness and Groth16 proof time the worker reports, and the
 * job's time as the caller sees it (records committed, the thread hop and back).
 */
export const riskProvingBench: BenchSuite = {
  name: "risk/proving",
  run: async () => {
    const pool = createProverPool({ workers: 1, maxQueue: 1 });
    try {
      await pool.proveRiskFeature(job(0));
      const proveMs: number[] = [];
      const jobMs: number[] = [];
      for (let i = 1; i <= PROOFS; i++) {
        const started = performance.now();
        const result = await pool.proveRiskFeature(job(i));
        jobMs.push(performance.now() - started);
        proveMs.push(result.proveMs);
      }
      const ms = (v: number) => `${v.toFixed(0)} ms`;
      return [
        {
          row: `risk-feature proof time (32 records, prover pool of 1 worker; p50 / p95 of ${PROOFS})`,
          target: "report",
          measured: `${ms(percentile(proveMs, 50))} / ${ms(percentile(proveMs, 95))} proving; ${ms(
            percentile(jobMs, 50),
          )} / ${ms(percentile(jobMs, 95))} per job`,
          met: null,
        },
      ] satisfies BenchRow[];
    } finally {
      await pool.terminate();
    }
  },
};

/** 32 delivery records of one provider over 30 days; `offset` varies values and salts, so no two proofs match. */
function job(offset: number): ProveRiskFeatureParameters {
  const windowStart = 1_780_000_000;
  return {
    subject: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    ecosystemId: 1,
    kind: "DELAY_DURATION",
    chainId: 31337,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    windowStart,
    windowEnd: windowStart + 30 * 86_400,
    threshold: 3_600,
    records: Array.from({ length: 32 }, (_, i) => ({
      timestamp: windowStart + i * 80_000,
      value: ((i * 7_919 + offset * 104_729) % 9_000) * (i % 3 === 0 ? 1 : 0),
      counterparty: `buyer-${(i + offset) % 5}`,
      scenario: "cold-chain-delivery",
      salt: BigInt(offset * 1_000 + i + 1),
    })),
  };
}
