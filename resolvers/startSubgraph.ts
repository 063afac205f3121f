import { ApolloServer } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from "@apollo/server/plugin/disabled";
import { GraphQLError } from "graphql";
import type { Sql } from "postgres";
import {
  defaultQueryLimits,
  defaultRateLimits,
  type QueryLimits,
  type RateLimits,
} from "../config/loadCalderaConfig.js";
import { formatGuardedError, guardApollo } from "../guard/guardApollo.js";
import { checkReadiness } from "../services/checkReadiness.js";
import type { IdempotencyStore } from "../services/createIdempotencyStore.js";
import type { Logger } from "../services/createLogger.js";
import { createMetrics, type ProofQueueStats } from "../services/createMetrics.js";
import { observeApollo } from "../services/observeApollo.js";
import { type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { createLoaders } from "./createLoaders.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import { gatewayOnly } from "./gatewayOnly.js";
import { mutationGuard } from "./mutationGuard.js";
import type { HubServices, SubgraphContext } from "./SubgraphContext.js";
import { toGraphQLError } from "./toGraphQLError.js";

export type StartSubgraphParameters = {
  /** The primary: mutations and what they read back. */
  sql: Sql;
  /**
   * A read replica for queries (`DATABASE_READ_URL`); default `sql`. A mutation's whole operation reads the primary
   * instead, so the certificate it just waited for the indexer to write is there even when the replica lags.
   */
  readSql?: Sql | undefined;
  /** The indexer's views schema. */
  viewsSchema: string;
  hub: HubServices;
  port: number;
  /** caldera.config.json's `limits` (the gateway checks them first; the subgraph again, in depth). */
  limits?: Partial<QueryLimits> | undefined;
  /**
   * The secret the gateway sends (generated per stack start); `_entities` and `_service` answer only requests that
   * carry it. Without one they answer loopback callers only.
   */
  gatewaySecret?: string | undefined;
  /** caldera.config.json's `rateLimits` for mutations, per client (default `defaultRateLimits`). */
  rateLimits?: RateLimits | undefined;
  /** Idempotency keys of mutations (Postgres, shared by replicas); without it `Idempotency-Key` is refused. */
  idempotency?: IdempotencyStore | undefined;
  /** Introspection and field suggestions; default: NODE_ENV is development. */
  development?: boolean | undefined;
  /** The interface to listen on (default loopback; `0.0.0.0` in a container). */
  host?: string | undefined;
  /** Request log lines (JSON, one per request, `server: "subgraph"`); none without it. Metrics are always on. */
  logger?: Logger | undefined;
  /** The prover's load, for `proof_queue_depth` and `proofs_running` on /metrics; default `hub.prover.stats()`. */
  proofQueue?: (() => ProofQueueStats) | undefined;
};

/** The Caldera subgraph: federation v2 SDL over the indexer's views, mutations through the hub's signer. */
export async function startSubgraph({
  sql,
  readSql = sql,
  viewsSchema,
  hub,
  port,
  limits,
  gatewaySecret,
  rateLimits = defaultRateLimits,
  idempotency,
  development = process.env.NODE_ENV === "development",
  host,
  logger,
  proofQueue,
}: StartSubgraphParameters): Promise<ServedApollo> {
  const guard = guardApollo({ limits, development });
  const observe = observeApollo({
    server: "subgraph",
    metrics: createMetrics({
      server: "subgraph",
      indexer: hub.indexer,
      // The hub's prover pool unless told otherwise; a hub put together without one (a stand-in) shows no queue.
      proofQueue: proofQueue ?? (hub.prover ? () => hub.prover.stats() : undefined),
    }),
    logger,
  });
  const server = new ApolloServer<SubgraphContext>({
    schema: createSubgraphSchema(),
    ...guard,
    // The stack stops its parts in dependency order; Apollo must not exit the process on SIGINT by itself.
    stopOnTerminationSignals: false,
    // Inline traces are for Apollo's hosted usage reporting, which the hub does not use.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      // The schema gives no cache hints, so Apollo's cache control plugin only ever concluded `no-store`, at the
      // price of a hook around every field a request resolves; the header is set here instead, unchanged.
      ApolloServerPluginCacheControlDisabled(),
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              if (!response.http.headers.has("cache-control"))
                response.http.headers.set("cache-control", "no-store");
            },
          };
        },
      },
      ...guard.plugins,
      gatewayOnly({ secret: gatewaySecret }),
      mutationGuard({ rateLimits, idempotency, gatewaySecret }),
      {
        // Read-your-writes: a mutation waits until the indexer wrote its block to the primary, then reads it back.
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, contextValue }) {
              if (operation?.operation === "mutation" && readSql !== sql)
                contextValue.loaders = createLoaders(sql, viewsSchema);
            },
          };
        },
      },
      // Last: it records the response as the plugins before it left it.
      observe.plugin,
    ],
    formatError: (formatted, error) => {
      const original = unwrapResolverError(error);
      if (original instanceof GraphQLError || !(original instanceof Error))
        return formatGuardedError(formatted, error);
      const mapped = toGraphQLError(original);
      return formatGuardedError(
        { ...formatted, message: mapped.message, extensions: { ...mapped.extensions } },
        error,
      );
    },
  });
  return serveApollo({
    server,
    port,
    context: async (caller) => ({ loaders: createLoaders(readSql, viewsSchema), hub, caller }),
    // The views must answer where queries read them; a primary that is down stops ponder, which /ready sees.
    readiness: () =>
      checkReadiness({ sql: readSql, viewsSchema, publicClient: hub.publicClient, indexer: hub.indexer }),
    maxBodyBytes: limits?.maxBodyBytes ?? defaultQueryLimits.maxBodyBytes,
    host,
    observe,
    // The hub's pools log each statement with its request id at debug level (traceSql), read from requestContext.
    traceRequests: logger?.isLevelEnabled("debug") ?? false,
  });
}
