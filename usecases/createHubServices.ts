import postgres, { type Sql } from "postgres";
import { percentile } from "../models/percentile.js";
import {
  type CreateProverPoolParameters,
  createProverPool,
  type ProverPool,
} from "../prover/createProverPool.js";
import { createAssessmentStore } from "../services/createAssessmentStore.js";
import { createCertificationAttemptStore } from "../services/createCertificationAttemptStore.js";
import { createDatasetStore } from "../services/createDatasetStore.js";
import { createDerivationStore } from "../services/createDerivationStore.js";
import type { IndexerClient } from "../services/createIndexerClient.js";
import type { Logger } from "../services/createLogger.js";
import { createLogicModuleStore } from "../services/createLogicModuleStore.js";
import {
  createTelemetryRecorder,
  createTelemetryTable,
  type TelemetryRecorder,
} from "../services/createTelemetryRecorder.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { isHubComponentName } from "../services/hubComponents.js";
import { traceSql } from "../services/traceSql.js";
import { createTransactionSender } from "./createTransactionSender.js";
import {
  createTunedProver,
  type ProverImprovement,
  type TunedProverComponent,
} from "./evolution/createTunedProver.js";
import { loadKernelLog } from "./evolution/loadKernelLog.js";
import { createWasmSandbox } from "./evolution/logic/createWasmSandbox.js";
import { publishHubEvolutionReport } from "./evolution/publishEvolutionReport.js";
import { withChainClock } from "./evolution/withChainClock.js";
import type { HubServices } from "./HubServices.js";

export type CreateHubServicesParameters = {
  deployment: DeploymentManifest;
  publicClient: HubServices["publicClient"];
  walletClient: HubServices["walletClient"];
  indexer: IndexerClient;
  /** The primary (`DATABASE_URL`): the hub's own tables, and what mutations read back. */
  databaseUrl: string;
  /** A read replica for queries (`DATABASE_READ_URL`); absent, queries read the primary too. */
  readDatabaseUrl?: string | undefined;
  /** Every pool's statements are logged with their request id at debug level (`traceSql`); none without it. */
  logger?: Logger | undefined;
  /** The prover's worker pool (caldera.config.json `proving`); absent, the pool's defaults. */
  proving?: Pick<CreateProverPoolParameters, "workers" | "maxQueue"> | undefined;
  /**
   * caldera.config.json `evolution`: with `tuneProver`, the self-learning kernel chooses each core and binding proof's
   * configuration (createTunedProver), once the manifest names those components. Absent: the pool as it is.
   */
  evolution?: { tuneProver: boolean; kernelSeed: number } | undefined;
  /** This process among several serving the hub (`createTunedProver`'s `replica`); absent for `caldera up`. */
  replica?: string | undefined;
};

export type CreateHubServicesReturnType = {
  hub: HubServices;
  /** The primary, with the loaders' column naming (camelCase): a mutation's reads. */
  sql: Sql;
  /** The replica when there is one, else `sql`: the loaders' pool for queries. */
  readSql: Sql;
  /** Ends every pool it opened, the prover's worker threads included. */
  close: () => Promise<void>;
  /** Runs a further migration (another store's) under the same lock, so replicas starting together do not race. */
  migrateExclusively: (migrate: () => Promise<void>) => Promise<void>;
};

/** Any fixed number: the key of the advisory lock that serialises the hub's migrations across replicas. */
const MIGRATION_LOCK = 7_325_001;

/**
 * What every process serving the hub needs — chain clients, indexer client, the hub's stores, the database pools —
 * built in one place for `caldera up` (everything in one process) and `caldera subgraph` (one of N replicas). The
 * hub's own tables are migrated under an advisory lock, because N replicas starting at once would otherwise race
 * on `create … if not exists` (Postgres checks the catalog before it locks it).
 */
