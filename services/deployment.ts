import type { Address, Hex } from "viem";

/** Written by `deployContracts`, read by the indexer config and the subgraph: the only source of addresses. */
export type DeploymentManifest = {
  chainId: number;
  deployer: Address;
  /** keccak256 over the deployed contracts' creation bytecode: a source change means a redeploy. */
  bytecodeHash: Hex;
  contracts: Record<DeployedContractName, { address: Address; startBlock: number; transactionHash: Hex }>;
};

export type DeployedContractName = "CoreQualityVerifier" | "EraToken" | "CoreCertificateRegistry";
