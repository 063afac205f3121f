import { groth16 } from "snarkjs";
import type { Address } from "viem";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import { packCoreContext } from "./packCoreContext.js";
import { packCoreTerms } from "./packCoreTerms.js";
import type { PrepareCoreClaimReturnType } from "./prepareCoreClaim.js";

export type SolidityGroth16Proof = {
  a: readonly [bigint, bigint];
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  c: readonly [bigint, bigint];
};

export type ProveCoreQualityParameters = {
  prepared: PrepareCoreClaimReturnType;
  provider: Address;
  chainId: number;
  registry: Address;
};

export type ProveCoreQualityReturnType = {
  proof: SolidityGroth16Proof;
  /** [commitment, provider, context, terms] as decimal strings. */
  publicSignals: string[];
  proveMs: number;
};

/** Groth16 proof that the prepared claim holds, bound to provider, chain and registry. */
export async function proveCoreQuality({
  prepared,
  provider,
  chainId,
  registry,
}: ProveCoreQualityParameters): Promise<ProveCoreQualityReturnType> {
  const { wasm, zkey } = await loadCircuitArtifacts("coreQuality");
  const started = performance.now();
  const { proof, publicSignals } = await groth16.fullProve(
    {
      provider: BigInt(provider).toString(),
      context: packCoreContext(registry, chainId).toString(),
      terms: packCoreTerms(prepared.claim).toString(),
      reading: prepared.readings.map(String),
    },
    { type: "mem", data: wasm },
    { type: "mem", data: zkey },
  );
  const proveMs = performance.now() - started;
  if (BigInt(publicSignals[0] ?? -1) !== BigInt(prepared.claim.datasetCommitment))
    throw new Error("circuit commitment differs from commitCoreDataset: the two layouts have diverged");
  // The EVM pairing precompile takes G2 coordinates as (imaginary, real): swap snarkjs's order.
  const [pa, pb, pc] = [proof.pi_a, proof.pi_b, proof.pi_c];
  return {
    proof: {
      a: [BigInt(pa[0]), BigInt(pa[1])],
      b: [
        [BigInt(pb[0][1]), BigInt(pb[0][0])],
        [BigInt(pb[1][1]), BigInt(pb[1][0])],
      ],
      c: [BigInt(pc[0]), BigInt(pc[1])],
    },
    publicSignals,
    proveMs,
  };
}
