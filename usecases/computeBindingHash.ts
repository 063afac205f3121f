import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";
import { SNARK_SCALAR_FIELD } from "../prover/coreDataset.js";

export type ComputeBindingHashParameters = {
  chainId: number;
  registry: Address;
  provider: Address;
  ruleId: bigint;
  coreId: bigint;
  modelId: Hex;
  modelVersionHash: Hex;
  outputHash: Hex;
};

/**
 * The binding proof's `bindingHash` public signal, as DerivativeRegistry computes it:
 * keccak256(abi.encode(chainid, registry, provider, ruleId, coreId, modelId, modelVersionHash, outputHash)) mod p.
 * It ties one core's proof to one derivation on one registry and chain.
 */
export function computeBindingHash(p: ComputeBindingHashParameters): bigint {
  const encoded = encodeAbiParameters(
    [
      { type: "uint256" },
      { type: "address" },
      { type: "address" },
      { type: "uint256" },
      { type: "uint256" },
      { type: "bytes32" },
      { type: "bytes32" },
      { type: "bytes32" },
    ],
    [
      BigInt(p.chainId),
      p.registry,
      p.provider,
      p.ruleId,
      p.coreId,
      p.modelId,
      p.modelVersionHash,
      p.outputHash,
    ],
  );
  return BigInt(keccak256(encoded)) % SNARK_SCALAR_FIELD;
}
