import { type ComputeFeaturesReturnType, computeFeatures } from "./computeFeatures.js";
import { SNARK_SCALAR_FIELD } from "./coreDataset.js";
import { InvalidDatasetError } from "./errors.js";
import { fullProve, type ProvingOptions } from "./fullProve.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import type { PrepareCoreClaimReturnType } from "./prepareCoreClaim.js";
import { type SolidityGroth16Proof, toSolidityProof } from "./toSolidityProof.js";

export type ProveDerivationBindingParameters = {
  /** The core dataset exactly as it was certified (`prepareCoreClaim`'s result). */
  prepared: Pick<PrepareCoreClaimReturnType, "claim" | "readings" | "schema">;
  /** Bit c set = channel c is a feature; only channels the schema declares. */
  channelMask: number;
  /** The derivation's hash as its verifier's caller computes it (keccak256 of its fields mod p). */
  bindingHash: bigint;
};

export type ProveDerivationBindingReturnType = {
  proof: SolidityGroth16Proof;
  /** [featureCommitment, coreCommitment, channelMask, bindingHash] as decimal strings. */
  publicSignals: string[];
  /** The features the proof commits to, as `computeFeatures` computes them. */
  features: ComputeFeaturesReturnType;
  proveMs: number;
};

/**
 * Groth16 proof that `features.featureCommitment` commits to the channels `channelMask` selects from the dataset
 * behind the certificate's commitment, bound to one derivation by `bindingHash`. A derivation over several
 * certificates carries one such proof per certificate.
 */
export async function proveDerivationBinding(
  { prepared, channelMask, bindingHash }: ProveDerivationBindingParameters,
  options: ProvingOptions = {},
): Promise<ProveDerivationBindingReturnType> {
  const { claim, readings, schema } = prepared;
  if (bindingHash < 0n || bindingHash >= SNARK_SCALAR_FIELD)
    throw new InvalidDatasetError("bindingHash", "must be reduced into the BN254 scalar field");
  const features = computeFeatures({ readings, channelMask });
  if (channelMask >= 2 ** schema.channelCount)
    throw new InvalidDatasetError(
      "channelMask",
      `is ${channelMask}; ${schema.definition.id} declares ${schema.channelCount} channel(s)`,
    );
  const { wasm, zkey } = await loadCircuitArtifacts("derivationBinding");
  const started = performance.now();
  const { proof, publicSignals } = await fullProve({
    input: {
      coreCommitment: BigInt(claim.datasetCommitment).toString(),
      channelMask: String(channelMask),
      bindingHash: bindingHash.toString(),
      reading: readings.map(String),
      windowStart: String(claim.windowStart),
      slotSeconds: String(claim.slotSeconds),
      channelCount: String(schema.channelCount),
      schemaDigest: schema.schemaDigest.toString(),
    },
    wasm,
    zkey,
    witness: options.witness,
    schedule: options.schedule,
  });
  const proveMs = performance.now() - started;
  if (BigInt(publicSignals[0] ?? -1) !== BigInt(features.featureCommitment))
    throw new Error("circuit feature commitment differs from computeFeatures: the two layouts have diverged");
  return { proof: toSolidityProof(proof), publicSignals, features, proveMs };
}
