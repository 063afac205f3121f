import { groth16 } from "snarkjs";
import { concat, type Hex, keccak256, padHex, toHex } from "viem";
import { runModel } from "../models/defineModel.js";
import { getModel } from "../models/registry.js";
import { channelShift } from "../prover/channelSchema.js";
import { computeFeatures } from "../prover/computeFeatures.js";
import { VALUE_OFFSET } from "../prover/coreDataset.js";
import { fromSolidityProof } from "../prover/fromSolidityProof.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { buildModelInput, type CertifiedFeatures, type DerivationKindName } from "./buildModelInput.js";
import { channelMaskOf, derivationSchemas } from "./prepareDerivation.js";

/** A derivative as the API serves it (GraphQL `derivative(id)`): what anyone can fetch to check it. */
export type PublishedDerivative = {
  id: string;
  kind: DerivationKindName;
  model: { id: string; versionHash: Hex };
  outputHash: Hex;
  featureCommitment: Hex;
  parameters: Record<string, unknown> | null;
  features: CertifiedFeatures[] | null;
  cores: { id: string; datasetCommitment: Hex }[];
  publicInputs: {
    certificateId: string;
    featureCommitment: Hex | null;
    coreCommitment: Hex;
    channelMask: number;
    bindingHash: Hex;
    proof: { a: string[]; b: string[][]; c: string[] } | null;
  }[];
};

export type VerifyDerivativeReturnType = {
  ok: boolean;
  checks: { check: string; ok: boolean; detail: string }[];
};

/**
 * Re-checks a derivative from what the API publishes, trusting none of it: the model version is the one this code
 * runs, re-running the model on the published features and parameters gives the recorded output hash, the features
 * re-encode to the feature commitments the binding proofs made public (and those hash to the one on-chain), and each
 * binding proof verifies against the committed verification key with the core certificate's commitment.
 */
export async function verifyDerivative(
  derivative: PublishedDerivative,
  verificationKey: unknown,
): Promise<VerifyDerivativeReturnType> {
  const checks: VerifyDerivativeReturnType["checks"] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ check: name, ok, detail });

  const model = getModel(derivative.model.id);
  check(
    "model version",
    model.versionHash === derivative.model.versionHash,
    `${model.id} ${model.versionHash}`,
  );
  if (derivative.features === null || derivative.parameters === null) {
    check(
      "features published",
      false,
      "this hub holds no features for the derivative; nothing can be re-run",
    );
    return { ok: false, checks };
  }
  try {
    const { input } = buildModelInput({
      kind: derivative.kind,
      parameters: derivative.parameters,
      features: derivative.features,
    });
    const rerun = runModel(model, input);
    check("output hash", rerun.outputHash === derivative.outputHash, `re-run gives ${rerun.outputHash}`);
  } catch (error) {
    check("output hash", false, `the model refuses the published features: ${(error as Error).message}`);
  }

  const schema = loadChannelSchema(derivationSchemas[derivative.kind]);
  const mask = channelMaskOf(derivative.kind);
  const commitments: Hex[] = [];
  for (const [i, features] of derivative.features.entries()) {
    const published = derivative.publicInputs[i];
    const core = derivative.cores[i];
    if (published === undefined || core === undefined) {
      check(`core ${i + 1}`, false, "missing public inputs");
      continue;
    }
    // Re-encode the published values into slot elements; the feature commitment only reads presence and the
    // selected channels, so the other bits (delay, other channels) may stay 0.
    const indices = features.channels.map((name) => schema.channels.findIndex((c) => c.name === name));
    const readings = features.slots.map((slot) =>
      slot === null
        ? 0n
        : slot.reduce((element, value, k) => {
            const c = indices[k] as number;
            const encoded = BigInt(
              Math.round(value * 10 ** (schema.channels[c]?.decimals ?? 0)) + VALUE_OFFSET,
            );
            return element | (encoded << channelShift(c));
          }, 1n),
    );
    const { featureCommitment } = computeFeatures({ readings, channelMask: mask });
    commitments.push(featureCommitment);
    check(
      `features of certificate ${published.certificateId}`,
      featureCommitment === published.featureCommitment,
      `re-encoded features commit to ${featureCommitment}`,
    );
    check(
      `core commitment of certificate ${published.certificateId}`,
      published.coreCommitment === core.datasetCommitment,
      `${core.datasetCommitment}`,
    );
    if (published.proof === null) {
      check(`binding proof of certificate ${published.certificateId}`, false, "no proof published");
      continue;
    }
    const signals = [
      featureCommitment,
      published.coreCommitment,
      toHex(published.channelMask),
      published.bindingHash,
    ].map((v) => BigInt(v).toString());
    const proof = published.proof;
    const valid = await groth16.verify(verificationKey as object, signals, fromSolidityProof(proof));
    check(
      `binding proof of certificate ${published.certificateId}`,
      valid,
      "Groth16 against circuits/build/derivationBinding",
    );
  }
  const onChain = keccak256(concat(commitments.map((c) => padHex(c, { size: 32 }))));
  check(
    "feature commitment on-chain",
    onChain === derivative.featureCommitment,
    `keccak of the per-core ones: ${onChain}`,
  );
  return { ok: checks.every((c) => c.ok), checks };
}
