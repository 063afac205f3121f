import { existsSync, readFileSync } from "node:fs";
import { BaseError } from "../errors/BaseError.js";
import { isAlive } from "./gatewayRequest.js";
import { stackLocation } from "./stackLocation.js";
import type { RunFile } from "./upCommand.js";

type PartRow = { part: string; state: string; detail: string };

export type StatusReport = {
  running: boolean;
  ready: boolean;
  indexerLagBlocks: number | null;
  parts: PartRow[];
  urls: Record<string, string>;
};

class StackNotRunningError extends BaseError {
  override name = "StackNotRunningError";
  constructor(dataDir: string) {
    super(`no stack is running from ${dataDir} — start one with \`npm start\``, {
      code: "STACK_NOT_RUNNING",
    });
  }
}

/**
 * `caldera status [--json]`: each part's state (the supervisor's view from the run file, plus a live probe of the
 * subgraph's and gateway's `/ready`), the indexer's lag in blocks and the URLs. Exit 0 when ready, 1 otherwise.
 */
export async function statusCommand(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const { dataDir, runFile } = stackLocation();
  const run = existsSync(runFile) ? (JSON.parse(readFileSync(runFile, "utf8")) as RunFile) : undefined;
  if (run === undefined || !isAlive(run.pid)) {
    if (json) {
      print({ running: false, ready: false, indexerLagBlocks: null, parts: [], urls: {} });
      return 1;
    }
    throw new StackNotRunningError(dataDir);
  }
  const [subgraph, gateway] = await Promise.all([probe(run.subgraphUrl), probe(run.gatewayUrl)]);
  const supervised = new Map(run.processes.map((p) => [p.part, p]));
  const report = subgraph.body as {
    postgres?: { ok: boolean; detail: string };
    chain?: { ok: boolean; detail: string };
    indexer?: { ok: boolean; detail: string; lagBlocks?: number };
  };
  const row = (part: string, probed: { ok: boolean; detail: string } | undefined): PartRow => {
    const process_ = supervised.get(part);
    const processState =
      process_ === undefined || process_.state === "running" || process_.state === "external"
        ? undefined
        : `${process_.state}${process_.restarts ? ` (restarts: ${process_.restarts})` : ""}`;
    return {
      part,
      state: processState ?? (probed === undefined ? "unknown" : probed.ok ? "ready" : "not ready"),
      detail: [
        process_?.pid ? `pid ${process_.pid}` : process_?.state === "external" ? "external" : "",
        probed?.detail ?? "",
      ]
        .filter(Boolean)
        .join(", "),
    };
  };
  const status: StatusReport = {
    running: true,
    ready: subgraph.ok && gateway.ok,
    indexerLagBlocks: report.indexer?.lagBlocks ?? null,
    parts: [
      row("postgres", report.postgres),
      row("chain", report.chain),
      row("indexer", report.indexer),
      { part: "subgraph", state: subgraph.ok ? "ready" : "not ready", detail: run.subgraphUrl },
      { part: "gateway", state: gateway.ok ? "ready" : "not ready", detail: run.gatewayUrl },
    ],
    urls: {
      gateway: run.gatewayUrl,
      subgraph: run.subgraphUrl,
      indexer: run.indexerUrl,
      postgres: run.postgresUrl.replace(/\/\/([^:/]+):[^@]+@/, "//$1:***@"),
      // The read-only role's URL, whole: it is the one analysts are given.
      ...(run.analystUrl ? { analysts: run.analystUrl } : {}),
      chain: run.rpcUrl,
    },
  };
  if (json) print(status);
  else {
    const width = Math.max(...status.parts.map((p) => p.part.length));
    const stateWidth = Math.max(...status.parts.map((p) => p.state.length));
    process.stdout.write(
      `Caldera hub: ${status.ready ? "ready" : "NOT READY"} (pid ${run.pid}, up since ${run.startedAt})\n`,
    );
    for (const p of status.parts)
      process.stdout.write(`  ${p.part.padEnd(width)}  ${p.state.padEnd(stateWidth)}  ${p.detail}\n`);
    process.stdout.write(`  indexer lag: ${status.indexerLagBlocks ?? "unknown"} block(s)\n`);
    for (const [name, url] of Object.entries(status.urls))
      process.stdout.write(`  ${name.padEnd(9)} ${url}\n`);
  }
  return status.ready ? 0 : 1;
}

async function probe(graphqlUrl: string): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const response = await fetch(new URL("/ready", graphqlUrl), { signal: AbortSignal.timeout(5_000) }).catch(
    () => undefined,
  );
  if (response === undefined) return { ok: false, body: {} };
  return {
    ok: response.status === 200,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
}

function print(value: unknown) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
