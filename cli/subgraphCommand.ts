import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, http } from "viem";
import { loadCalderaConfig } from "../config/loadCalderaConfig.js";
import { BaseError } from "../errors/BaseError.js";
import { releaseProver } from "../prover/releaseProver.js";
import { startSubgraph } from "../resolvers/startSubgraph.js";
import { createIdempotencyStore } from "../services/createIdempotencyStore.js";
import { createIndexerClient } from "../services/createIndexerClient.js";
import { createLogger } from "../services/createLogger.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { assertPortFree } from "../stack/assertPortFree.js";
import { PartStartError } from "../stack/errors.js";
import { DEV_CHAIN_ID, resolveSigner } from "../stack/resolveSigner.js";
import { createChainClients } from "../usecases/createChainClients.js";
import { createHubServices } from "../usecases/createHubServices.js";
import { serviceEnvironment } from "./serviceEnvironment.js";
import { untilTerminated } from "./untilTerminated.js";

/**
 * Every variable `caldera subgraph` reads, and nothing else: the Kubernetes manifests are checked against these
 * lists (deploy/kubernetes.test.ts).
 */
export const subgraphEnvironment = {
  required: ["DATABASE_URL", "CALDERA_RPC_URL", "CALDERA_INDEXER_URL", "CALDERA_DEPLOYMENT"],
  optional: [
    "DATABASE_READ_URL",
    "CALDERA_PRIVATE_KEY",
    "CALDERA_PRIVATE_KEY_FILE",
    "CALDERA_GATEWAY_SECRET",
    "CALDERA_CONFIG",
    "CALDERA_LOG_LEVEL",
    "CALDERA_REPLICA_ID",
    "HOST",
    "PORT",
  ],
} as const;

/** What a replica id may be: a pod or host name, with a port. */
const REPLICA_ID = /^[\w.:-]{1,64}$/;

const root = fileURLToPath(new URL("../", import.meta.url));

/**
 * `caldera subgraph`: Caldera's subgraph alone, one of N stateless replicas on one Postgres, with its chain, its
 * indexer (ponder, run apart) and its deployment manifest given by the environment (docs/production.md).
 * Queries read `DATABASE_READ_URL` when set; mutations and what they read back use `DATABASE_URL`. Anything
 * missing or unreachable at start is one line and exit 1. SIGTERM drains: no new connections, requests in flight
 * finish, then the pools close and the process exits 0.
 */
