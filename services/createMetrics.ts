import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { IndexerClient } from "./createIndexerClient.js";

/** How a GraphQL request ended: no errors, data with errors, or errors and no data (a request error included). */
export type RequestOutcome = "ok" | "partial" | "error";

/** `query`, `mutation`, `subscription`, or `none` when no operation was resolved (parse or validation failed). */
export type OperationType = "query" | "mutation" | "subscription" | "none";

export type GraphQLRequestObservation = {
  operationType: OperationType;
  outcome: RequestOutcome;
  durationSeconds: number;
  /** `extensions.code` of each error in the response, in order (repeats count). */
  errorCodes: readonly string[];
};

/** The prover pool's load at the moment of a scrape. */
export type ProofQueueStats = { running: number; queued: number };

export type CreateMetricsParameters = {
  /** `gateway` or `subgraph`: every series of this registry carries it as the `server` label. */
  server: string;
  /** The indexer as the hub sees it: `indexer_lag_blocks` and `indexer_up` are read from it at each scrape. */
  indexer?: Pick<IndexerClient, "status"> | undefined;
  /** The prover pool's load: `proof_queue_depth` and `proofs_running`, read at each scrape. */
  proofQueue?: (() => ProofQueueStats) | undefined;
  /** Node's process metrics (CPU, memory, event loop lag, GC) on this registry; default true. */
  processMetrics?: boolean | undefined;
};

export type Metrics = {
  /** Serve `registry.metrics()` with `registry.contentType`. */
  registry: Registry;
  /** A GraphQL request was answered (or refused before Apollo saw it). */
  graphqlRequest: (observation: GraphQLRequestObservation) => void;
  /** A request to a path other than /graphql was answered. */
  httpRequest: (path: string, status: number) => void;
};

/** 1 ms to 30 s: a cached read is a few ms, a proving mutation seconds, the gateway's client time-out 30 s. */
export const REQUEST_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

/**
 * Paths that get their own `path` label; anything else is `other`, so a scan cannot blow up the series. `/graphql`
 * here is only what is no GraphQL request (Apollo's landing page for a browser).
 */
const KNOWN_PATHS = new Set(["/health", "/ready", "/metrics", "/graphql"]);

/**
 * Error codes through the gateway include partners' own, which the hub does not control: a code must look like one
 * (`SCREAMING_SNAKE`) and at most this many distinct codes get a series; the rest count as `OTHER`.
 */
const MAX_ERROR_CODES = 64;
const CODE_SHAPE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** How long a scrape waits for the indexer's status (chain head and ponder's /status) before reporting it unknown. */
const INDEXER_STATUS_TIMEOUT_MS = 3_000;

let sharedProcessRegistry: Registry | undefined;

/**
 * Node's process metrics, collected once per process: each collection starts an event-loop-delay monitor and a GC
 * observer that nothing can stop, so one per server would pile up in a process that starts many stacks (tests).
 */
function processRegistry(): Registry {
  if (sharedProcessRegistry) return sharedProcessRegistry;
  sharedProcessRegistry = new Registry();
  collectDefaultMetrics({ register: sharedProcessRegistry });
  return sharedProcessRegistry;
}

/**
 * One Prometheus registry per server, never prom-client's global one: `npm start` runs the gateway and the subgraph
 * in one process, and tests run several stacks in one process, so each must count only its own requests.
 *
 * - `graphql_requests_total{server,operation_type,outcome}`, `graphql_request_duration_seconds{server,operation_type}`
 *   (histogram, from the request's arrival to its response), `graphql_errors_total{server,code}` (one per error);
 * - `http_requests_total{server,path,status}` for /health, /ready, /metrics and anything else (`other`);
 * - with `indexer`: `indexer_lag_blocks` (chain head − indexed block; NaN while unknown) and `indexer_up` (0/1);
 * - with `proofQueue`: `proof_queue_depth` (proofs waiting) and `proofs_running`;
 * - Node's process metrics (`process_*`, `nodejs_*`).
 */
export function createMetrics({
  server,
  indexer,
  proofQueue,
  processMetrics = true,
}: CreateMetricsParameters): Metrics {
  const own = new Registry();
  const registers = [own];

  const requests = new Counter({
    name: "graphql_requests_total",
    help: "GraphQL requests answered, by operation type and outcome (ok, partial: data and errors, error: no data).",
    labelNames: ["operation_type", "outcome"],
    registers,
  });
  const duration = new Histogram({
    name: "graphql_request_duration_seconds",
    help: "Time from a GraphQL request's arrival to its response, by operation type.",
    labelNames: ["operation_type"],
    buckets: [...REQUEST_DURATION_BUCKETS],
    registers,
  });
  const errors = new Counter({
    name: "graphql_errors_total",
    help: "Errors in GraphQL responses, by extensions.code (one per error).",
    labelNames: ["code"],
    registers,
  });
  const http = new Counter({
    name: "http_requests_total",
    help: "Requests that are no GraphQL request (/health, /ready, /metrics, /graphql's landing page, other), by status.",
    labelNames: ["path", "status"],
    registers,
  });

  if (indexer) {
    // Both gauges are read in the same scrape: one status call serves them.
    let inFlight: Promise<Awaited<ReturnType<IndexerClient["status"]>> | undefined> | undefined;
    const status = () => {
      inFlight ??= Promise.race([
        indexer.status().catch(() => undefined),
        new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), INDEXER_STATUS_TIMEOUT_MS).unref(),
        ),
      ]).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    };
    new Gauge({
      name: "indexer_lag_blocks",
      help: "Blocks the indexer is behind the chain head (NaN while the indexer or the chain does not answer).",
      registers,
      async collect() {
        this.set((await status())?.lagBlocks ?? Number.NaN);
      },
    });
    new Gauge({
      name: "indexer_up",
      help: "1 when the indexer answers its /status, else 0.",
      registers,
      async collect() {
        this.set((await status())?.reachable ? 1 : 0);
      },
    });
  }

  if (proofQueue) {
    new Gauge({
      name: "proof_queue_depth",
      help: "Proofs waiting for a prover worker.",
      registers,
      collect() {
        this.set(proofQueue().queued);
      },
    });
    new Gauge({
      name: "proofs_running",
      help: "Proofs being computed right now.",
      registers,
      collect() {
        this.set(proofQueue().running);
      },
    });
  }

  // What /metrics serves: this server's series and, shared, the process's; `server` labels all of them.
  const registry = processMetrics ? Registry.merge([own, processRegistry()]) : own;
  registry.setDefaultLabels({ server });

  const seenCodes = new Set<string>();
  const codeLabel = (code: string) => {
    if (!CODE_SHAPE.test(code)) return "OTHER";
    if (seenCodes.has(code)) return code;
    if (seenCodes.size >= MAX_ERROR_CODES) return "OTHER";
    seenCodes.add(code);
    return code;
  };

  return {
    registry,
    graphqlRequest: ({ operationType, outcome, durationSeconds, errorCodes }) => {
      requests.inc({ operation_type: operationType, outcome });
      duration.observe({ operation_type: operationType }, durationSeconds);
      for (const code of errorCodes) errors.inc({ code: codeLabel(code) });
    },
    httpRequest: (path, status) => {
      http.inc({ path: KNOWN_PATHS.has(path) ? path : "other", status: String(status) });
    },
  };
}
