import {
  ApolloGateway,
  type GraphQLDataSourceProcessOptions,
  IntrospectAndCompose,
  RemoteGraphQLDataSource,
} from "@apollo/gateway";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { defaultQueryLimits, type PartnerSubgraph, type QueryLimits } from "../config/loadCalderaConfig.js";
import { GATEWAY_SECRET_HEADER } from "../guard/gatewaySecret.js";
import { formatGuardedError, guardApollo } from "../guard/guardApollo.js";
import type { Logger } from "../services/createLogger.js";
import { createMetrics } from "../services/createMetrics.js";
import { observeApollo } from "../services/observeApollo.js";
import { type Caller, REQUEST_ID_HEADER, type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { ReplicaDataSource } from "./ReplicaDataSource.js";

export type StartGatewayParameters = {
  /**
   * Caldera's own subgraph first, then every partner from caldera.config.json. `replicaUrls`: every replica of a
   * subgraph served by several (`url` is the first), balanced with retry by `ReplicaDataSource`.
   */
  subgraphs: (PartnerSubgraph & { replicaUrls?: readonly string[] | undefined })[];
  port: number;
  /** How often to re-introspect subgraphs so a partner's schema change is picked up without a restart. */
  pollIntervalMs?: number;
  /** caldera.config.json's `limits`, checked before the query planner runs; missing ones are the defaults. */
  limits?: Partial<QueryLimits> | undefined;
  /** Sent to Caldera's own subgraph (the first), never to partners, so it answers `_entities` and `_service`. */
  gatewaySecret?: string | undefined;
  /** Introspection and field suggestions; default: NODE_ENV is development. */
  development?: boolean | undefined;
  /** The interface to listen on (default loopback; `0.0.0.0` in a container). */
  host?: string | undefined;
  /** Request log lines (JSON, one per request, `server: "gateway"`); none without it. Metrics are always on. */
  logger?: Logger | undefined;
};

/**
 * Per request: who called (headers, request id), and the status with which a subgraph refused the request itself
 * (400: a bad variable, a limit; 409/422: an idempotency key; 429: a rate limit).
 */
type GatewayContext = { caller: Caller; subgraphRefusedRequest?: number };

const REQUEST_ERROR_STATUSES: ReadonlySet<number> = new Set([400, 409, 422, 429]);

/**
 * Client headers Caldera's own subgraph needs to see (rate limits by API key, idempotency keys). The client's
 * address travels as `x-forwarded-for`, which the subgraph believes only from a request carrying the gateway secret.
 */
const FORWARDED_HEADERS = ["idempotency-key", "x-api-key"] as const;

/**
 * The federation gateway, kept behind this one function so the implementation (Apollo Gateway today; Hive's
 * Rust planner is the faster candidate) can change without touching anything else. Query limits, introspection and
 * error formatting are `guardApollo`'s, shared with the subgraph.
 */
export async function startGateway({
  subgraphs,
  port,
  pollIntervalMs = 10_000,
  limits,
  gatewaySecret,
  development = process.env.NODE_ENV === "development",
  host,
  logger,
}: StartGatewayParameters): Promise<ServedApollo> {
  const observe = observeApollo({ server: "gateway", metrics: createMetrics({ server: "gateway" }), logger });
  let composed = false;
  const own = subgraphs[0];
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs, pollIntervalInMs: pollIntervalMs }),
    buildService: ({ name, url }) => {
      const secret = name === own?.name ? gatewaySecret : undefined;
      const replicaUrls = subgraphs.find((s) => s.name === name)?.replicaUrls;
      if (!replicaUrls || replicaUrls.length < 2) return new SubgraphDataSource(name, url ?? "", secret);
      // Composition introspects `url` through this too, so it reaches whichever replica answers.
      return new ReplicaDataSource({
        name,
        urls: replicaUrls,
        createReplica: (replicaUrl) => new SubgraphDataSource(name, replicaUrl, secret),
      });
    },
  });
  gateway.onSchemaLoadOrUpdate(() => {
    composed = true;
  });
  const guard = guardApollo({ limits, development });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    ...guard,
    stopOnTerminationSignals: false,
    // `observe` last: it records the status and errors as subgraphRequestErrors left them.
    plugins: [...guard.plugins, subgraphRequestErrors, observe.plugin],
    formatError: formatGuardedError,
  });
  // Ready when the supergraph is composed and Caldera's own subgraph is ready (its whole path: Postgres, chain,
  // indexer). Partners do not gate readiness: a dead partner means partial data, not a dead gateway.
  return serveApollo({
    server,
    port,
    context: async (caller) => ({ caller }),
    readiness: async () => {
      if (!composed) return { ready: false, detail: "the supergraph is not composed yet" };
      if (own === undefined) return { ready: true };
      // One ready replica is enough: the gateway sends each request to one that answers.
      let response: Response | undefined;
      for (const url of own.replicaUrls ?? [own.url]) {
        response = await fetch(new URL("/ready", url), { signal: AbortSignal.timeout(3_000) }).catch(
          () => undefined,
        );
        if (response?.status === 200) break;
      }
      const subgraph = response ? ((await response.json().catch(() => ({}))) as Record<string, unknown>) : {};
      return { ready: response?.status === 200, subgraph: { name: own.name, ...subgraph } };
    },
    maxBodyBytes: limits?.maxBodyBytes ?? defaultQueryLimits.maxBodyBytes,
    host,
    observe,
  });
}

