import type { Address, Hex } from "viem";
import type { HubComponentName } from "./hubComponents.js";

/** Where and when one contract was deployed. */
export type DeployedContract = { address: Address; startBlock: number; transactionHash: Hex };

/** Written by `deployContracts`, read by the indexer config and the subgraph: the only source of addresses. */
export type DeploymentManifest = {
  chainId: number;
  deployer: Address;
  /** keccak256 over the deployed contracts' creation bytecode and parameters: a change means a redeploy. */
  bytecodeHash: Hex;
  /** The governance parameters the stake, governor and timelock were deployed with. */
  governance: GovernanceParameters;
  contracts: Record<AlwaysDeployedContractName, DeployedContract> &
    Partial<Record<OptionalContractName, DeployedContract>>;
  /**
   * The hub's own components' on-chain ids (decimal strings), registered by the deploy with the evolution group;
   * absent from manifests written before it (readers must cope).
   */
  components?: Record<HubComponentName, string>;
};

/**
 * Governor and staking parameters (CalderaGovernor's constructor, NodeStaking's unstake delay, the timelock's minimum
 * delay). Numbers of blocks and seconds; the proposal threshold in ERA wei, as a decimal string.
 */
export type GovernanceParameters = {
  votingDelayBlocks: number;
  votingPeriodBlocks: number;
  proposalThreshold: string;
  quorumPercent: number;
  timelockDelaySeconds: number;
  unstakeDelaySeconds: number;
};

/** Deployed on every chain, in this order (the registry reads DerivationRules' floors, so it comes after them). */
export type AlwaysDeployedContractName =
  | "CoreQualityVerifier"
  | "EraToken"
  | "NodeStaking"
  | "TimelockController"
  | "CalderaGovernor"
  | "DerivationRules"
  | "CoreCertificateRegistry";

/**
 * Deployed only when `deployContracts` is asked to: the derivation and circulation group (the derivation-binding
 * verifier is not final yet), the cross-domain risk group (likewise its risk-feature verifier) and, whenever the
 * risk group is, the capability-evolution group.
 */
export type OptionalContractName =
  | "DerivationBindingVerifier"
  | "DerivativeRegistry"
  | "CreditVault"
  | "DerivativeMarket"
  | "EcosystemRegistry"
  | "RiskFeatureVerifier"
  | "RiskFeatureRegistry"
  | "MarginVault"
  | "ComponentRegistry"
  | "EvolutionPool"
  | "ChannelSchemaRegistry";

export type DeployedContractName = AlwaysDeployedContractName | OptionalContractName;
