import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { PartFailedError } from "./errors.js";
import { PartStartError } from "./errors.js";
import { type SupervisedProcess, superviseProcess } from "./superviseProcess.js";

const dirs: string[] = [];
const running: SupervisedProcess[] = [];

afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "caldera-supervise-"));
  dirs.push(dir);
  return dir;
}

/** A child that prints a few lines, writes a "ready" file, then lives until killed (or exits with `exitCode`). */
function script(
  dir: string,
  { exitAfterMs, exitCode = 3 }: { exitAfterMs?: number; exitCode?: number } = {},
) {
  const path = join(dir, "child.mjs");
  writeFileSync(
    path,
    `import { writeFileSync } from "node:fs";
     console.log("line one"); console.error("line two on stderr");
     writeFileSync(process.argv[2], String(process.pid));
     ${exitAfterMs === undefined ? "setInterval(() => {}, 1000);" : `setTimeout(() => { console.log("about to fail"); process.exit(${exitCode}); }, ${exitAfterMs});`}`,
  );
  return path;
}

const quick = { maxRestarts: 2, windowMs: 60_000, backoffMs: () => 50 };

describe("superviseProcess", () => {
  it("resolves once ready and keeps the child's output in its log file", async () => {
    const dir = scratch();
    const readyFile = join(dir, "ready");
    const supervised = await superviseProcess({
      part: "indexer",
      command: process.execPath,
      args: [script(dir), readyFile],
      logFile: join(dir, "logs", "child.log"),
      ready: async () => readFileSync(readyFile, "utf8").length > 0,
      readyTimeoutMs: 10_000,
      log: () => {},
      onGiveUp: () => {},
    });
    running.push(supervised);
    expect(supervised.state()).toBe("running");
    expect(supervised.pid()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(supervised.logTail()).toEqual(expect.arrayContaining(["line one", "line two on stderr"]));
    await supervised.stop();
    expect(supervised.state()).toBe("stopped");
    expect(readFileSync(join(dir, "logs", "child.log"), "utf8")).toContain("line one");
  });

  it("rejects at once with PartStartError when the binary does not exist", async () => {
    const dir = scratch();
    const started = Date.now();
    const error = await superviseProcess({
      part: "chain",
      command: join(dir, "no-such-binary"),
      args: [],
      logFile: join(dir, "x.log"),
      ready: async () => false,
      readyTimeoutMs: 30_000,
      log: () => {},
      onGiveUp: () => {},
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as PartStartError).message).toMatch(
      /^chain cannot start: cannot run .* ENOENT — run `npm install`/,
    );
  });

  it("rejects with the exit code and the last log line when the child dies before it is ready", async () => {
    const dir = scratch();
    const error = await superviseProcess({
      part: "postgres",
      command: process.execPath,
      args: [script(dir, { exitAfterMs: 10, exitCode: 7 }), join(dir, "ready")],
      logFile: join(dir, "x.log"),
      ready: async () => false,
      readyTimeoutMs: 30_000,
      log: () => {},
      onGiveUp: () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as PartStartError).message).toContain("exited with exit code 7 before it was ready");
    expect((error as PartStartError).details.logTail).toContain("about to fail");
  });

  it("rejects after the readiness time-out and kills the child", async () => {
    const dir = scratch();
    const lines: string[] = [];
    const error = await superviseProcess({
      part: "indexer",
      command: process.execPath,
      args: [script(dir), join(dir, "ready")],
      logFile: join(dir, "x.log"),
      ready: async () => false,
      readyTimeoutMs: 300,
      log: (l) => lines.push(l),
      onGiveUp: () => {},
    }).catch((e: unknown) => e);
    expect((error as PartStartError).message).toMatch(/^indexer cannot start: not ready after 0.3 s/);
    const pid = Number(readFileSync(join(dir, "ready"), "utf8"));
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it("restarts a child that exits, logging the exit and its last lines, and gives up after too many failures", async () => {
    const dir = scratch();
    const readyFile = join(dir, "ready");
    const lines: string[] = [];
    let gaveUp: PartFailedError | undefined;
    let launches = 0;
    const supervised = await superviseProcess({
      part: "indexer",
      command: process.execPath,
      args: [script(dir, { exitAfterMs: 150 }), readyFile],
      logFile: join(dir, "x.log"),
      ready: async () => {
        try {
          return readFileSync(readyFile, "utf8").length > 0;
        } finally {
          rmSync(readyFile, { force: true });
        }
      },
      readyTimeoutMs: 5_000,
      beforeLaunch: async () => {
        launches += 1;
      },
      restart: quick,
      log: (l) => lines.push(l),
      onGiveUp: (error) => {
        gaveUp = error;
      },
    });
    running.push(supervised);
    const deadline = Date.now() + 10_000;
    while (gaveUp === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(gaveUp?.code).toBe("PART_FAILED");
    expect(gaveUp?.message).toBe(
      "indexer failed 3 times (last: exit code 3); the stack stopped — see its log",
    );
    expect(supervised.state()).toBe("failed");
    expect(supervised.restarts()).toBe(2);
    expect(launches).toBe(3);
    expect(lines).toContain("indexer: exited unexpectedly with exit code 3; last lines of its log:");
    expect(lines).toContain("    about to fail");
    expect(lines.filter((l) => /^indexer: restarting in 0\.1 s/.test(l))).toHaveLength(2);
  });

  it("does not restart a child it was asked to stop", async () => {
    const dir = scratch();
    const readyFile = join(dir, "ready");
    const lines: string[] = [];
    const supervised = await superviseProcess({
      part: "chain",
      command: process.execPath,
      args: [script(dir), readyFile],
      logFile: join(dir, "x.log"),
      ready: async () => readFileSync(readyFile, "utf8").length > 0,
      readyTimeoutMs: 5_000,
      restart: quick,
      log: (l) => lines.push(l),
      onGiveUp: () => {},
    });
    await supervised.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.filter((l) => l.includes("exited unexpectedly"))).toEqual([]);
    expect(supervised.state()).toBe("stopped");
  });
});
