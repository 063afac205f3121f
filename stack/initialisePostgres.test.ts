import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PartStartError } from "./errors.js";
import { getFreePort } from "./getFreePort.js";
import { initialisePostgres } from "./initialisePostgres.js";
import { type PreparePostgresInstallReturnType, preparePostgresInstall } from "./preparePostgresInstall.js";

const USER = "caldera";
const PASSWORD = "pass word with spaces";
const cleanup: string[] = [];
let server: ChildProcess | undefined;
let checkout: string;
let install: PreparePostgresInstallReturnType;

/** A fresh data folder prepared the way startPostgres does it, inside a root-owned mode-700 folder with a space. */
async function prepareFresh() {
  const dir = mkdtempSync(join(tmpdir(), "caldera checkout "));
  cleanup.push(dir);
  const prepared = await preparePostgresInstall({ dataDir: join(dir, ".caldera", "postgres") });
  if (prepared.relocated) cleanup.push(dirname(prepared.dataDir));
  return { dir, prepared };
}

/**
 * The password file's folder lives in os.tmpdir(); other test files' stacks make their own there at the same time,
 * so this file points TMPDIR at a private folder (traversable by the postgres user) to count only its own.
 */
const privateTmp = mkdtempSync(join(tmpdir(), "caldera-initdb-tmp-"));
chmodSync(privateTmp, 0o711);
process.env.TMPDIR = privateTmp;

function pwfileFolders() {
  return readdirSync(privateTmp).filter((name) => name.startsWith("caldera-pwfile-"));
}

beforeAll(async () => {
  ({ dir: checkout, prepared: install } = await prepareFresh());
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    server.kill("SIGKILL");
    await exited;
  }
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  rmSync(privateTmp, { recursive: true, force: true });
});

describe("initialisePostgres", () => {
  it("creates a cluster in the prepared (relocated when root) data folder, once", async () => {
    if (process.getuid?.() === 0) {
      expect(install.relocated).toBe(true);
      expect(install.dataDir.startsWith(checkout)).toBe(false);
    }
    const before = pwfileFolders();
    const lines: string[] = [];

    const first = await initialisePostgres({
      install,
      user: USER,
      password: PASSWORD,
      log: (l) => lines.push(l),
    });
    expect(first).toEqual({ created: true });
    const version = join(install.dataDir, "PG_VERSION");
    expect(existsSync(version)).toBe(true);
    expect(statSync(version).uid).toBe(install.runAs?.uid ?? process.getuid?.());
    expect(lines.some((l) => l.includes("Success"))).toBe(true);
    // The password file's folder is gone again.
    expect(pwfileFolders()).toEqual(before);
    // Reachable through the requested path too (the symlink).
    expect(existsSync(join(checkout, ".caldera", "postgres", "PG_VERSION"))).toBe(true);

    const mtime = statSync(version).mtimeMs;
    const second = await initialisePostgres({ install, user: USER, password: PASSWORD });
    expect(second).toEqual({ created: false });
    expect(statSync(version).mtimeMs).toBe(mtime);
  });

  it("starts a server on the cluster that accepts the initialised user and password", async () => {
    const port = await getFreePort();
    const args = ["-D", install.dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1"];
    args.push("-c", "unix_socket_directories=");
    const child = spawn(join(install.binDir, "postgres"), args, {
      cwd: "/",
      stdio: ["ignore", "ignore", "pipe"],
      ...(install.runAs ? { uid: install.runAs.uid, gid: install.runAs.gid } : {}),
    });
    server = child;
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`postgres not ready after 20 s:\n${output}`)), 20_000);
      child.on("error", reject);
      child.once("exit", (code) => reject(new Error(`postgres exited with ${code}:\n${output}`)));
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (output.includes("ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    const sql = postgres({
      host: "127.0.0.1",
      port,
      user: USER,
      password: PASSWORD,
      database: "postgres",
      max: 1,
    });
    try {
      const [row] = await sql`select 1 as one, current_user as who`;
      expect(row).toEqual({ one: 1, who: USER });
    } finally {
      await sql.end({ timeout: 2 });
    }
    const wrong = postgres({
      host: "127.0.0.1",
      port,
      user: USER,
      password: "wrong",
      database: "postgres",
      max: 1,
    });
    await expect(wrong`select 1`).rejects.toThrow(/password authentication failed/);
    await wrong.end({ timeout: 2 });

    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("rejects with a typed error within a second when initdb cannot be run", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "caldera empty "));
    cleanup.push(dataDir);
    const started = Date.now();

    const error = await initialisePostgres({
      install: { ...install, binDir: "/nonexistent/caldera/bin", dataDir },
      user: USER,
      password: PASSWORD,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as PartStartError).code).toBe("PART_START_FAILED");
    expect((error as Error).message).toMatch(/postgres cannot start: cannot run .*initdb: ENOENT/);
  });

  it("rejects with initdb's own error line when initdb fails", async () => {
    const { prepared } = await prepareFresh();
    // Not a cluster, not empty: initdb refuses it.
    mkdirSync(join(prepared.dataDir, "stray"));
    writeFileSync(join(prepared.dataDir, "stray", "file"), "x");

    const error = await initialisePostgres({ install: prepared, user: USER, password: PASSWORD }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as PartStartError).code).toBe("PART_START_FAILED");
    expect((error as Error).message).toMatch(/initdb failed: .*exists but is not empty/);
    expect(((error as PartStartError).details.logTail as string[]).length).toBeGreaterThan(0);
  });
});