/**
 * A subgraph as the gateway calls it. A subgraph that refuses a request answers HTTP 4xx with GraphQL errors (a
 * variable its scalar rejects, a limit): Apollo's RemoteGraphQLDataSource turns that into "400: Bad Request" with
 * the subgraph's URL and raw body. Here the subgraph's own errors pass through instead (code and message), and a
 * subgraph that cannot be reached is `SUBGRAPH_UNAVAILABLE` without its URL. Custom scalars cannot be checked at the
 * gateway (a supergraph's scalars have no parseValue), so the subgraph's answer is the check.
 */
class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly name: string,
    url: string,
    readonly secret: string | undefined,
  ) {
    super({ url });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const headers = options.request.http?.headers;
    if (!headers) return;
    // Composition and health checks have no incoming request.
    const caller = "incomingRequestContext" in options ? options.context.caller : undefined;
    if (caller) headers.set(REQUEST_ID_HEADER, caller.requestId);
    // Partners see neither the secret nor the client's own headers.
    if (!this.secret) return;
    headers.set(GATEWAY_SECRET_HEADER, this.secret);
    if (!caller) return;
    for (const name of FORWARDED_HEADERS) {
      const value = caller.headers.get(name);
      if (value !== undefined) headers.set(name, value);
    }
    if (caller.remoteAddress) headers.set("x-forwarded-for", caller.remoteAddress);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    try {
      return await super.process(options);
    } catch (error) {
      // Composition and health checks keep the real cause: they are for the operator, not for a client.
      if (!("incomingRequestContext" in options)) throw error;
      const response = error instanceof GraphQLError ? error.extensions.response : undefined;
      const { status, body } = (response ?? {}) as { status?: number; body?: unknown };
      const errors = (body as { errors?: unknown } | undefined)?.errors;
      if (Array.isArray(errors) && errors.length > 0) {
        if (status !== undefined && REQUEST_ERROR_STATUSES.has(status))
          options.context.subgraphRefusedRequest = status;
        return { errors: errors as GraphQLFormattedError[] };
      }
      throw new GraphQLError(`the ${this.name} subgraph is unavailable`, {
        extensions: { code: "SUBGRAPH_UNAVAILABLE" },
        originalError: error as Error,
      });
    }
  }
}

/**
 * A request a subgraph refused (HTTP 400, 409, 422, 429) is a request error at the gateway too: the same status and no `data`,
 * as when the subgraph is called directly (GraphQL over HTTP: a request error has no data entry), and a refusal that
 * says when to retry (`extensions.retryAfterSeconds`: RATE_LIMITED, IDEMPOTENCY_KEY_IN_USE) keeps its `Retry-After`.
 */
const subgraphRequestErrors: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (!contextValue.subgraphRefusedRequest || response.body.kind !== "single") return;
        response.http.status = contextValue.subgraphRefusedRequest;
        response.body.singleResult = { errors: response.body.singleResult.errors };
        const retryAfter = response.body.singleResult.errors?.find(
          (e) => typeof e.extensions?.retryAfterSeconds === "number",
        )?.extensions?.retryAfterSeconds;
        if (retryAfter !== undefined) response.http.headers.set("retry-after", String(retryAfter));
      },
    };
  },
};
