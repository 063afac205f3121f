import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunFile } from "../cli/upCommand.js";
import { getFreePort } from "../stack/getFreePort.js";
import { removeDataDir } from "../test/support/removeDataDir.js";
import { spawnCalderaUp } from "../test/support/spawnCalderaUp.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * `npm start` as a user meets it: a cold start (fresh data folder: initdb, a new chain, compile and deploy, ponder
 * from scratch), a warm start (the same folder again), and the indexer killed with SIGKILL under the running stack,
 * timed until the gateway's `/ready` is 200 again.
 */
export const lifecycleBench: BenchSuite = {
  name: "stack/lifecycle",
  run: async () => {
    const dir = mkdtempSync(join(tmpdir(), "caldera-bench-lifecycle-"));
    const dataDir = join(dir, "data");
    const configFile = join(dir, "caldera.config.json");
    const ports = {
      gateway: await getFreePort(),
      subgraph: await getFreePort(),
      indexer: await getFreePort(),
      postgres: await getFreePort(),
      anvil: await getFreePort(),
    };
    writeFileSync(configFile, JSON.stringify({ ports }));
    const env = { CALDERA_DATA_DIR: dataDir, CALDERA_CONFIG: configFile };
    const gatewayReady = async () =>
      (await fetch(`http://127.0.0.1:${ports.gateway}/ready`).catch(() => undefined))?.status ?? 0;
    try {
      const cold = await spawnCalderaUp({ env });
      await cold.stop();
      const warm = await spawnCalderaUp({ env });
      let recoveryMs = Number.NaN;
      try {
        const run = JSON.parse(readFileSync(join(dataDir, "stack.json"), "utf8")) as RunFile;
        const indexerPid = run.processes.find((p) => p.part === "indexer")?.pid;
        if (indexerPid === undefined) throw new Error("no indexer pid in the run file");
        const killedAt = performance.now();
        process.kill(indexerPid, "SIGKILL");
        while ((await gatewayReady()) === 200) await new Promise((r) => setTimeout(r, 20));
        while ((await gatewayReady()) !== 200) {
          if (performance.now() - killedAt > 120_000)
            throw new Error("the gateway was not ready again in 120 s");
          await new Promise((r) => setTimeout(r, 50));
        }
        recoveryMs = performance.now() - killedAt;
      } finally {
        await warm.stop();
      }
      const rows: BenchRow[] = [
        {
          row: "`npm start` cold (fresh data folder) → hub up",
          target: "report",
          measured: seconds(cold.startMs),
          met: null,
        },
        {
          row: "`npm start` warm (second run, same data) → hub up",
          target: "< cold",
          measured: `${seconds(warm.startMs)} (${(warm.startMs / cold.startMs).toFixed(2)}× cold)`,
          met: warm.startMs < cold.startMs,
        },
        {
          row: "indexer SIGKILL → gateway /ready 200 again",
          // Without releasing the dead ponder's lock, a restart waits out its 25 s heartbeat expiry.
          target: "< 25 s (ponder's lock expiry)",
          measured: seconds(recoveryMs),
          met: recoveryMs < 25_000,
        },
      ];
      return rows;
    } finally {
      removeDataDir(dataDir);
      removeDataDir(dir);
    }
  },
};
