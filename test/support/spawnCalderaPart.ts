import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestStack } from "./startTestStack.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A `caldera <command>` process (`subgraph`, `gateway`) started by `spawnCalderaPart`. */
export type CalderaPart = {
  name: string;
  child: ChildProcess;
  /** Its stdout and stderr, line by line. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its GraphQL endpoint. */
  url: string;
};

/**
 * `node bin/caldera.mjs <command>` on `port` with the production image's environment (`imageEnvironment`) and the
 * given one (none of the developer's services, log level `warn` unless given), resolved once it says it is
 * serving; rejects with its output if it exits first. The way production runs the parts apart
 * (docs/production.md): used by the replica test and the scale bench.
 */
export async function spawnCalderaPart(
  name: string,
  command: "subgraph" | "gateway",
  env: Record<string, string>,
  port: number,
): Promise<CalderaPart> {
  const base = { ...process.env };
  for (const key of Object.keys(base)) if (/^(DATABASE_|CALDERA_|PORT$|HOST$)/.test(key)) delete base[key];
  const child = spawn(process.execPath, ["bin/caldera.mjs", command], {
    cwd: root,
    env: { ...base, ...imageEnvironment(), CALDERA_LOG_LEVEL: "warn", PORT: String(port), ...env },
    stdio: "pipe",
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const part: CalderaPart = { name, child, output, exited, url: `http://127.0.0.1:${port}/graphql` };
  const onData = (chunk: Buffer) => output.push(...chunk.toString().split("\n").filter(Boolean));
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.some((l) => l.includes(`caldera ${command}: serving`))) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then(({ code }) => {
      clearInterval(timer);
      reject(new Error(`${name} exited with ${code}:\n${output.join("\n")}`));
    });
  });
  return part;
}

/**
 * The variables `deploy/Dockerfile` sets (its `ENV` lines: NODE_ENV, the V8 heap flags, telemetry off), so that a
 * part spawned here runs as the production image runs it and the figures measured on it are production's.
 */
export function imageEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const line of readFileSync(join(root, "deploy/Dockerfile"), "utf8").split("\n")) {
    if (!line.startsWith("ENV ")) continue;
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const at = pair.indexOf("=");
      if (at > 0) environment[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return environment;
}

/** Polls `GET /ready` of a part until it answers 200. */
export async function waitReady(url: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await fetch(new URL("/ready", url)).catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) throw new Error(`${url} not ready in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `caldera subgraph`'s environment on a test stack's Postgres, chain, indexer and deployment. */
export function subgraphEnvironmentOf(
  stack: TestStack,
  { config, secret }: { config: string; secret: string },
): Record<string, string> {
  return {
    DATABASE_URL: stack.postgresUrl,
    CALDERA_RPC_URL: stack.rpcUrl,
    CALDERA_INDEXER_URL: stack.indexer.url,
    CALDERA_DEPLOYMENT: join(stack.dataDir, "deployment.json"),
    CALDERA_GATEWAY_SECRET: secret,
    CALDERA_CONFIG: config,
  };
}
