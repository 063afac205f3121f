import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { DeploymentManifest } from "../stack/deployment.js";
import type { Loaders } from "./createLoaders.js";

/** What resolvers reach the chain and the indexer through; created once per subgraph process. */
export type HubServices = {
  deployment: DeploymentManifest;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  /** Resolves once the indexer has processed `blockNumber`. */
  waitForIndexedBlock: (blockNumber: bigint) => Promise<void>;
};

export type SubgraphContext = { loaders: Loaders; hub: HubServices };
