import { BaseError } from "../errors/BaseError.js";

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  up: {
    summary: "start postgres, chain, contracts, indexer, subgraph and gateway; Ctrl-C stops all",
    load: async () => (await import("./upCommand.js")).upCommand,
  },
  subgraph: {
    summary: "Caldera's subgraph alone (one of N replicas), configured by the environment",
    load: async () => (await import("./subgraphCommand.js")).subgraphCommand,
  },
  gateway: {
    summary: "the gateway alone (one of M), over CALDERA_SUBGRAPH_URLS and the config's partners",
    load: async () => (await import("./gatewayCommand.js")).gatewayCommand,
  },
  status: {
    summary: "each part's state, the indexer's lag and the URLs of the running stack (--json)",
    load: async () => (await import("./statusCommand.js")).statusCommand,
  },
  demo: {
    summary:
      "derivation | circulation | risk — the value-derivation, ERA-circulation and cross-domain risk stories on the running dev stack (safe to run twice)",
    load: async () => (await import("./demoCommand.js")).demoCommand,
  },
  derivative: {
    summary:
      "verify <id> — re-run a derivative's model on its published features and check its binding proofs",
    load: async () => (await import("./derivativeCommand.js")).derivativeCommand,
  },
  governance: {
    summary: "list | rules | propose-rule | vote | queue | execute  — node governance through the gateway",
    load: async () => (await import("./governanceCommand.js")).governanceCommand,
  },
  test: {
    summary: "forge contract tests + vitest; ends with `N passed, N failed` (args go to vitest)",
    load: async () => (await import("./testCommand.js")).testCommand,
  },
  bench: {
    summary: "measure every speed and memory target in one run and print the table (args filter suites)",
    load: async () => (await import("../bench/main.js")).runBench,
  },
  model: {
    summary: "list | schema <id> | run <id>  — run derivation models on JSON (stdin → stdout)",
    load: async () => (await import("./modelCommand.js")).modelCommand,
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) {
    const usage = Object.entries(commands)
      .map(([n, c]) => `  caldera ${n.padEnd(8)} ${c.summary}`)
      .join("\n");
    process.stderr.write(`usage:\n${usage}\n`);
    return name === undefined || name === "help" || name === "--help" ? 0 : 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    if (error instanceof BaseError) {
      process.stderr.write(`caldera ${name}: ${error.code}: ${error.message}\n`);
      return 1;
    }
    // Not ours: still one line, the trace only on request.
    process.stderr.write(
      `caldera ${name}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`,
    );
    if (process.env.CALDERA_DEBUG) console.error(error);
    return 1;
  }
}
