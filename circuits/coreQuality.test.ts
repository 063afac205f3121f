import { groth16, wtns } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import type { CoreDataset } from "../prover/coreDataset.js";
import { loadCircuitArtifacts } from "../prover/loadCircuitArtifacts.js";
import { packCoreContext } from "../prover/packCoreContext.js";
import { packCoreTerms } from "../prover/packCoreTerms.js";
import { type PrepareCoreClaimReturnType, prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveCoreQuality } from "../prover/proveCoreQuality.js";
import { releaseProver } from "../prover/releaseProver.js";

const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const chainId = 31337;
const windowStart = 1_700_000_000;

// 93 of 96 present (slots 10, 11, 50 missing → longest gap 2), two of them late: integrity 9687, timeliness 9784,
// continuity 9473 (90 adjacent pairs of 95).
const dataset: CoreDataset = {
  windowStart,
  slotSeconds: 900,
  deadlineSeconds: 300,
  readings: Array.from({ length: 96 }, (_, i) => i)
    .filter((i) => ![10, 11, 50].includes(i))
    .map((i) => ({
      observedAt: windowStart + i * 900,
      value: -5 + i / 10,
      deliveredAt: windowStart + i * 900 + (i === 30 || i === 31 ? 301 : 300),
    })),
};

/** Computes a witness for the prepared readings under arbitrary claimed terms: throws when a constraint fails. */
async function witnessFor(prepared: PrepareCoreClaimReturnType, claim: PrepareCoreClaimReturnType["claim"]) {
  const { wasm } = await loadCircuitArtifacts("coreQuality");
  const out = { type: "mem" as const, data: new Uint8Array() };
  await wtns.calculate(
    {
      provider: BigInt(provider).toString(),
      context: packCoreContext(registry, chainId).toString(),
      terms: packCoreTerms(claim).toString(),
      reading: prepared.readings.map(String),
    },
    { type: "mem", data: wasm },
    out,
  );
}

afterAll(releaseProver);

describe("coreQuality circuit", () => {
  const prepared = prepareCoreClaim({ dataset, domain: 1 });

  it("measures the boundary dataset as designed", () => {
    expect(prepared.quality).toEqual({
      presentCount: 93,
      integrityBps: 9687,
      timelinessBps: 9784,
      continuityBps: 9473,
      longestGapSlots: 2,
    });
  });

  it("proves a dataset exactly at every threshold, and the proof verifies against the committed key", async () => {
    const { proof, publicSignals } = await proveCoreQuality({ prepared, provider, chainId, registry });
    expect(BigInt(publicSignals[0] ?? 0)).toBe(BigInt(prepared.claim.datasetCommitment));
    const { vkey } = await loadCircuitArtifacts("coreQuality");
    const snarkProof = {
      pi_a: [proof.a[0].toString(), proof.a[1].toString(), "1"],
      pi_b: [
        [proof.b[0][1].toString(), proof.b[0][0].toString()],
        [proof.b[1][1].toString(), proof.b[1][0].toString()],
        ["1", "0"],
      ],
      pi_c: [proof.c[0].toString(), proof.c[1].toString(), "1"],
      protocol: "groth16",
      curve: "bn128",
    } as const;
    // biome-ignore lint/suspicious/noExplicitAny: snarkjs proof tuple shape
    expect(await groth16.verify(vkey, publicSignals, snarkProof as any)).toBe(true);
    // Changing one public signal (another provider) must not verify.
    const other = [...publicSignals];
    other[1] = BigInt("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC").toString();
    // biome-ignore lint/suspicious/noExplicitAny: snarkjs proof tuple shape
    expect(await groth16.verify(vkey, other, snarkProof as any)).toBe(false);
  });

  it.each([
    ["integrity", { minIntegrityBps: 9688 }],
    ["timeliness", { minTimelinessBps: 9785 }],
    ["continuity", { minContinuityBps: 9474 }],
    ["longest gap", { maxGapSlots: 1 }],
  ])("has no witness when %s is claimed one step beyond the data", async (_rule, override) => {
    await expect(witnessFor(prepared, { ...prepared.claim, ...override })).rejects.toThrow(/Assert Failed/);
  });

  it.each([
    ["integrity", { minIntegrityBps: 9687 }],
    ["timeliness", { minTimelinessBps: 9784 }],
    ["continuity", { minContinuityBps: 9473 }],
    ["longest gap", { maxGapSlots: 2 }],
  ])("has a witness when %s is claimed exactly at the data", async (_rule, override) => {
    await expect(witnessFor(prepared, { ...prepared.claim, ...override })).resolves.toBeUndefined();
  });

  it("rejects a missing slot that hides a value (non-canonical encoding)", async () => {
    const tampered = {
      ...prepared,
      readings: prepared.readings.map((r, i) => (i === 10 ? 1234n << 25n : r)),
    };
    await expect(witnessFor(tampered, prepared.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("rejects a reading wider than 57 bits", async () => {
    const tampered = {
      ...prepared,
      readings: prepared.readings.map((r, i) => (i === 0 ? r | (1n << 57n) : r)),
    };
    await expect(witnessFor(tampered, prepared.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("rejects a dataset with no readings present even at zero thresholds", async () => {
    const empty = { ...prepared, readings: prepared.readings.map(() => 0n) };
    const zero = {
      ...prepared.claim,
      minIntegrityBps: 0,
      minTimelinessBps: 0,
      minContinuityBps: 0,
      maxGapSlots: 96,
    };
    await expect(witnessFor(empty, zero)).rejects.toThrow(/Assert Failed/);
  });
});
