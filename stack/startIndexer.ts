import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import type { PartFailedError } from "./errors.js";
import { pruneOldBuilds } from "./pruneOldBuilds.js";
import { type RestartPolicy, type SupervisedProcess, superviseProcess } from "./superviseProcess.js";

const INDEXER_DIR = fileURLToPath(new URL("../indexer/", import.meta.url));
const ROOT = dirname(INDEXER_DIR.replace(/\/$/, ""));

export type StartIndexerParameters = {
  databaseUrl: string;
  rpcUrl: string;
  manifestPath: string;
  viewsSchema: string;
  port: number;
  logFile: string;
  /** Another ponder project (the bench's bare baseline); defaults to `indexer/`. */
  indexerDir?: string;
  /** Time for the first start, which includes the historical backfill. */
  readyTimeoutMs?: number;
  /**
   * The stack owns this database (embedded Postgres): no other ponder can hold this schema, so a lock left by a
   * ponder that did not finish its shutdown is released before the first start instead of waited out.
   */
  ownsDatabase?: boolean;
  log?: (line: string) => void;
  onGiveUp?: (error: PartFailedError) => void;
  /** Restart policy of the supervisor (tests shorten it). */
  restart?: RestartPolicy | undefined;
};

export type IndexerHandle = {
  url: string;
  /** ponder's own schema for this build; the views schema points at it. */
  schema: string;
  process: SupervisedProcess;
  /**
   * While ponder re-indexes after a restart: the block it had reached before (`target`) and the block this
   * process has really indexed so far (`reached`). Undefined once caught up. See `startIndexer`.
   */
  catchUp: () => { target: bigint; reached: bigint } | undefined;
  stop: () => Promise<void>;
};

/**
 * Runs ponder (a CLI only) against Postgres under the supervisor. ponder refuses to reuse a schema written by
 * another build, so the schema is named after a hash of everything that defines the build: handler code, table
 * definitions, config, the contracts' ABIs and the deployment. The views schema stays stable for the subgraph and
 * analysts.
 *
 * A restart (after a crash, or a warm `caldera up`) resumes in the same schema — but ponder's crash recovery first
 * rolls the tables back to its last *finalized* checkpoint (30 blocks behind on a dev chain) and re-indexes the rest,
 * while its `/status` still reports the block it had reached before. The supervisor therefore follows ponder's log:
 * until a live "Indexed block" reaches the pre-restart checkpoint, `catchUp()` reports the real progress, and the
 * hub's indexer client treats the indexer as that far behind.
 */
export async function startIndexer(parameters: StartIndexerParameters): Promise<IndexerHandle> {
  const {
    databaseUrl,
    rpcUrl,
    manifestPath,
    viewsSchema,
    port,
    logFile,
    indexerDir = INDEXER_DIR,
    readyTimeoutMs = 180_000,
    log = () => {},
    onGiveUp = () => {},
    ownsDatabase = false,
    restart,
  } = parameters;
  const schema = `${viewsSchema}_${buildHash(indexerDir, manifestPath).slice(0, 12)}`;
  const url = `http://127.0.0.1:${port}`;
  let catchUp: { target: bigint; reached: bigint } | undefined;
  const supervised = await superviseProcess({
    part: "indexer",
    command: process.execPath,
    args: [
      join(ROOT, "node_modules/ponder/dist/esm/bin/ponder.js"),
      "--root",
      indexerDir,
      "--log-format",
      "json",
      "start",
      "--schema",
      schema,
      "--views-schema",
      viewsSchema,
      "--port",
      String(port),
      "--hostname",
      "127.0.0.1",
    ],
    cwd: indexerDir,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      CALDERA_RPC_URL: rpcUrl,
      CALDERA_DEPLOYMENT_PATH: manifestPath,
      PONDER_TELEMETRY_DISABLED: "true",
    },
    logFile,
    readyTimeoutMs,
    ready: async () => (await fetch(`${url}/ready`).catch(() => undefined))?.status === 200,
    explain: (tail) => {
      const message = lastPonderError(tail);
      if (message === undefined) return undefined;
      if (/EADDRINUSE|address already in use/i.test(message))
        return {
          cause: `port ${port} is in use`,
          fix: "stop that process or set ports.indexer in caldera.config.json",
        };
      return { cause: `ponder stopped: ${message}`, fix: `see ${logFile}` };
    },
    beforeLaunch: async (attempt) => {
      const target = await latestCheckpointBlock(databaseUrl, schema);
      catchUp = target === undefined ? undefined : { target, reached: -1n };
      // A killed ponder leaves its schema locked until its heartbeat expires (25 s). On a restart the supervisor
      // knows the process is gone; on a first start only the stack's own database rules out another owner.
      if (attempt > 0 || ownsDatabase) await releasePonderLock(databaseUrl, schema);
    },
    onLine: (line) => {
      if (catchUp === undefined || !line.startsWith("{")) return;
      const entry = parseLine(line);
      const block =
        entry?.msg === "Indexed block"
          ? entry.number
          : entry?.msg === "Started live indexing"
            ? entry.finalized_block
            : undefined;
      if (block === undefined) return;
      const reached = BigInt(block) > catchUp.reached ? BigInt(block) : catchUp.reached;
      catchUp = reached >= catchUp.target ? undefined : { ...catchUp, reached };
    },
    log,
    onGiveUp,
    restart,
  });
  // ponder is ready: its backfill is done and the views point at this build's schema (see `pruneOldBuilds`).
  const pruned = await pruneOldBuilds({ databaseUrl, viewsSchema, schema, ownsDatabase }).catch(
    (error: unknown) => ({
      dropped: [],
      kept: [
        { schema: "old indexer schemas", reason: error instanceof Error ? error.message : String(error) },
      ],
    }),
  );
  if (pruned.dropped.length > 0) log(`    pruned old indexer schemas: ${pruned.dropped.join(", ")}`);
  for (const { schema: old, reason } of pruned.kept) log(`    kept ${old}: ${reason}`);
  return { url, schema, process: supervised, catchUp: () => catchUp, stop: supervised.stop };
}

