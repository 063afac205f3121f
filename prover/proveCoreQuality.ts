import type { Address } from "viem";
import { fullProve, type ProvingOptions } from "./fullProve.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import { packCoreContext } from "./packCoreContext.js";
import { packCoreTerms } from "./packCoreTerms.js";
import type { PrepareCoreClaimReturnType } from "./prepareCoreClaim.js";
import { type SolidityGroth16Proof, toSolidityProof } from "./toSolidityProof.js";

export type ProveCoreQualityParameters = {
  prepared: PrepareCoreClaimReturnType;
  provider: Address;
  chainId: number;
  registry: Address;
};

export type ProveCoreQualityReturnType = {
  proof: SolidityGroth16Proof;
  /** [commitment, provider, context, terms, schemaHash] as decimal strings. */
  publicSignals: string[];
  proveMs: number;
};

/** Groth16 proof that the prepared claim holds for its channel schema, bound to provider, chain and registry. */
export async function proveCoreQuality(
  { prepared, provider, chainId, registry }: ProveCoreQualityParameters,
  options: ProvingOptions = {},
): Promise<ProveCoreQualityReturnType> {
  const { wasm, zkey } = await loadCircuitArtifacts("coreQuality");
  const started = performance.now();
  const { proof, publicSignals } = await fullProve({
    input: {
      provider: BigInt(provider).toString(),
      context: packCoreContext(registry, chainId).toString(),
      terms: packCoreTerms(prepared.claim).toString(),
      schemaHash: BigInt(prepared.claim.schemaHash).toString(),
      channelCount: String(prepared.schema.channelCount),
      schemaDigest: prepared.schema.schemaDigest.toString(),
      reading: prepared.readings.map(String),
    },
    wasm,
    zkey,
    witness: options.witness,
    schedule: options.schedule,
  });
  const proveMs = performance.now() - started;
  if (BigInt(publicSignals[0] ?? -1) !== BigInt(prepared.claim.datasetCommitment))
    throw new Error("circuit commitment differs from commitCoreDataset: the two layouts have diverged");
  return { proof: toSolidityProof(proof), publicSignals, proveMs };
}
