import { join } from "node:path";
import postgres from "postgres";
import { createPublicClient, createTestClient, createWalletClient, defineChain, http } from "viem";
import type { CalderaConfig } from "../config/loadCalderaConfig.js";
import { startGateway } from "../gateway/startGateway.js";
import { releaseProver } from "../prover/releaseProver.js";
import type { HubServices } from "../resolvers/SubgraphContext.js";
import { startSubgraph } from "../resolvers/startSubgraph.js";
import type { DeploymentManifest } from "./deployment.js";
import { getFreePort } from "./getFreePort.js";
import { DEV_CHAIN_ID, resolveSigner } from "./resolveSigner.js";
import { startAnvil } from "./startAnvil.js";
import { type IndexerHandle, startIndexer } from "./startIndexer.js";
import { startPostgres } from "./startPostgres.js";

export type StartStackParameters = {
  config: CalderaConfig;
  /** Postgres data, chain state, deployment manifest and logs live here (kept between runs). */
  dataDir: string;
  env?: {
    DATABASE_URL?: string | undefined;
    CALDERA_RPC_URL?: string | undefined;
    CALDERA_PRIVATE_KEY?: string | undefined;
  };
  /** Ports of 0 are replaced by free ones (tests run stacks side by side). */
  log?: (line: string) => void;
};

export type Stack = {
  gatewayUrl: string;
  subgraphUrl: string;
  postgresUrl: string;
  rpcUrl: string;
  indexer: IndexerHandle;
  deployment: DeploymentManifest;
  hub: HubServices;
  /** Child process ids (anvil, ponder) for resource accounting. */
  pids: number[];
  stop: () => Promise<void>;
};

/**
 * Brings up the whole hub in dependency order: Postgres → chain → contracts → indexer → subgraph → gateway.
 * On failure everything already started is stopped again, so nothing is left running.
 */
export async function startStack({
  config,
  dataDir,
  env = process.env,
  log = console.log,
}: StartStackParameters): Promise<Stack> {
  const stops: { name: string; fn: () => Promise<void> }[] = [];
  const onStop = (name: string, fn: () => Promise<void>) => stops.push({ name, fn });
  const stop = async () => {
    for (const { name, fn } of stops.reverse()) {
      await fn().then(
        () => log(`    stopped ${name}`),
        (error) => log(`    stopping ${name} failed: ${String(error)}`),
      );
    }
    stops.length = 0;
  };
  const port = async (p: number) => (p === 0 ? getFreePort() : p);
  try {
    log("1/6 postgres");
    const pg = await startPostgres({
      databaseUrl: env.DATABASE_URL,
      dataDir: join(dataDir, "postgres"),
      port: await port(config.ports.postgres),
      log,
    });
    onStop("postgres", pg.stop);
    log(`    ${pg.embedded ? "embedded" : "external"} at ${redact(pg.url)}`);

    log("2/6 chain");
    const anvil = await startAnvil({
      rpcUrl: env.CALDERA_RPC_URL,
      port: await port(config.ports.anvil),
      stateFile: join(dataDir, "anvil-state.json"),
      log,
    });
    onStop("chain", anvil.stop);
    const probe = createPublicClient({ transport: http(anvil.rpcUrl) });
    const chainId = await probe.getChainId();
    log(`    ${anvil.started ? "anvil" : "external"} at ${anvil.rpcUrl} (chain ${chainId})`);
    const account = resolveSigner({ privateKey: env.CALDERA_PRIVATE_KEY, chainId });
    const chain = defineChain({
      id: chainId,
      name: chainId === DEV_CHAIN_ID ? "Caldera dev chain" : `chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
    const walletClient = createWalletClient({ chain, account, transport: http(anvil.rpcUrl) });

    if (anvil.started) await settleDevChain(anvil.rpcUrl);

    log("3/6 contracts");
    const { buildContracts } = await import("../scripts/buildContracts.js");
    await buildContracts();
    const { deployContracts } = await import("./deployContracts.js");
    const manifestPath = join(dataDir, "deployment.json");
    const { manifest } = await deployContracts({
      publicClient,
      walletClient,
      manifestPath,
      log: (l) => log(`    ${l}`),
    });
    if (chainId === DEV_CHAIN_ID) {
      const { registerDevProvider } = await import("./registerDevProvider.js");
      await registerDevProvider({
        publicClient,
        walletClient,
        deployment: manifest,
        log: (l) => log(`    ${l}`),
      });
    }

    log("4/6 indexer (ponder)");
    const indexer = await startIndexer({
      databaseUrl: pg.url,
      rpcUrl: anvil.rpcUrl,
      manifestPath,
      viewsSchema: config.viewsSchema,
      port: await port(config.ports.indexer),
      logFile: join(dataDir, "logs", "ponder.log"),
    });
    onStop("indexer", indexer.stop);
    const head = await publicClient.getBlockNumber();
    await indexer.waitForBlock(head, 120_000);
    log(`    ${indexer.url} (schema ${indexer.schema}, views ${config.viewsSchema}, at block ${head})`);

    log("5/6 subgraph");
    // snarkjs's worker threads would keep the process alive after everything else stopped.
    onStop("prover", releaseProver);
    const sql = postgres(pg.url, { transform: postgres.camel, max: 10, onnotice: () => {} });
    onStop("database pool", () => sql.end({ timeout: 5 }));
    const hub: HubServices = {
      deployment: manifest,
      publicClient: publicClient as HubServices["publicClient"],
      walletClient,
      waitForIndexedBlock: (blockNumber) => indexer.waitForBlock(blockNumber),
    };
    const subgraph = await startSubgraph({
      sql,
      viewsSchema: config.viewsSchema,
      hub,
      port: await port(config.ports.subgraph),
    });
    onStop("subgraph", subgraph.stop);
    log(`    ${subgraph.url}`);

    log("6/6 gateway");
    const gateway = await startGateway({
      subgraphs: [{ name: "caldera", url: subgraph.url }, ...config.partners],
      port: await port(config.ports.gateway),
    });
    onStop("gateway", gateway.stop);
    log(`    ${gateway.url}`);
    return {
      gatewayUrl: gateway.url,
      subgraphUrl: subgraph.url,
      postgresUrl: pg.url,
      rpcUrl: anvil.rpcUrl,
      indexer,
      deployment: manifest,
      hub,
      pids: [anvil.pid, indexer.pid].filter((pid): pid is number => pid !== undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * anvil regenerates block 0 when it reloads its state file, so block 1 no longer links to it. ponder walks the
 * chain from its finalized block (head − 30 on a dev chain): mining past that depth on a fresh chain keeps the
 * broken link below anything ponder ever checks.
 */
async function settleDevChain(rpcUrl: string) {
  const testClient = createTestClient({ mode: "anvil", transport: http(rpcUrl) });
  const head = await createPublicClient({ transport: http(rpcUrl) }).getBlockNumber();
  if (head < 64n) await testClient.mine({ blocks: Number(64n - head) });
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/]+):[^@]+@/, "//$1:***@");
}
