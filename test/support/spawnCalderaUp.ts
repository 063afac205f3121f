import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export type CalderaUp = {
  child: ChildProcess;
  /** Everything it printed so far, one entry per line. */
  output: string[];
  exited: Promise<number | null>;
  /** Milliseconds from spawn to "Caldera hub is up". */
  startMs: number;
  /** SIGINT (Ctrl-C) and wait for the exit code. */
  stop: () => Promise<number | null>;
};

export type SpawnCalderaUpParameters = {
  /** The checkout to run in (default: this one). */
  cwd?: string;
  /** Added to the environment; DATABASE_URL, CALDERA_RPC_URL and CALDERA_PRIVATE_KEY are removed first. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Run as another user (a non-root user's `npm start`, from a root test). */
  runAs?: { uid: number; gid: number };
};

/** Runs `caldera up` exactly as `npm start` does and resolves once it printed that the hub is up. */
export async function spawnCalderaUp({
  cwd = fileURLToPath(new URL("../../", import.meta.url)),
  env: extra = {},
  timeoutMs = 200_000,
  runAs,
}: SpawnCalderaUpParameters = {}): Promise<CalderaUp> {
  const env = { ...process.env };
  for (const key of [
    "DATABASE_URL",
    "CALDERA_RPC_URL",
    "CALDERA_PRIVATE_KEY",
    "CALDERA_DATA_DIR",
    "CALDERA_CONFIG",
  ])
    delete env[key];
  const started = performance.now();
  const child = spawn(process.execPath, ["bin/caldera.mjs", "up"], {
    cwd,
    env: { ...env, ...extra },
    stdio: "pipe",
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(...chunk.toString().split("\n"));
      if (output.some((l) => l.startsWith("Caldera hub is up"))) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => reject(new Error(`caldera up exited with ${code}:\n${output.join("\n")}`)));
    setTimeout(() => {
      child.kill("SIGINT");
      reject(new Error(`caldera up not up after ${timeoutMs / 1000} s:\n${output.join("\n")}`));
    }, timeoutMs).unref();
  });
  const startMs = performance.now() - started;
  return {
    child,
    output,
    exited,
    startMs,
    stop: async () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}
