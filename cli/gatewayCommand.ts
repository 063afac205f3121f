import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { loadCalderaConfig } from "../config/loadCalderaConfig.js";
import { discoverEcosystemPartners } from "../gateway/discoverEcosystemPartners.js";
import { startGateway } from "../gateway/startGateway.js";
import { createLogger } from "../services/createLogger.js";
import { assertPortFree } from "../stack/assertPortFree.js";
import { PartStartError } from "../stack/errors.js";
import { serviceEnvironment } from "./serviceEnvironment.js";
import { untilTerminated } from "./untilTerminated.js";

/**
 * Every variable `caldera gateway` reads, and nothing else: the Kubernetes manifests are checked against these
 * lists (deploy/kubernetes.test.ts). Partners and limits come from caldera.config.json (`CALDERA_CONFIG`).
 */
export const gatewayEnvironment = {
  required: ["CALDERA_SUBGRAPH_URLS"],
  optional: [
    "CALDERA_GATEWAY_SECRET",
    "CALDERA_CONFIG",
    "CALDERA_LOG_LEVEL",
    "HOST",
    "PORT",
    "DATABASE_READ_URL",
    "CALDERA_STATE_DIR",
  ],
} as const;

const root = fileURLToPath(new URL("../", import.meta.url));

/** How long the gateway waits at start for one replica of Caldera's subgraph to answer (they start together). */
const SUBGRAPH_WAIT_MS = 60_000;

/**
 * `caldera gateway`: the federation gateway alone, one of M behind a load balancer, over every replica of Caldera's
 * subgraph (`CALDERA_SUBGRAPH_URLS`, balanced with retry) and the partners of caldera.config.json. Missing or
 * malformed settings are one line and exit 1. SIGTERM drains: no new connections, requests in flight finish.
 */
export async function gatewayCommand(_args: string[]): Promise<number> {
  const env = serviceEnvironment("gateway", gatewayEnvironment);
  const configPath = env.text("CALDERA_CONFIG");
  const config = loadCalderaConfig(root, configPath ? resolve(configPath) : undefined);
  const replicaUrls = env.urls("CALDERA_SUBGRAPH_URLS");
  const host = env.text("HOST") ?? "127.0.0.1";
  const port = env.port("PORT", config.ports.gateway);
  const remote = replicaUrls.some((url) => !env.isLoopback(new URL(url).hostname));
  const gatewaySecret = env.secret("CALDERA_GATEWAY_SECRET", remote);
  const logger = createLogger({ level: env.text("CALDERA_LOG_LEVEL") }).child({ server: "gateway" });
  // Partners admitted on-chain (EcosystemRegistry) are read from the indexer's views: any connection that may read
  // them (a read replica, the analyst role) will do. Without it, caldera.config.json's partners only.
  const registryUrl = env.url("DATABASE_READ_URL");
  const registrySql = registryUrl ? postgres(registryUrl, { max: 1, onnotice: () => {} }) : undefined;
  const stateDir = env.text("CALDERA_STATE_DIR");
  await assertPortFree({ part: "gateway", port, configKey: "PORT" }).catch((error: unknown) => {
    throw new PartStartError(
      "gateway",
      `port ${port} is in use by another process`,
      "stop that process or set PORT",
      {
        cause: error,
      },
    );
  });
  // Composition needs Caldera's subgraph; in a fresh deployment the replicas may still be starting.
  await waitForAnyReplica(replicaUrls);
  const served = await startGateway({
    subgraphs: [{ name: "caldera", url: replicaUrls[0] as string, replicaUrls }, ...config.partners],
    port,
    host,
    limits: config.limits,
    gatewaySecret,
    logger,
    ...(registrySql
      ? { discoverPartners: discoverEcosystemPartners({ sql: registrySql, viewsSchema: config.viewsSchema }) }
      : {}),
    ...(stateDir ? { stateDir: resolve(stateDir) } : {}),
  }).catch((error: unknown) => {
    throw new PartStartError(
      "gateway",
      `the supergraph cannot be composed (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
      "check CALDERA_SUBGRAPH_URLS, CALDERA_GATEWAY_SECRET and the partners in caldera.config.json",
      { cause: error },
    );
  });
  console.log(
    `caldera gateway: serving ${served.url.replace("127.0.0.1", host)} (pid ${process.pid}, ` +
      `${replicaUrls.length} subgraph replica(s), ${config.partners.length} partner(s))`,
  );
  const signal = await untilTerminated();
  console.log(`caldera gateway: ${signal}: draining`);
  await served.stop();
  await registrySql?.end();
  console.log("caldera gateway: stopped");
  return 0;
}

async function waitForAnyReplica(urls: readonly string[]) {
  const deadline = Date.now() + SUBGRAPH_WAIT_MS;
  for (;;) {
    for (const url of urls) {
      const response = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(2_000) }).catch(
        () => undefined,
      );
      if (response?.ok) return;
    }
    if (Date.now() > deadline)
      throw new PartStartError(
        "gateway",
        `no replica of Caldera's subgraph answered in ${SUBGRAPH_WAIT_MS / 1000} s (${urls.join(", ")})`,
        "start `caldera subgraph` or fix CALDERA_SUBGRAPH_URLS",
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}
