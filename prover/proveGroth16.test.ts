import { WitnessCalculatorBuilder } from "circom_runtime";
import { groth16 } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { coreDayClaim } from "../test/support/coreDay.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import { packCoreContext } from "./packCoreContext.js";
import { packCoreTerms } from "./packCoreTerms.js";
import { proveGroth16 } from "./proveGroth16.js";
import { releaseProver } from "./releaseProver.js";

afterAll(releaseProver);

/** A core-quality witness (`.wtns` bytes) for a day of 15-minute readings; `offset` moves every value. */
async function coreWitness(offset: number): Promise<{ wtns: Uint8Array; commitment: bigint }> {
  const prepared = coreDayClaim((i) => 31.5 + 4 * Math.sin(i / 15) + offset);
  const { wasm } = await loadCircuitArtifacts("coreQuality");
  const calculator = await WitnessCalculatorBuilder(wasm, {});
  const wtns = await calculator.calculateWTNSBin(
    {
      provider: BigInt("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
      context: packCoreContext("0x5FbDB2315678afecb367f032d93F642f64180aa3", 31337),
      terms: packCoreTerms(prepared.claim),
      schemaHash: BigInt(prepared.claim.schemaHash),
      channelCount: BigInt(prepared.schema.channelCount),
      schemaDigest: prepared.schema.schemaDigest,
      reading: prepared.readings.map((r) => BigInt(r)),
    },
    0,
  );
  return { wtns, commitment: BigInt(prepared.claim.datasetCommitment) };
}

describe("proveGroth16", () => {
  it("proves what snarkjs's groth16.prove proves: same public signals, a proof the verification key accepts", async () => {
    const { zkey, vkey } = await loadCircuitArtifacts("coreQuality");
    for (const offset of [0, 1]) {
      // Twice with the kept zkey: the second proof reads what the first one parsed.
      const { wtns, commitment } = await coreWitness(offset);
      const ours = await proveGroth16({ zkey, wtns });
      const snarkjs = await groth16.prove({ type: "mem", data: zkey }, { type: "mem", data: wtns });
      expect(ours.publicSignals).toEqual(snarkjs.publicSignals);
      expect(BigInt(ours.publicSignals[0] as string)).toBe(commitment);
      expect(ours.proof).toMatchObject({ protocol: "groth16", curve: "bn128" });
      expect(await groth16.verify(vkey, ours.publicSignals, ours.proof)).toBe(true);
      // Another dataset's public signals do not verify with this proof.
      const other = [...ours.publicSignals];
      other[0] = (BigInt(other[0] as string) + 1n).toString();
      expect(await groth16.verify(vkey, other, ours.proof)).toBe(false);
    }
  }, 120_000);

  it("refuses a witness of another circuit and bytes that are not a zkey", async () => {
    const { zkey } = await loadCircuitArtifacts("coreQuality");
    const { zkey: otherZkey } = await loadCircuitArtifacts("derivationBinding");
    const { wtns } = await coreWitness(2);
    await expect(proveGroth16({ zkey: otherZkey, wtns })).rejects.toThrow(/Invalid witness length/);
    await expect(proveGroth16({ zkey: wtns, wtns })).rejects.toThrow("not a zkey file");
    await expect(proveGroth16({ zkey, wtns: zkey })).rejects.toThrow("not a wtns file");
  }, 120_000);
});
