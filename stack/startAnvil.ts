import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { PartFailedError } from "./errors.js";
import { type RestartPolicy, type SupervisedProcess, superviseProcess } from "./superviseProcess.js";

export type StartAnvilParameters = {
  /** When set, this chain is used and nothing is started. */
  rpcUrl?: string | undefined;
  port: number;
  /** Chain state is loaded from and dumped to this file, so a restart keeps deployments and history. */
  stateFile?: string | undefined;
  logFile: string;
  log: (line: string) => void;
  onGiveUp: (error: PartFailedError) => void;
  /** Restart policy of the supervisor (tests shorten it). */
  restart?: RestartPolicy | undefined;
};

export type AnvilHandle = {
  rpcUrl: string;
  started: boolean;
  process?: SupervisedProcess | undefined;
  stop: () => Promise<void>;
};

/** anvil, supervised: restarted from its state file if it dies (losing at most the last state interval). */
export async function startAnvil({
  rpcUrl,
  port,
  stateFile,
  logFile,
  log,
  onGiveUp,
  restart,
}: StartAnvilParameters): Promise<AnvilHandle> {
  if (rpcUrl) return { rpcUrl, started: false, stop: async () => {} };
  // --silent: no line per RPC call (a backfill bench makes hundreds of thousands); errors still reach stderr.
  const args = ["--port", String(port), "--host", "127.0.0.1", "--chain-id", "31337", "--silent"];
  // Dumped every 2 s (and on SIGTERM) so a crash loses little; loading it on restart keeps the deployment.
  if (stateFile) args.push("--state", stateFile, "--state-interval", "2");
  const [command, prefix] = anvilCommand();
  const url = `http://127.0.0.1:${port}`;
  const process_ = await superviseProcess({
    part: "chain",
    command,
    args: [...prefix, ...args],
    logFile,
    readyTimeoutMs: 20_000,
    ready: async () => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      }).catch(() => undefined);
      return response?.ok === true;
    },
    explain: (tail) =>
      tail.some((l) => /address already in use/i.test(l))
        ? {
            cause: `port ${port} is in use`,
            fix: "stop that process or set ports.anvil in caldera.config.json",
          }
        : tail.some((l) => /state/i.test(l) && /(error|failed)/i.test(l))
          ? {
              cause: `its state file ${stateFile} cannot be loaded`,
              fix: "move the file away to start a fresh dev chain (the deployment is then redone)",
            }
          : undefined,
    log,
    onGiveUp,
    restart,
  });
  return { rpcUrl: url, started: true, process: process_, stop: process_.stop };
}

/**
 * The platform package's native binary, so signals reach anvil itself (it dumps its state on SIGTERM); the npm
 * wrapper script is the fallback on platforms whose package layout differs.
 */
function anvilCommand(): [string, string[]] {
  const require = createRequire(import.meta.url);
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  try {
    const dir = dirname(require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`));
    return [join(dir, "bin", "anvil"), []];
  } catch {
    return [process.execPath, [join(dirname(require.resolve("@foundry-rs/anvil/package.json")), "bin.mjs")]];
  }
}
