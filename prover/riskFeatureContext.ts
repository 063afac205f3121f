import { type Address, encodeAbiParameters, keccak256 } from "viem";
import { SNARK_SCALAR_FIELD } from "./coreDataset.js";

export type RiskFeatureContextParameters = {
  chainId: number;
  /** The RiskFeatureRegistry that will verify the proof. */
  registry: Address;
  /** The publishing ecosystem (EcosystemRegistry id; Caldera is 1). */
  ecosystemId: number;
  /** The kind's Solidity enum number (`riskKindNumber`). */
  kind: number;
};

/**
 * The risk proof's `context` public signal, as `RiskFeatureRegistry.featureContext` computes it:
 * uint256(keccak256(abi.encode(chainId, registry, ecosystemId, kind))) mod p. It binds a proof to one chain, one
 * registry, one publishing ecosystem and one kind, so it cannot be replayed by another ecosystem or as another kind.
 */
export function riskFeatureContext({
  chainId,
  registry,
  ecosystemId,
  kind,
}: RiskFeatureContextParameters): bigint {
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "uint32" }, { type: "uint8" }],
    [BigInt(chainId), registry, ecosystemId, kind],
  );
  return BigInt(keccak256(encoded)) % SNARK_SCALAR_FIELD;
}
