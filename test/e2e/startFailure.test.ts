import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CalderaConfig } from "../../config/loadCalderaConfig.js";
import { PartStartError, PortInUseError } from "../../stack/errors.js";
import { startStack } from "../../stack/startStack.js";
import { removeDataDir } from "../support/removeDataDir.js";

const dirs: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
  for (const dir of dirs.splice(0)) removeDataDir(dir);
});

/** Processes whose command line names `dataDir`: what a failed start must not leave behind. */
function processesUsing(dataDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(dataDir) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function takePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    servers.push(server);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

const config = (ports: Partial<CalderaConfig["ports"]>): CalderaConfig => ({
  ports: { gateway: 0, subgraph: 0, indexer: 0, postgres: 0, anvil: 0, ...ports },
  viewsSchema: "caldera",
  partners: [],
  maxIndexerLagBlocks: 2,
});

describe("a part that cannot start stops the start-up within seconds, typed, leaving nothing behind", () => {
  it("a taken indexer port rejects with PortInUseError naming the part and config key", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "caldera start "));
    dirs.push(dataDir);
    const port = await takePort();
    const lines: string[] = [];
    const started = Date.now();
    const error = await startStack({
      config: config({ indexer: port }),
      dataDir,
      env: {},
      log: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(PortInUseError);
    expect(error).toMatchObject({
      code: "PORT_IN_USE",
      details: { part: "indexer", port, configKey: "ports.indexer" },
    });
    expect((error as Error).message).toBe(
      `indexer cannot start: port ${port} is in use by another process — stop that process or set ports.indexer in caldera.config.json`,
    );
    expect(processesUsing(dataDir)).toEqual([]);
  });

  it("a chain that dies before it is ready rejects with the chain's PartStartError after stopping Postgres", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "caldera start "));
    dirs.push(dataDir);
    // anvil refuses a state file that is not JSON state.
    writeFileSync(join(dataDir, "anvil-state.json"), "this is not a state dump");
    const started = Date.now();
    const error = await startStack({ config: config({}), dataDir, env: {}, log: () => {} }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error).toBeInstanceOf(PartStartError);
    expect(error).toMatchObject({ code: "PART_START_FAILED", details: { part: "chain" } });
    expect((error as Error).message).toMatch(/^chain cannot start: .+ — .+/);
    expect(processesUsing(dataDir)).toEqual([]);
  });
});