async function releasePonderLock(databaseUrl: string, schema: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await sql`update ${sql(schema)}._ponder_meta
      set value = jsonb_set(value, '{is_locked}', to_jsonb(0)) where key = 'app'`;
  } catch {
    // No meta table yet (ponder died before creating it): nothing is locked.
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** The block of ponder's latest checkpoint in `schema`, or undefined for a schema ponder has not used yet. */
async function latestCheckpointBlock(databaseUrl: string, schema: string): Promise<bigint | undefined> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const rows = await sql<{ latestCheckpoint: string }[]>`
      select latest_checkpoint as "latestCheckpoint" from ${sql(schema)}._ponder_checkpoint`;
    const blocks = rows.map((r) => decodeCheckpointBlock(r.latestCheckpoint));
    // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min takes numbers only
    return blocks.length === 0 ? undefined : blocks.reduce((a, b) => (a < b ? a : b));
  } catch {
    return undefined;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/**
 * ponder's checkpoint is a fixed-width decimal string: block timestamp (10 digits), chain id (16), block number
 * (16), then transaction and event positions.
 */
export function decodeCheckpointBlock(checkpoint: string): bigint {
  return BigInt(checkpoint.slice(26, 42));
}

type PonderLine = {
  level?: number;
  msg?: string;
  number?: number;
  finalized_block?: number;
  error?: { message?: string };
};

function parseLine(line: string): PonderLine | undefined {
  try {
    return JSON.parse(line) as PonderLine;
  } catch {
    return undefined;
  }
}

/** ponder logs JSON lines; the last error-level message is the reason it stopped. */
function lastPonderError(tail: string[]): string | undefined {
  for (const line of [...tail].reverse()) {
    const entry = parseLine(line);
    if (entry === undefined && /error/i.test(line)) return line.trim();
    if ((entry?.level ?? 0) >= 50) return entry?.error?.message ?? entry?.msg;
  }
  return undefined;
}

/**
 * The build's identity: the indexer's files by their path inside the indexer folder (so the same code in another
 * folder is the same build, and a changed handler is a new one), the contracts' ABIs and the deployment.
 */
function buildHash(indexerDir: string, manifestPath: string): string {
  const hash = createHash("sha256");
  const indexerFiles = listFiles(indexerDir)
    .filter((f) => /\.(ts|json)$/.test(f) && !f.includes("/.ponder/") && !f.includes("/generated/"))
    .map((f) => ({ name: `indexer/${relative(indexerDir, f)}`, file: f }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const files = [
    ...indexerFiles,
    { name: "contracts/generated/abis.ts", file: join(ROOT, "contracts/generated/abis.ts") },
    { name: "deployment.json", file: manifestPath },
  ];
  for (const { name, file } of files) hash.update(name).update(readFileSync(file));
  return hash.digest("hex");
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
