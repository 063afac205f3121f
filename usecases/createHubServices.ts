import postgres, { type Sql } from "postgres";
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
import type { DeploymentManifest } from "../services/deployment.js";
import { traceSql } from "../services/traceSql.js";
import { createTransactionSender } from "./createTransactionSender.js";
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
}: CreateHubServicesParameters): Promise<CreateHubServicesReturnType> {
  const pools: Sql[] = [];
  let prover: ProverPool | undefined;
  const pool = (url: string, options: postgres.Options<Record<string, never>>) => {
    const sql: Sql = postgres(url, { ...options, onnotice: () => {} });
    pools.push(sql);
    return logger ? traceSql({ sql, logger }) : sql;
  };
  const close = async () => {
    await prover?.terminate();
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
    });
    // Its workers start loading (tsx, snarkjs) now, while the servers start.
    prover = createProverPool(proving);
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
      prover,
    };
    return { hub, sql, readSql, close, migrateExclusively };
  } catch (error) {
    await close();
    throw error;
  }
}
