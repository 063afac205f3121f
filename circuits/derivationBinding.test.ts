import { groth16, wtns } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { channelSchemaHash } from "../prover/channelSchemaHash.js";
import { computeFeatures } from "../prover/computeFeatures.js";
import type { CoreDataset } from "../prover/coreDataset.js";
import { fromSolidityProof } from "../prover/fromSolidityProof.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { loadCircuitArtifacts } from "../prover/loadCircuitArtifacts.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveDerivationBinding } from "../prover/proveDerivationBinding.js";
import { releaseProver } from "../prover/releaseProver.js";

const windowStart = 1_750_000_000;
const day = 86_400;
const machine = loadChannelSchema("industrial-machine");
// 96 quarter-hours of machine temperature and fault flags; slots 20–22 missing.
const dataset: CoreDataset = {
  windowStart,
  slotSeconds: 900,
  deadlineSeconds: 120,
  readings: Array.from({ length: 96 }, (_, i) => i)
    .filter((i) => i < 20 || i > 22)
    .map((i) => ({
      observedAt: windowStart + i * 900,
      deliveredAt: windowStart + i * 900 + 30,
      channels: { temperature: 61.25 + (i % 12) / 4, faultEvent: i % 17 === 0 ? 1 : 0 },
    })),
};
const prepared = prepareCoreClaim({ dataset, domain: 2, schema: machine });
// The same readings one day later: another core certificate.
const anotherWindow = prepareCoreClaim({
  dataset: {
    ...dataset,
    windowStart: windowStart + day,
    readings: dataset.readings.map((r) => ({
      ...r,
      observedAt: r.observedAt + day,
      deliveredAt: r.deliveredAt + day,
    })),
  },
  domain: 2,
  schema: machine,
});
const bindingHash = 0x1234_5678_9abc_def0n;

type BindingInput = {
  coreCommitment: string;
  channelMask: string;
  bindingHash: string;
  reading: string[];
  windowStart: string;
  slotSeconds: string;
  channelCount: string;
  schemaDigest: string;
};

const honestInput = (channelMask: number): BindingInput => ({
  coreCommitment: BigInt(prepared.claim.datasetCommitment).toString(),
  channelMask: String(channelMask),
  bindingHash: bindingHash.toString(),
  reading: prepared.readings.map(String),
  windowStart: String(windowStart),
  slotSeconds: "900",
  channelCount: String(prepared.schema.channelCount),
  schemaDigest: prepared.schema.schemaDigest.toString(),
});

/** The circuit's output for this input (throws when a constraint fails): witness element 1. */
async function featureCommitmentOf(input: BindingInput): Promise<bigint> {
  const { wasm } = await loadCircuitArtifacts("derivationBinding");
  const out = { type: "mem" as const, data: new Uint8Array() };
  await wtns.calculate(input, { type: "mem", data: wasm }, out);
  const witness = await wtns.exportJson(out);
  return BigInt(witness[1] ?? -1);
}

afterAll(releaseProver);

describe("derivationBinding circuit", () => {
  it("proves honest features, which verify against the committed key", async () => {
    const { proof, publicSignals, features } = await proveDerivationBinding({
      prepared,
      channelMask: 0b11,
      bindingHash,
    });
    expect(publicSignals.map(BigInt)).toEqual([
      BigInt(features.featureCommitment),
      BigInt(prepared.claim.datasetCommitment),
      3n,
      bindingHash,
    ]);
    const { vkey } = await loadCircuitArtifacts("derivationBinding");
    const snarkProof = fromSolidityProof(proof);
    const verify = (signals: string[]) => groth16.verify(vkey, signals, snarkProof);
    expect(await verify(publicSignals)).toBe(true);
    // The same proof for another channel selection, another core or another derivation does not verify.
    for (const [index, value] of [
      [2, "1"],
      [2, "2"],
      [1, anotherWindow.claim.datasetCommitment],
      [3, (bindingHash + 1n).toString()],
      [0, computeFeatures({ readings: prepared.readings, channelMask: 1 }).featureCommitment],
    ] as const) {
      const tampered = [...publicSignals];
      tampered[index] = BigInt(value).toString();
      expect(await verify(tampered), `signal ${index}`).toBe(false);
    }
  });

  it.each([0b00, 0b01, 0b10, 0b11])(
    "outputs exactly computeFeatures' commitment for mask %i",
    async (mask) => {
      expect(await featureCommitmentOf(honestInput(mask))).toBe(
        BigInt(computeFeatures({ readings: prepared.readings, channelMask: mask }).featureCommitment),
      );
    },
  );

  it("has no witness when one value differs from the committed data", async () => {
    const input = honestInput(0b11);
    // Slot 40's temperature one step (0.01 °C) higher: the features would be valid-looking but not committed.
    input.reading[40] = ((prepared.readings[40] ?? 0n) + (1n << 25n)).toString();
    await expect(featureCommitmentOf(input)).rejects.toThrow(/Assert Failed/);
  });

  it("has no witness for another window or another slot length", async () => {
    await expect(
      featureCommitmentOf({ ...honestInput(1), windowStart: String(windowStart + day) }),
    ).rejects.toThrow(/Assert Failed/);
    await expect(featureCommitmentOf({ ...honestInput(1), slotSeconds: "600" })).rejects.toThrow(
      /Assert Failed/,
    );
  });

  it("has no witness for another schema hash", async () => {
    const other = channelSchemaHash(loadChannelSchema("agri-weather-daily"));
    await expect(
      featureCommitmentOf({
        ...honestInput(1),
        channelCount: String(other.channelCount),
        schemaDigest: other.schemaDigest.toString(),
      }),
    ).rejects.toThrow(/Assert Failed/);
    await expect(
      featureCommitmentOf({
        ...honestInput(1),
        schemaDigest: (prepared.schema.schemaDigest + 1n).toString(),
      }),
    ).rejects.toThrow(/Assert Failed/);
  });

  it("has no witness for a channel the schema does not declare, or a mask wider than 7 bits", async () => {
    await expect(featureCommitmentOf(honestInput(0b100))).rejects.toThrow(/Assert Failed/);
    await expect(featureCommitmentOf(honestInput(0b1_0000_0011))).rejects.toThrow(/Assert Failed/);
  });
});
