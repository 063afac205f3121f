import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createPublicClient, createTestClient, http } from "viem";
import type { CalderaConfig } from "../config/loadCalderaConfig.js";
import { BaseError } from "../errors/BaseError.js";
import { discoverEcosystemPartners } from "../gateway/discoverEcosystemPartners.js";
import { startGateway } from "../gateway/startGateway.js";
import { releaseProver } from "../prover/releaseProver.js";
import { startSubgraph } from "../resolvers/startSubgraph.js";
import { createIdempotencyStore } from "../services/createIdempotencyStore.js";
import { createIndexerClient } from "../services/createIndexerClient.js";
import type { Logger } from "../services/createLogger.js";
import { TELEMETRY_VIEW } from "../services/createTelemetryRecorder.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { createChainClients } from "../usecases/createChainClients.js";
import { createHubServices } from "../usecases/createHubServices.js";
import type { HubServices } from "../usecases/HubServices.js";
import { assertPortFree } from "./assertPortFree.js";
import { type PartFailedError, PartStartError, type StackPart } from "./errors.js";
import { getFreePort } from "./getFreePort.js";
import { openRequestLog } from "./openRequestLog.js";
import { DEV_CHAIN_ID, resolveSigner } from "./resolveSigner.js";
import { startAnvil } from "./startAnvil.js";
import { type IndexerHandle, startIndexer } from "./startIndexer.js";
import { startPostgres } from "./startPostgres.js";
import { startRiskPublisher } from "./startRiskPublisher.js";
import { startSchemaExtensionWatcher } from "./startSchemaExtensionWatcher.js";
import type { RestartPolicy, SupervisedProcess, SupervisedState } from "./superviseProcess.js";

export type StartStackParameters = {
  config: CalderaConfig;
  /** Postgres data, chain state, deployment manifest and logs live here (kept between runs). */
  dataDir: string;
  env?: {
    DATABASE_URL?: string | undefined;
    CALDERA_RPC_URL?: string | undefined;
    CALDERA_PRIVATE_KEY?: string | undefined;
    /** Request log level (default info; debug adds each request's SQL statements). */
    CALDERA_LOG_LEVEL?: string | undefined;
    /** `json`: request log lines on stdout instead of `logs/requests.log`. */
    CALDERA_LOG_FORMAT?: string | undefined;
  };
  /** Where the gateway's and subgraph's JSON request lines go (tests capture them); default: see openRequestLog. */
  logger?: Logger | undefined;
  /** The supervisor's restart policy for postgres, chain and indexer (tests shorten it). */
  restart?: RestartPolicy | undefined;
  /** Another ponder project than `indexer/` (a redeploy with changed handler code, in tests). */
  indexerDir?: string | undefined;
  /** Progress and supervision lines. Ports of 0 in the config are replaced by free ones (tests run stacks side by side). */
  log?: (line: string) => void;
};

export type PartStatus = {
  part: StackPart;
  state: SupervisedState | "external";
  pid?: number | undefined;
  restarts: number;
};

export type Stack = {
  gatewayUrl: string;
  subgraphUrl: string;
  /** The hub's own connection (the app role: owns its schemas, not a superuser). */
  postgresUrl: string;
  /** Read-only analyst role: the views schema only, with a statement timeout. Absent with DATABASE_URL. */
  analystUrl?: string | undefined;
  rpcUrl: string;
  indexer: IndexerHandle;
  deployment: DeploymentManifest;
  hub: HubServices;
  /** Child process ids (postgres, anvil, ponder) for resource accounting. */
  pids: () => number[];
  /** The supervised parts' states. */
  parts: () => PartStatus[];
  /** Resolves (after the stack stopped itself) when a part kept failing and the supervisor gave up. */
  failed: Promise<PartFailedError>;
  stop: () => Promise<void>;
};

/**
 * Brings up the whole hub in dependency order: Postgres → chain → contracts → indexer → subgraph → gateway.
 * Every port is checked before anything is spawned for it; a part that cannot start rejects with its typed error
 * (`PortInUseError`, `PartStartError`) and everything already started is stopped again, so nothing is left running.
 * Once up, the supervisor restarts a part that dies; if it keeps dying the stack stops itself and `failed` resolves.
 */
