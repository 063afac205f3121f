import { renameSync, rmSync, writeFileSync } from "node:fs";
import { startStack } from "../stack/startStack.js";
import { stackLocation } from "./stackLocation.js";

/** What `caldera up` records while it runs, for `caldera status`. */
export type RunFile = {
  pid: number;
  startedAt: string;
  gatewayUrl: string;
  subgraphUrl: string;
  indexerUrl: string;
  /** The hub's own connection, password hidden: the app role's is not for sharing. */
  postgresUrl: string;
  /** The read-only analyst role's URL, password included (it is the one to share); absent with DATABASE_URL. */
  analystUrl?: string | undefined;
  rpcUrl: string;
  chainId: number;
  /** The supervisor's view, refreshed every 2 s: state (running, restarting, …), pid and restarts per part. */
  processes: { part: string; state: string; pid?: number | undefined; restarts: number }[];
  updatedAt: string;
};

/**
 * `caldera up` (`npm start`): the whole stack on embedded defaults until Ctrl-C. Exits 1 with one line when a part
 * cannot start, or when a part keeps failing at run time (the supervisor gave up and the stack stopped).
 */
export async function upCommand(_args: string[]): Promise<number> {
  const { config, dataDir, runFile } = stackLocation();
  const started = performance.now();
  const stack = await startStack({ config, dataDir, log: (line) => console.log(line) });
  const startedAt = new Date().toISOString();
  const writeRunFile = () => {
    const run: RunFile = {
      pid: process.pid,
      startedAt,
      gatewayUrl: stack.gatewayUrl,
      subgraphUrl: stack.subgraphUrl,
      indexerUrl: stack.indexer.url,
      postgresUrl: redactPassword(stack.postgresUrl),
      ...(stack.analystUrl ? { analystUrl: stack.analystUrl } : {}),
      rpcUrl: stack.rpcUrl,
      chainId: stack.deployment.chainId,
      processes: stack.parts(),
      updatedAt: new Date().toISOString(),
    };
    // Owner-only: it holds the analysts' password. Written aside and renamed over, so a reader (`caldera status`,
    // a demo) never sees a half-written file while the stack refreshes it.
    writeFileSync(`${runFile}.tmp`, `${JSON.stringify(run, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${runFile}.tmp`, runFile);
  };
  writeRunFile();
  console.log(`
Caldera hub is up (${((performance.now() - started) / 1000).toFixed(1)} s)
  gateway   ${stack.gatewayUrl}        ← frontends query here
  subgraph  ${stack.subgraphUrl}
  postgres  ${
    stack.analystUrl
      ? `${stack.analystUrl}   ← analysts: read-only, views in schema "${config.viewsSchema}", statement timeout`
      : `${redactPassword(stack.postgresUrl)}   ← DATABASE_URL: set up a read-only role for analysts (README, "For analysts")`
  }
  chain     ${stack.rpcUrl} (chain ${stack.deployment.chainId})
  registry  ${stack.deployment.contracts.CoreCertificateRegistry.address}
  logs      ${dataDir}/logs
\`npx caldera status\` shows each part's state. Ctrl-C stops everything.`);
  // A restarted part has a new pid: keep the run file current for `caldera status`.
  const refresh = setInterval(writeRunFile, 2_000);
  const outcome = await new Promise<number>((done) => {
    const shutdown = (signal: string) => {
      console.log(`\n${signal}: stopping gateway, subgraph, indexer, chain and postgres…`);
      stack.stop().then(
        () => done(0),
        () => done(1),
      );
    };
    const onInt = () => shutdown("SIGINT");
    const onTerm = () => shutdown("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
    void stack.failed.then((error) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      process.stderr.write(`caldera up: ${error.code}: ${error.message}\n`);
      done(1);
    });
  });
  clearInterval(refresh);
  rmSync(runFile, { force: true });
  if (outcome === 0) console.log("stopped cleanly");
  return outcome;
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/]+):[^@]+@/, "//$1:***@");
}
