import { groth16, wtns } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { channelShift } from "../prover/channelSchema.js";
import { channelSchemaHash } from "../prover/channelSchemaHash.js";
import { commitCoreDataset } from "../prover/commitCoreDataset.js";
import type { CoreDataset } from "../prover/coreDataset.js";
import { fromSolidityProof } from "../prover/fromSolidityProof.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
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

// The same window as seven-channel daily weather: every channel of every present day carries a value.
const weather = loadChannelSchema("agri-weather-daily");
const weatherDataset: CoreDataset = {
  ...dataset,
  slotSeconds: 86_400,
  readings: dataset.readings.map((r) => {
    const i = (r.observedAt - windowStart) / 900;
    return {
      observedAt: windowStart + i * 86_400,
      deliveredAt: windowStart + i * 86_400 + (r.deliveredAt - r.observedAt),
      channels: {
        tMax: 25 + i / 10,
        tMin: -3.25 + i / 20,
        rhMax: 90,
        rhMin: 35.5,
        windSpeed: 2.04,
        sunshineHours: 9.5,
        rainfall: i % 7 === 0 ? 12.3 : 0,
      },
    };
  }),
};

/** Computes a witness for the prepared readings under arbitrary claimed terms: throws when a constraint fails. */
async function witnessFor(
  prepared: Pick<PrepareCoreClaimReturnType, "readings" | "schema">,
  claim: PrepareCoreClaimReturnType["claim"],
) {
  const { wasm } = await loadCircuitArtifacts("coreQuality");
  const out = { type: "mem" as const, data: new Uint8Array() };
  await wtns.calculate(
    {
      provider: BigInt(provider).toString(),
      context: packCoreContext(registry, chainId).toString(),
      terms: packCoreTerms(claim).toString(),
      schemaHash: BigInt(claim.schemaHash).toString(),
      channelCount: String(prepared.schema.channelCount),
      schemaDigest: prepared.schema.schemaDigest.toString(),
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
    const snarkProof = fromSolidityProof(proof);
    expect(await groth16.verify(vkey, publicSignals, snarkProof)).toBe(true);
    // Changing one public signal (another provider) must not verify.
    const other = [...publicSignals];
    other[1] = BigInt("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC").toString();
    expect(await groth16.verify(vkey, other, snarkProof)).toBe(false);
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

  it("rejects a reading wider than 249 bits (a seventh channel beyond 32 bits)", async () => {
    const tampered = {
      ...prepared,
      readings: prepared.readings.map((r, i) => (i === 0 ? r | (1n << 249n) : r)),
    };
    await expect(witnessFor(tampered, prepared.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("rejects a value in a channel the schema does not declare (one encoding per dataset)", async () => {
    // soil-moisture declares one channel: bits of channel 1 would be a second, hidden value.
    const tampered = {
      ...prepared,
      readings: prepared.readings.map((r, i) => (i === 5 ? r | (1n << channelShift(1)) : r)),
    };
    await expect(witnessFor(tampered, prepared.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("rejects a schema opening that does not hash to the claimed schema hash", async () => {
    const lying = { ...prepared, schema: { ...prepared.schema, channelCount: 2 } };
    await expect(witnessFor(lying, prepared.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("binds the schema hash as public signal 4 and inside the commitment", async () => {
    const { publicSignals } = await proveCoreQuality({ prepared, provider, chainId, registry });
    expect(publicSignals).toHaveLength(5);
    expect(BigInt(publicSignals[4] ?? 0)).toBe(BigInt(prepared.claim.schemaHash));
    const other = commitCoreDataset({
      readings: prepared.readings,
      windowStart,
      slotSeconds: 900,
      schemaHash: channelSchemaHash(loadChannelSchema("agri-market-price")).schemaHash,
    });
    expect(other).not.toBe(prepared.claim.datasetCommitment);
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

describe("coreQuality circuit, seven channels", () => {
  const prepared = prepareCoreClaim({ dataset: weatherDataset, domain: 1, schema: weather });

  it("proves every channel of a multi-channel dataset under the same quality definitions", async () => {
    expect(prepared.quality).toEqual({
      presentCount: 93,
      integrityBps: 9687,
      timelinessBps: 9784,
      continuityBps: 9473,
      longestGapSlots: 2,
    });
    const { publicSignals } = await proveCoreQuality({ prepared, provider, chainId, registry });
    expect(BigInt(publicSignals[0] ?? 0)).toBe(BigInt(prepared.claim.datasetCommitment));
    expect(BigInt(publicSignals[4] ?? 0)).toBe(BigInt(channelSchemaHash(weather).schemaHash));
  });

  it("rejects a last-channel value of 2^32 or more (the element overflows 249 bits)", async () => {
    const tampered = {
      ...prepared,
      readings: prepared.readings.map((r, i) => (i === 0 ? r + (1n << (channelShift(6) + 32n)) : r)),
    };
    await expect(witnessFor(tampered, prepared.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("rejects a negative last-channel value (it wraps modulo p and overflows 249 bits)", async () => {
    const p = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    const shift = channelShift(6);
    // Channel 6 of slot 0 set to −1: the element becomes (slot without channel 6) − 2^shift, negative mod p.
    const minusOne = (r: bigint) => (r - (((r >> shift) & 0xffffffffn) << shift) - (1n << shift) + p) % p;
    const tampered = { ...prepared, readings: prepared.readings.map((r, i) => (i === 0 ? minusOne(r) : r)) };
    await expect(witnessFor(tampered, prepared.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("rejects a one-channel value of 2^32 or more (it spills into an undeclared channel)", async () => {
    const soil = prepareCoreClaim({ dataset, domain: 1 });
    const tampered = {
      ...soil,
      readings: soil.readings.map((r, i) => (i === 0 ? r + (1n << (channelShift(0) + 32n)) : r)),
    };
    await expect(witnessFor(tampered, soil.claim)).rejects.toThrow(/Assert Failed/);
  });

  it("reads a middle channel's 2^32 as the next channel + 1: another dataset, another commitment", () => {
    // Packing is unique, so an out-of-range value is not expressible: the element is simply the encoding of the
    // reading whose next channel is one higher, and the claim's commitment does not match it.
    const spilled = (prepared.readings[0] ?? 0n) + (1n << (channelShift(3) + 32n));
    expect(spilled).toBe((prepared.readings[0] ?? 0n) + (1n << channelShift(4)));
    const readings = prepared.readings.map((r, i) => (i === 0 ? spilled : r));
    expect(
      commitCoreDataset({
        readings,
        windowStart,
        slotSeconds: 86_400,
        schemaHash: prepared.claim.schemaHash,
      }),
    ).not.toBe(prepared.claim.datasetCommitment);
  });

  it("changes the commitment when any one channel of any slot changes", () => {
    const base = prepared.claim.datasetCommitment;
    const commitments = new Set([base]);
    for (let channel = 0; channel < 7; channel++) {
      const readings = prepared.readings.map((r, i) => (i === 95 ? r ^ (1n << channelShift(channel)) : r));
      commitments.add(
        commitCoreDataset({
          readings,
          windowStart,
          slotSeconds: 86_400,
          schemaHash: prepared.claim.schemaHash,
        }),
      );
    }
    expect(commitments.size).toBe(8);
  });

  it("gives the same readings another commitment under another schema hash", () => {
    const readings = prepared.readings;
    const under = (id: string) =>
      commitCoreDataset({
        readings,
        windowStart,
        slotSeconds: 86_400,
        schemaHash: channelSchemaHash(loadChannelSchema(id)).schemaHash,
      });
    expect(under("agri-weather-daily")).toBe(prepared.claim.datasetCommitment);
    expect(under("industrial-machine")).not.toBe(prepared.claim.datasetCommitment);
  });

  it("has no witness for a weather dataset claimed under a one-channel schema", async () => {
    const soil = prepareCoreClaim({ dataset, domain: 1 });
    // The weather readings with the soil-moisture opening: channels 1–6 are undeclared yet carry values.
    const claim = { ...prepared.claim, schemaHash: soil.claim.schemaHash };
    await expect(witnessFor({ ...prepared, schema: soil.schema }, claim)).rejects.toThrow(/Assert Failed/);
  });
});