export async function subgraphCommand(_args: string[]): Promise<number> {
  const env = serviceEnvironment("subgraph", subgraphEnvironment);
  const configPath = env.text("CALDERA_CONFIG");
  const config = loadCalderaConfig(root, configPath ? resolve(configPath) : undefined);
  const databaseUrl = env.url("DATABASE_URL") as string;
  const readDatabaseUrl = env.url("DATABASE_READ_URL");
  const rpcUrl = env.url("CALDERA_RPC_URL") as string;
  const indexerUrl = env.url("CALDERA_INDEXER_URL") as string;
  const host = env.text("HOST") ?? "127.0.0.1";
  const port = env.port("PORT", config.ports.subgraph);
  const gatewaySecret = env.secret("CALDERA_GATEWAY_SECRET", !env.isLoopback(host));
  // Stable across this replica's restarts (a StatefulSet's pod name; else host and port), so its kernels continue.
  const replica = env.text("CALDERA_REPLICA_ID") ?? `${hostname()}:${port}`;
  if (!REPLICA_ID.test(replica))
    throw new PartStartError(
      "subgraph",
      `CALDERA_REPLICA_ID is not a replica id (${JSON.stringify(replica.slice(0, 70))})`,
      "set CALDERA_REPLICA_ID to 1–64 letters, digits, dots, colons, dashes or underscores",
    );
  const deployment = readDeployment(env.text("CALDERA_DEPLOYMENT") as string);
  const logger = createLogger({ level: env.text("CALDERA_LOG_LEVEL") }).child({ server: "subgraph" });

  const chainId = await createPublicClient({ transport: http(rpcUrl, { retryCount: 1 }) })
    .getChainId()
    .catch((error: unknown) => {
      throw new PartStartError(
        "subgraph",
        `the chain at CALDERA_RPC_URL does not answer (${short(error)})`,
        "check CALDERA_RPC_URL",
        { cause: error },
      );
    });
  if (chainId !== deployment.chainId)
    throw new PartStartError(
      "subgraph",
      `CALDERA_DEPLOYMENT is for chain ${deployment.chainId} but CALDERA_RPC_URL is chain ${chainId}`,
      "point both at the same chain",
    );
  const account = resolveSigner({ privateKey: readPrivateKey(env), chainId });
  const { publicClient, walletClient } = createChainClients({
    rpcUrl,
    chainId,
    account,
    name: chainId === DEV_CHAIN_ID ? "Caldera dev chain" : undefined,
  });
  const indexer = createIndexerClient({
    url: indexerUrl,
    publicClient,
    maxLagBlocks: config.maxIndexerLagBlocks,
  });
  await assertPortFree({ part: "subgraph", port, configKey: "PORT" }).catch((error: unknown) => {
    throw new PartStartError(
      "subgraph",
      `port ${port} is in use by another process`,
      "stop that process or set PORT",
      { cause: error },
    );
  });
  const services = await createHubServices({
    deployment,
    publicClient,
    walletClient,
    indexer,
    databaseUrl,
    readDatabaseUrl,
    logger,
    proving: config.proving,
    evolution: config.evolution,
    replica,
  }).catch((error: unknown) => {
    if (error instanceof BaseError) throw error;
    throw new PartStartError(
      "subgraph",
      `Postgres at DATABASE_URL cannot be used (${short(error)})`,
      "check DATABASE_URL and that the database is up",
      { cause: error },
    );
  });
  let served: Awaited<ReturnType<typeof startSubgraph>>;
  try {
    // Idempotency keys on the primary: every replica sees every key, so a retried mutation is answered once.
    const idempotency = createIdempotencyStore({ sql: services.sql });
    await services.migrateExclusively(() => idempotency.migrate());
    served = await startSubgraph({
      sql: services.sql,
      readSql: services.readSql,
      viewsSchema: config.viewsSchema,
      hub: services.hub,
      port,
      host,
      limits: config.limits,
      gatewaySecret,
      rateLimits: config.rateLimits,
      idempotency,
      logger,
    });
  } catch (error) {
    await services.close();
    throw error;
  }
  console.log(
    `caldera subgraph: serving ${served.url.replace("127.0.0.1", host)} (pid ${process.pid}, chain ${chainId}, ` +
      `signer ${account.address}, queries read ${readDatabaseUrl ? "the read replica" : "the primary"})`,
  );
  const signal = await untilTerminated();
  console.log(`caldera subgraph: ${signal}: draining`);
  await served.stop();
  await services.close();
  await releaseProver();
  console.log("caldera subgraph: stopped");
  return 0;
}

/**
 * The hub's key: `CALDERA_PRIVATE_KEY`, or the file `CALDERA_PRIVATE_KEY_FILE` names — one key per replica, the
 * file picked by pod name from a mounted Secret (docs/production.md, "Signer keys").
 */
function readPrivateKey(
  env: ReturnType<typeof serviceEnvironment<typeof subgraphEnvironment>>,
): string | undefined {
  const file = env.text("CALDERA_PRIVATE_KEY_FILE");
  if (file === undefined) return env.text("CALDERA_PRIVATE_KEY");
  if (env.text("CALDERA_PRIVATE_KEY") !== undefined)
    throw new PartStartError(
      "subgraph",
      "both CALDERA_PRIVATE_KEY and CALDERA_PRIVATE_KEY_FILE are set",
      "set one",
    );
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new PartStartError(
      "subgraph",
      `CALDERA_PRIVATE_KEY_FILE ${file} cannot be read (${short(error)})`,
      "mount this replica's key there",
      { cause: error },
    );
  }
}

/** The deployment manifest `caldera up` (`deployContracts`) wrote: the only source of contract addresses. */
function readDeployment(path: string): DeploymentManifest {
  let manifest: Partial<DeploymentManifest>;
  try {
    manifest = JSON.parse(readFileSync(resolve(path), "utf8")) as Partial<DeploymentManifest>;
  } catch (error) {
    throw new PartStartError(
      "subgraph",
      `CALDERA_DEPLOYMENT ${path} cannot be read (${short(error)})`,
      "point it at the deployment.json that deploying the contracts wrote",
    );
  }
  if (typeof manifest.chainId !== "number" || !manifest.contracts?.CoreCertificateRegistry?.address)
    throw new PartStartError(
      "subgraph",
      `CALDERA_DEPLOYMENT ${path} is not a deployment manifest (no chainId or registry)`,
      "point it at the deployment.json that deploying the contracts wrote",
    );
  return manifest as DeploymentManifest;
}

function short(error: unknown): string {
  const message =
    error instanceof Error
      ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
      : String(error);
  return message.split("\n")[0]?.slice(0, 200) ?? "failed";
}
