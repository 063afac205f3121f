import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { getOperationAST, parse } from "graphql";

export type ReplicaDataSourceParameters<Context extends Record<string, unknown>> = {
  /** The subgraph's name, as composed. */
  name: string;
  /** Every replica of the subgraph; all serve the same schema. */
  urls: readonly string[];
  /** The data source that calls one replica (the gateway's own: its headers and its error mapping). */
  createReplica: (url: string) => GraphQLDataSource<Context>;
  /** How long a replica that could not be reached is passed over (default 5 s). */
  quarantineMs?: number | undefined;
  /** The clock; tests move it. */
  now?: (() => number) | undefined;
};

type Replica<Context extends Record<string, unknown>> = {
  url: string;
  source: GraphQLDataSource<Context>;
  /** Passed over until then (epoch ms), after a connection failure. */
  downUntil: number;
};

/**
 * One subgraph served by several stateless replicas. Each request goes to the next replica in turn (round robin);
 * one that could not be reached is passed over for a few seconds (passive health: the failure itself is the check,
 * no extra probing traffic). A query whose connection failed before any answer — refused, reset, hung up, as when a
 * replica is killed or restarted — is sent again to another replica, so a replica going away costs clients
 * nothing. A mutation is never sent twice: the first replica may have sent its transaction before the connection
 * broke (clients that need to retry one use an `Idempotency-Key`).
 */
export class ReplicaDataSource<Context extends Record<string, unknown>>
  implements GraphQLDataSource<Context>
{
  readonly name: string;
  readonly urls: readonly string[];
  readonly #replicas: Replica<Context>[];
  readonly #quarantineMs: number;
  readonly #now: () => number;
  #next = 0;

  constructor({
    name,
    urls,
    createReplica,
    quarantineMs = 5_000,
    now = Date.now,
  }: ReplicaDataSourceParameters<Context>) {
    if (urls.length === 0) throw new Error(`the ${name} subgraph has no URL`);
    this.name = name;
    this.urls = urls;
    this.#replicas = urls.map((url) => ({ url, source: createReplica(url), downUntil: 0 }));
    this.#quarantineMs = quarantineMs;
    this.#now = now;
  }

  async process(options: GraphQLDataSourceProcessOptions<Context>) {
    const order = this.#order();
    for (let attempt = 0; ; attempt++) {
      const replica = order[attempt] as Replica<Context>;
      try {
        const response = await replica.source.process(options);
        replica.downUntil = 0;
        return response;
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
        replica.downUntil = this.#now() + this.#quarantineMs;
        if (attempt + 1 >= order.length || !isQuery(options)) throw error;
      }
    }
  }

  /**
   * This request's replicas in the order to try them: the healthy ones from the round robin's position, then the
   * ones passed over, soonest back first (when every replica failed lately, one may be back).
   */
  #order(): Replica<Context>[] {
    const now = this.#now();
    const start = this.#next++ % this.#replicas.length;
    const rotated = [...this.#replicas.slice(start), ...this.#replicas.slice(0, start)];
    return [
      ...rotated.filter((r) => r.downUntil <= now),
      ...rotated.filter((r) => r.downUntil > now).sort((a, b) => a.downUntil - b.downUntil),
    ];
  }
}

/**
 * Node's and fetch's words for "the connection failed before an answer came back". ENOTFOUND / EAI_AGAIN: a replica
 * being replaced has no DNS record for a moment (Kubernetes publishes only ready pods of a headless Service).
 */
const CONNECTION_FAILURE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_SOCKET",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * The error, or anything it wraps (the gateway's `SUBGRAPH_UNAVAILABLE` keeps the fetch error as `originalError`),
 * says the connection failed before an answer: refused, reset or hung up. An HTTP answer, even a 500, is not that.
 */
function isConnectionFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const { code, originalError, cause } = e as Error & { code?: unknown; originalError?: unknown };
    if (typeof code === "string" && CONNECTION_FAILURE_CODES.has(code)) return true;
    if (/socket hang up|ECONNREFUSED|ECONNRESET/.test(e.message)) return true;
    e = originalError ?? cause;
  }
  return false;
}

/**
 * Whether this subgraph request only reads: composition and health checks, and the query plan's query fetches
 * (a mutation's follow-up entity fetches included), but never the fetch that carries a mutation.
 */
function isQuery<Context extends Record<string, unknown>>(
  options: GraphQLDataSourceProcessOptions<Context>,
): boolean {
  if (!("incomingRequestContext" in options)) return true;
  try {
    const document = options.document ?? parse(options.request.query ?? "");
    return getOperationAST(document, options.request.operationName)?.operation === "query";
  } catch {
    return false;
  }
}