export async function startStack({
  config,
  dataDir,
  env = process.env,
  log = console.log,
  restart,
  logger,
  indexerDir,
}: StartStackParameters): Promise<Stack> {
  const stops: { name: string; fn: () => Promise<void> }[] = [];
  const onStop = (name: string, fn: () => Promise<void>) => stops.push({ name, fn });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const { name, fn } of stops.reverse()) {
        await fn().then(
          () => log(`    stopped ${name}`),
          (error) => log(`    stopping ${name} failed: ${String(error)}`),
        );
      }
      stops.length = 0;
    })();
    return stopping;
  };
  let reportFailure: (error: PartFailedError) => void = () => {};
  const failed = new Promise<PartFailedError>((resolve) => {
    reportFailure = resolve;
  });
  const onGiveUp = (error: PartFailedError) => {
    log(`${error.message}`);
    void stop().then(() => reportFailure(error));
  };
  const logs = join(dataDir, "logs");
  const supervised: SupervisedProcess[] = [];
  try {
    // First: a bad CALDERA_LOG_LEVEL stops the start before anything runs. Closed last, after the servers.
    const requestLog = openRequestLog({ logsDir: logs, env, logger });
    onStop("request log", requestLog.close);
    const ports = await reservePorts(config, env);

    log("1/6 postgres");
    const pg = await startPostgres({
      databaseUrl: env.DATABASE_URL,
      dataDir: join(dataDir, "postgres"),
      port: ports.postgres,
      logFile: join(logs, "postgres.log"),
      viewsSchema: config.viewsSchema,
      log,
      onGiveUp,
      restart,
    });
    onStop("postgres", pg.stop);
    if (pg.process) supervised.push(pg.process);
    log(`    ${pg.embedded ? "embedded" : "external"} at ${redact(pg.url)}`);

    log("2/6 chain");
    const anvil = await startAnvil({
      rpcUrl: env.CALDERA_RPC_URL,
      port: ports.anvil,
      stateFile: join(dataDir, "anvil-state.json"),
      logFile: join(logs, "anvil.log"),
      log,
      onGiveUp,
      restart,
    });
    onStop("chain", anvil.stop);
    if (anvil.process) supervised.push(anvil.process);
    const probe = createPublicClient({ transport: http(anvil.rpcUrl) });
    const chainId = await step("chain", () => probe.getChainId());
    log(`    ${anvil.started ? "anvil" : "external"} at ${anvil.rpcUrl} (chain ${chainId})`);
    const account = resolveSigner({ privateKey: env.CALDERA_PRIVATE_KEY, chainId });
    const { publicClient, walletClient } = createChainClients({
      rpcUrl: anvil.rpcUrl,
      chainId,
      account,
      name: chainId === DEV_CHAIN_ID ? "Caldera dev chain" : undefined,
    });

    if (anvil.started) await step("chain", () => settleDevChain(anvil.rpcUrl));

    log("3/6 contracts");
    const manifestPath = join(dataDir, "deployment.json");
    const manifest = await step("contracts", async () => {
      const { buildContracts } = await import("../scripts/buildContracts.js");
      await buildContracts();
      const { deployContracts } = await import("./deployContracts.js");
      const { derivationBindingVerifierBytecode, riskFeatureVerifierBytecode } = await import(
        "../contracts/generated/bytecode.js"
      );
      const { manifest } = await deployContracts({
        publicClient,
        walletClient,
        manifestPath,
        derivatives: { bindingVerifierBytecode: derivationBindingVerifierBytecode },
        riskNetwork: { featureVerifierBytecode: riskFeatureVerifierBytecode },
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
      return manifest;
    });

    log("4/6 indexer (ponder)");
    const indexer = await startIndexer({
      databaseUrl: pg.url,
      rpcUrl: anvil.rpcUrl,
      manifestPath,
      viewsSchema: config.viewsSchema,
      port: ports.indexer,
      logFile: join(logs, "ponder.log"),
      ownsDatabase: pg.embedded,
      ...(indexerDir ? { indexerDir } : {}),
      log,
      onGiveUp,
      restart,
    });
    onStop("indexer", indexer.stop);
    supervised.push(indexer.process);
    const indexerClient = createIndexerClient({
      url: indexer.url,
      publicClient,
      maxLagBlocks: config.maxIndexerLagBlocks,
      catchUp: indexer.catchUp,
    });
    const head = await publicClient.getBlockNumber();
    await step("indexer", () => indexerClient.waitForBlock(head, 120_000));
    log(`    ${indexer.url} (schema ${indexer.schema}, views ${config.viewsSchema}, at block ${head})`);

    log("5/6 subgraph");
    // Only the gateway may ask the subgraph for `_entities` and `_service`; a fresh secret per start.
    const gatewaySecret = randomBytes(32).toString("base64url");
    // Proofs run in the prover's worker pool, which `close` below terminates; snarkjs's curve on this thread
    // (groth16.verify, e.g. verifyDerivative in-process) would still keep the process alive after the rest stopped.
    onStop("snarkjs curve", releaseProver);
    // At debug level every statement a request runs is logged with its request id (traceSql).
    const sqlLog = requestLog.logger.child({ server: "subgraph" });
    // The same construction as `caldera subgraph`'s: pools, stores (migrated), sender.
    const { hub, sql, close } = await step("subgraph", () =>
      createHubServices({
        deployment: manifest,
        publicClient,
        walletClient,
        indexer: indexerClient,
        databaseUrl: pg.url,
        logger: sqlLog,
        proving: config.proving,
        evolution: config.evolution,
      }),
    );
    onStop("database pools and prover", close);
    // Idempotency keys of mutations, in the hub's schema so every subgraph replica sees the same keys.
    const idempotency = createIdempotencyStore({ sql });
    await step("subgraph", () => idempotency.migrate());
    // The views ponder and the stores made are in place now; analysts read the views schema and this summary only.
    await step("postgres", () =>
      pg.shareWithAnalysts({ views: ["caldera_hub.dataset_summary", `caldera_hub.${TELEMETRY_VIEW}`] }),
    );
    const subgraph = await step("subgraph", () =>
      startSubgraph({
        sql,
        viewsSchema: config.viewsSchema,
        hub,
        port: ports.subgraph,
        limits: config.limits,
        gatewaySecret,
        rateLimits: config.rateLimits,
        idempotency,
        logger: requestLog.logger,
      }),
    );
    onStop("subgraph", subgraph.stop);
    log(`    ${subgraph.url}`);

    log("6/6 gateway");
    const gateway = await step("gateway", () =>
      startGateway({
        subgraphs: [{ name: "caldera", url: subgraph.url }, ...config.partners],
        // Partner ecosystems admitted on-chain join with no config change; last good partner SDLs survive restarts.
        discoverPartners: discoverEcosystemPartners({ sql, viewsSchema: config.viewsSchema }),
        stateDir: join(dataDir, "gateway"),
        port: ports.gateway,
        limits: config.limits,
        gatewaySecret,
        logger: requestLog.logger,
      }),
    );
    onStop("gateway", gateway.stop);
    log(`    ${gateway.url}`);
    const publisherInterval = config.riskPublisher?.intervalMs ?? 0;
    if (publisherInterval > 0) {
      const publisher = startRiskPublisher({
        hub,
        sql,
        viewsSchema: config.viewsSchema,
        intervalMs: publisherInterval,
        log,
      });
      onStop("risk publisher", publisher.stop);
    }
    const watcherInterval = config.evolution?.schemaWatcher?.intervalMs ?? 0;
    if (watcherInterval > 0) {
      const watcher = startSchemaExtensionWatcher({ hub, intervalMs: watcherInterval, log });
      onStop("schema extension watcher", watcher.stop);
    }
    const external = (part: StackPart): PartStatus => ({ part, state: "external", restarts: 0 });
    return {
      gatewayUrl: gateway.url,
      subgraphUrl: subgraph.url,
      postgresUrl: pg.url,
      analystUrl: pg.analystUrl,
      rpcUrl: anvil.rpcUrl,
      indexer,
      deployment: manifest,
      hub,
      pids: () => supervised.map((p) => p.pid()).filter((pid): pid is number => pid !== undefined),
      parts: () => [
        ...(pg.process ? [] : [external("postgres")]),
        ...(anvil.process ? [] : [external("chain")]),
        ...supervised.map((p) => ({ part: p.part, state: p.state(), pid: p.pid(), restarts: p.restarts() })),
      ],
      failed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

type PortKey = keyof CalderaConfig["ports"];
const partOfPort: Record<PortKey, StackPart> = {
  postgres: "postgres",
  anvil: "chain",
  indexer: "indexer",
  subgraph: "subgraph",
  gateway: "gateway",
};

/**
 * Every port the stack will listen on, checked up front so a taken port fails in milliseconds with the part's
 * name and config key. Ports of 0 become free ones. Parts replaced by an external service need no port.
 */
async function reservePorts(config: CalderaConfig, env: StartStackParameters["env"] = {}) {
  const ports = { ...config.ports };
  const external: Partial<Record<PortKey, boolean>> = {
    postgres: !!env.DATABASE_URL,
    anvil: !!env.CALDERA_RPC_URL,
  };
  for (const key of Object.keys(ports) as PortKey[]) {
    if (external[key]) continue;
    if (ports[key] === 0) ports[key] = await getFreePort();
    else await assertPortFree({ part: partOfPort[key], port: ports[key], configKey: `ports.${key}` });
  }
  return ports;
}

/** Runs one start-up step; an untyped failure becomes that part's `PartStartError` with the original as cause. */
async function step<T>(part: StackPart, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof BaseError) throw error;
    const message =
      error instanceof Error
        ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
        : String(error);
    throw new PartStartError(part, message.split("\n")[0] ?? "failed", "see the logs folder", {
      cause: error,
    });
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
