import { readFileSync } from "node:fs";
import { createConfig } from "ponder";
import {
  calderaGovernorAbi,
  channelSchemaRegistryAbi,
  componentRegistryAbi,
  coreCertificateRegistryAbi,
  creditVaultAbi,
  derivationRulesAbi,
  derivativeMarketAbi,
  derivativeRegistryAbi,
  ecosystemRegistryAbi,
  eraTokenAbi,
  evolutionPoolAbi,
  marginVaultAbi,
  nodeStakingAbi,
  riskFeatureRegistryAbi,
  timelockControllerAbi,
} from "../contracts/generated/abis.js";

/**
 * Addresses and start blocks come from the deployment manifest that `caldera up` writes after deploying; nothing
 * here is hard-coded. The orchestrator passes the manifest path, the RPC URL and the database URL in the env.
 */
type DeploymentManifest = {
  chainId: number;
  contracts: Record<
    | "EraToken"
    | "CoreCertificateRegistry"
    | "NodeStaking"
    | "TimelockController"
    | "CalderaGovernor"
    | "DerivationRules",
    { address: `0x${string}`; startBlock: number }
  > &
    Partial<
      Record<
        | "DerivativeRegistry"
        | "CreditVault"
        | "DerivativeMarket"
        | "EcosystemRegistry"
        | "RiskFeatureRegistry"
        | "MarginVault"
        | "ComponentRegistry"
        | "EvolutionPool"
        | "ChannelSchemaRegistry",
        { address: `0x${string}`; startBlock: number }
      >
    >;
};

const manifestPath = process.env.CALDERA_DEPLOYMENT_PATH;
if (!manifestPath)
  throw new Error("CALDERA_DEPLOYMENT_PATH is not set: start the indexer through `caldera up`");
const deployment = JSON.parse(readFileSync(manifestPath, "utf8")) as DeploymentManifest;
const rpc = process.env.CALDERA_RPC_URL;
if (!rpc) throw new Error("CALDERA_RPC_URL is not set: start the indexer through `caldera up`");
const isDevChain = deployment.chainId === 31337;

export default createConfig({
  database: { kind: "postgres", connectionString: process.env.DATABASE_URL },
  chains: {
    caldera: {
      id: deployment.chainId,
      rpc,
      // A local chain mines on demand: poll fast so a certificate is queryable within a few hundred ms.
      pollingInterval: isDevChain ? 100 : 1_000,
      // A dev chain's history can be thrown away and rebuilt under the same id; never trust a cache of it.
      disableCache: isDevChain,
    },
  },
  contracts: {
    EraToken: {
      chain: "caldera",
      abi: eraTokenAbi,
      address: deployment.contracts.EraToken.address,
      startBlock: deployment.contracts.EraToken.startBlock,
    },
    CoreCertificateRegistry: {
      chain: "caldera",
      abi: coreCertificateRegistryAbi,
      address: deployment.contracts.CoreCertificateRegistry.address,
      startBlock: deployment.contracts.CoreCertificateRegistry.startBlock,
    },
    NodeStaking: {
      chain: "caldera",
      abi: nodeStakingAbi,
      address: deployment.contracts.NodeStaking.address,
      startBlock: deployment.contracts.NodeStaking.startBlock,
    },
    CalderaGovernor: {
      chain: "caldera",
      abi: calderaGovernorAbi,
      address: deployment.contracts.CalderaGovernor.address,
      startBlock: deployment.contracts.CalderaGovernor.startBlock,
    },
    // Its minimum delay and the operations it runs (anyone may execute a ready operation on it directly).
    TimelockController: {
      chain: "caldera",
      abi: timelockControllerAbi,
      address: deployment.contracts.TimelockController.address,
      startBlock: deployment.contracts.TimelockController.startBlock,
    },
    DerivationRules: {
      chain: "caldera",
      abi: derivationRulesAbi,
      address: deployment.contracts.DerivationRules.address,
      startBlock: deployment.contracts.DerivationRules.startBlock,
    },
    // Deployed once its binding verifier exists; until then no address, so nothing to index (an empty filter).
    DerivativeRegistry: {
      chain: "caldera",
      abi: derivativeRegistryAbi,
      address: deployment.contracts.DerivativeRegistry?.address ?? [],
      startBlock:
        deployment.contracts.DerivativeRegistry?.startBlock ??
        deployment.contracts.DerivationRules.startBlock,
    },
    // ERA circulation, deployed with the DerivativeRegistry (stack/deployContracts.ts); absent until then.
    DerivativeMarket: {
      chain: "caldera",
      abi: derivativeMarketAbi,
      address: deployment.contracts.DerivativeMarket?.address ?? [],
      startBlock:
        deployment.contracts.DerivativeMarket?.startBlock ?? deployment.contracts.DerivationRules.startBlock,
    },
    CreditVault: {
      chain: "caldera",
      abi: creditVaultAbi,
      address: deployment.contracts.CreditVault?.address ?? [],
      startBlock:
        deployment.contracts.CreditVault?.startBlock ?? deployment.contracts.DerivationRules.startBlock,
    },
    // Cross-domain risk, deployed after the circulation contracts (stack/deployContracts.ts); absent until then.
    EcosystemRegistry: {
      chain: "caldera",
      abi: ecosystemRegistryAbi,
      address: deployment.contracts.EcosystemRegistry?.address ?? [],
      startBlock:
        deployment.contracts.EcosystemRegistry?.startBlock ?? deployment.contracts.DerivationRules.startBlock,
    },
    RiskFeatureRegistry: {
      chain: "caldera",
      abi: riskFeatureRegistryAbi,
      address: deployment.contracts.RiskFeatureRegistry?.address ?? [],
      startBlock:
        deployment.contracts.RiskFeatureRegistry?.startBlock ??
        deployment.contracts.DerivationRules.startBlock,
    },
    MarginVault: {
      chain: "caldera",
      abi: marginVaultAbi,
      address: deployment.contracts.MarginVault?.address ?? [],
      startBlock:
        deployment.contracts.MarginVault?.startBlock ?? deployment.contracts.DerivationRules.startBlock,
    },
    // Capability evolution, deployed after the risk contracts (stack/deployContracts.ts); absent until then.
    ComponentRegistry: {
      chain: "caldera",
      abi: componentRegistryAbi,
      address: deployment.contracts.ComponentRegistry?.address ?? [],
      startBlock:
        deployment.contracts.ComponentRegistry?.startBlock ?? deployment.contracts.DerivationRules.startBlock,
    },
    EvolutionPool: {
      chain: "caldera",
      abi: evolutionPoolAbi,
      address: deployment.contracts.EvolutionPool?.address ?? [],
      startBlock:
        deployment.contracts.EvolutionPool?.startBlock ?? deployment.contracts.DerivationRules.startBlock,
    },
    // Node-approved channel schema extensions (capability evolution's data dimensions).
    ChannelSchemaRegistry: {
      chain: "caldera",
      abi: channelSchemaRegistryAbi,
      address: deployment.contracts.ChannelSchemaRegistry?.address ?? [],
      startBlock:
        deployment.contracts.ChannelSchemaRegistry?.startBlock ??
        deployment.contracts.DerivationRules.startBlock,
    },
  },
});
