import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stopChild } from "./startAnvil.js";
import { waitFor } from "./waitFor.js";

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
};

export type IndexerHandle = {
  url: string;
  /** ponder's own schema for this build; the views schema points at it. */
  schema: string;
  pid: number | undefined;
  /** Resolves once every block up to `blockNumber` is indexed. */
  waitForBlock: (blockNumber: bigint, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
};

/**
 * Runs ponder (a CLI only) against Postgres. ponder refuses to reuse a schema written by another build, so the
 * schema is named after a hash of everything that defines the build: handler code, table definitions, config, the
 * contracts' ABIs and the deployment. The views schema stays stable for the subgraph and analysts.
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
  } = parameters;
  const schema = `${viewsSchema}_${buildHash(indexerDir, manifestPath).slice(0, 12)}`;
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(
    process.execPath,
    [
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
    {
      cwd: indexerDir,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        CALDERA_RPC_URL: rpcUrl,
        CALDERA_DEPLOYMENT_PATH: manifestPath,
        PONDER_TELEMETRY_DISABLED: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const exited = () => {
    if (child.exitCode !== null) throw new Error(`ponder exited with ${child.exitCode}; see ${logFile}`);
  };
  await waitFor(
    "indexer",
    async () => {
      exited();
      return (await fetch(`${url}/ready`).catch(() => undefined))?.status === 200;
    },
    180_000,
    200,
  );
  const waitForBlock = (blockNumber: bigint, timeoutMs = 30_000) =>
    waitFor(
      `indexer at block ${blockNumber}`,
      async () => {
        exited();
        return (await indexedBlock(url)) >= blockNumber;
      },
      timeoutMs,
      25,
    );
  return { url, schema, pid: child.pid, waitForBlock, stop: () => stopChild(child) };
}

/**
 * ponder's /ready can answer before the newest blocks (its live path on a dev chain) are indexed; /status reports
 * the block each chain has reached.
 */
export async function indexedBlock(indexerUrl: string): Promise<bigint> {
  const response = await fetch(`${indexerUrl}/status`).catch(() => undefined);
  if (!response?.ok) return -1n;
  const status = (await response.json()) as Record<string, { block?: { number?: number } }>;
  const numbers = Object.values(status).map((chain) => chain.block?.number ?? -1);
  return BigInt(numbers.length === 0 ? -1 : Math.min(...numbers));
}

function buildHash(indexerDir: string, manifestPath: string): string {
  const hash = createHash("sha256");
  const files = [
    ...listFiles(indexerDir).filter(
      (f) => /\.(ts|json)$/.test(f) && !f.includes("/.ponder/") && !f.includes("/generated/"),
    ),
    join(ROOT, "contracts/generated/abis.ts"),
    manifestPath,
  ];
  for (const file of files.sort()) hash.update(file.replace(ROOT, "")).update(readFileSync(file));
  return hash.digest("hex");
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
