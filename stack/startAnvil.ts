import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { waitFor } from "./waitFor.js";

export type StartAnvilParameters = {
  /** When set, this chain is used and nothing is started. */
  rpcUrl?: string | undefined;
  port: number;
  /** Chain state is loaded from and dumped to this file, so a restart keeps deployments and history. */
  stateFile?: string | undefined;
  log: (line: string) => void;
};

export type AnvilHandle = {
  rpcUrl: string;
  started: boolean;
  pid?: number | undefined;
  stop: () => Promise<void>;
};

export async function startAnvil({
  rpcUrl,
  port,
  stateFile,
  log,
}: StartAnvilParameters): Promise<AnvilHandle> {
  if (rpcUrl) return { rpcUrl, started: false, stop: async () => {} };
  const args = ["--port", String(port), "--host", "127.0.0.1", "--chain-id", "31337", "--silent"];
  if (stateFile) args.push("--state", stateFile, "--state-interval", "10");
  const [command, prefix] = anvilCommand();
  const child = spawn(command, [...prefix, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.on("data", (chunk: Buffer) => log(`anvil: ${chunk.toString().trim()}`));
  const url = `http://127.0.0.1:${port}`;
  await waitFor("anvil", async () => {
    if (child.exitCode !== null) throw new Error(`anvil exited with ${child.exitCode}`);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    }).catch(() => undefined);
    return response?.ok === true;
  });
  return { rpcUrl: url, started: true, pid: child.pid, stop: () => stopChild(child) };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
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