export async function createHubServices({
  deployment,
  publicClient,
  walletClient,
  indexer,
  databaseUrl,
  readDatabaseUrl,
  logger,
  proving,
  evolution,
  replica,
}: CreateHubServicesParameters): Promise<CreateHubServicesReturnType> {
  const pools: Sql[] = [];
  let prover: ProverPool | undefined;
  let telemetry: TelemetryRecorder | undefined;
  // Started on the first wasm logic module a component runs; stopped with the rest.
  const logicSandbox = createWasmSandbox();
  const pool = (url: string, options: postgres.Options<Record<string, never>>) => {
    const sql: Sql = postgres(url, { ...options, onnotice: () => {} });
    pools.push(sql);
    return logger ? traceSql({ sql, logger }) : sql;
  };
  const close = async () => {
    // Buffered telemetry first, while its pool is still open (close never throws; a failed write is logged).
    await telemetry?.close();
    await prover?.terminate();
    await logicSandbox.terminate();
    await Promise.all(pools.splice(0).map((sql) => sql.end({ timeout: 5 })));
  };
  try {
    const sql = pool(databaseUrl, { transform: postgres.camel, max: 10 });
    const readSql = readDatabaseUrl ? pool(readDatabaseUrl, { transform: postgres.camel, max: 10 }) : sql;
    // The hub's own data (certified datasets, derivation records) in its own schema, beside ponder's.
    const hubSql = pool(databaseUrl, { max: 4 });
    const datasets = createDatasetStore({ sql: hubSql });
    const derivations = createDerivationStore({ sql: hubSql });
    const assessments = createAssessmentStore(hubSql);
    const certificationAttempts = createCertificationAttemptStore({ sql: hubSql, logger });
    const logicModules = createLogicModuleStore(hubSql);
    const migrateExclusively = async (migrate: () => Promise<void>) => {
      const lock = await hubSql.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migrate();
      } finally {
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
        lock.release();
      }
    };
    await migrateExclusively(async () => {
      await datasets.migrate();
      await derivations.migrate();
      await assessments.migrate();
      await certificationAttempts.migrate();
      await createTelemetryTable(hubSql);
      await logicModules.migrate();
    });
    // Stamped in the chain's clock, which evolution epochs are cut in (a dev chain moved ahead runs days early).
    telemetry = withChainClock({
      recorder: await createTelemetryRecorder({ sql: hubSql, log: logger, migrate: false }),
      publicClient,
    });
    // Its workers start loading (tsx, snarkjs) now, while the servers start.
    prover = createProverPool(proving);
    const components = componentIdsOf(deployment);
    const tunedComponents = proverComponentsOf(components);
    // The hub exists only once its prover does: the kernel's improvements reach it through this late binding.
    let published: HubServices | undefined;
    const hubProver =
      evolution?.tuneProver && tunedComponents !== undefined
        ? await createTunedProver({
            pool: prover,
            telemetry,
            components: tunedComponents,
            seed: evolution.kernelSeed,
            loadLog: loadKernelLog({ sql: hubSql }),
            replica,
            onImprovement: async (improvement) => {
              if (published === undefined) return;
              const { reportId } = await publishHubEvolutionReport(published, reportOf(improvement));
              logger?.info(`${improvement.component}: evolution report ${reportId} published on-chain`);
            },
            log: (line) => logger?.info(line),
          })
        : prover;
    const hub: HubServices = {
      deployment,
      publicClient,
      walletClient,
      // One sender per process and signer: several replicas sharing a key resync their nonces from the chain.
      sender: createTransactionSender({ publicClient, walletClient }),
      indexer,
      datasets,
      derivations,
      assessments,
      certificationAttempts,
      prover: hubProver,
      telemetry,
      telemetrySql: hubSql,
      components,
      logicModules,
      logicSandbox,
    };
    published = hub;
    return { hub, sql, readSql, close, migrateExclusively };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The hub's own components' on-chain ids from the manifest (decimal strings there); undefined before they exist. */
function componentIdsOf(deployment: DeploymentManifest): HubServices["components"] {
  const components = (deployment as { components?: Record<string, string> }).components;
  if (components === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(components)
      .filter(([name]) => isHubComponentName(name))
      .map(([name, id]) => [name, BigInt(id)]),
  );
}

/** The compute components the kernel tunes, by circuit; undefined when the manifest names neither. */
function proverComponentsOf(
  components: HubServices["components"],
): Partial<Record<"coreQuality" | "derivationBinding", TunedProverComponent>> | undefined {
  const of = (name: "core-prover" | "binding-prover") => {
    const componentId = components?.[name];
    return componentId === undefined ? undefined : { componentId, name };
  };
  const core = of("core-prover");
  const binding = of("binding-prover");
  if (core === undefined && binding === undefined) return undefined;
  return { ...(core ? { coreQuality: core } : {}), ...(binding ? { derivationBinding: binding } : {}) };
}

/** The kernel's improvement as the hub publishes it: p95 of both telemetry windows added to the p50 figures. */
function reportOf(improvement: ProverImprovement) {
  const p95 = (records: readonly { latencyMs: number }[]) =>
    percentile(
      records.map((r) => r.latencyMs),
      95,
    );
  const { report } = improvement;
  return {
    component: improvement.component,
    report: {
      ...report,
      before: { ...report.before, p95LatencyMs: p95(improvement.before) },
      after: { ...report.after, p95LatencyMs: p95(improvement.after) },
    },
    decisionLogHash: improvement.decisionLogHash,
    configuration: improvement.configuration,
  };
}
