import { groth16 } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { computeFeatures } from "./computeFeatures.js";
import { SNARK_SCALAR_FIELD } from "./coreDataset.js";
import { fromSolidityProof } from "./fromSolidityProof.js";
import { loadChannelSchema } from "./loadChannelSchema.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import { prepareCoreClaim } from "./prepareCoreClaim.js";
import { proveDerivationBinding } from "./proveDerivationBinding.js";
import { releaseProver } from "./releaseProver.js";

const windowStart = 1_760_000_000;
// Two consecutive windows of daily prices from one provider: a forecast draws on both, with one proof each.
const window = (start: number) =>
  prepareCoreClaim({
    dataset: {
      windowStart: start,
      slotSeconds: 86_400,
      deadlineSeconds: 3_600,
      readings: Array.from({ length: 96 }, (_, i) => ({
        observedAt: start + i * 86_400 + 43_200,
        deliveredAt: start + i * 86_400 + 43_260,
        value: 212.5 + 8 * Math.sin((start / 86_400 + i) / 9),
      })),
    },
    domain: 1,
    schema: loadChannelSchema("agri-market-price"),
  });

afterAll(releaseProver);

describe("proveDerivationBinding", () => {
  it("proves one binding per certificate of a multi-window derivation, each verifying", async () => {
    const { vkey } = await loadCircuitArtifacts("derivationBinding");
    const bindingHash = SNARK_SCALAR_FIELD - 1n;
    for (const prepared of [window(windowStart), window(windowStart + 96 * 86_400)]) {
      const { proof, publicSignals, features, proveMs } = await proveDerivationBinding({
        prepared,
        channelMask: 1,
        bindingHash,
      });
      expect(features).toEqual(computeFeatures({ readings: prepared.readings, channelMask: 1 }));
      expect(publicSignals).toEqual([
        BigInt(features.featureCommitment).toString(),
        BigInt(prepared.claim.datasetCommitment).toString(),
        "1",
        bindingHash.toString(),
      ]);
      expect(proveMs).toBeGreaterThan(0);
      const snarkProof = fromSolidityProof(proof);
      expect(await groth16.verify(vkey, publicSignals, snarkProof)).toBe(true);
    }
  });

  it("refuses, before proving, a mask naming an undeclared channel and an unreduced binding hash", async () => {
    const prepared = window(windowStart);
    await expect(
      proveDerivationBinding({ prepared, channelMask: 0b10, bindingHash: 1n }),
    ).rejects.toMatchObject({
      code: "INVALID_DATASET",
      details: { field: "channelMask" },
    });
    await expect(
      proveDerivationBinding({ prepared, channelMask: 1, bindingHash: SNARK_SCALAR_FIELD }),
    ).rejects.toMatchObject({ code: "INVALID_DATASET", details: { field: "bindingHash" } });
  });
});
