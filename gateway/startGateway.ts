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
import { type Caller, REQUEST_ID_HEADER, type ServedApollo, serveApollo } from "../services/serveApollo.js";

export type StartGatewayParameters = {
  /** Caldera's own subgraph first, then every partner from caldera.config.json. */
  subgraphs: PartnerSubgraph[];
  port: number;
  /** How often to re-introspect subgraphs so a partner's schema change is picked up without a restart. */
  pollIntervalMs?: number;
  /** caldera.config.json's `limits`, checked before the query planner runs; missing ones are the defaults. */
  limits?: Partial<QueryLimits> | undefined;
  /** Sent to Caldera's own subgraph (the first), never to partners, so it answers `_entities` and `_service`. */
  gatewaySecret?: string | undefined;
  /** Introspection and field suggestions; default: NODE_ENV is development. */
  development?: boolean | undefined;
};

/**
 * Per request: who called (headers, request id), and whether a subgraph refused the request itself (HTTP 400: a bad
 * variable, a limit).
 */
type GatewayContext = { caller: Caller; subgraphRefusedRequest?: boolean };

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
}: StartGatewayParameters): Promise<ServedApollo> {
  let composed = false;
  const own = subgraphs[0];
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs, pollIntervalInMs: pollIntervalMs }),
    buildService: ({ name, url }) =>
      new SubgraphDataSource(name, url ?? "", name === own?.name ? gatewaySecret : undefined),
  });
  gateway.onSchemaLoadOrUpdate(() => {
    composed = true;
  });
  const guard = guardApollo({ limits, development });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    ...guard,
    stopOnTerminationSignals: false,
    plugins: [...guard.plugins, subgraphRequestErrors],
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
      const response = await fetch(new URL("/ready", own.url), { signal: AbortSignal.timeout(3_000) }).catch(
        () => undefined,
      );
      const subgraph = response ? ((await response.json().catch(() => ({}))) as Record<string, unknown>) : {};
      return { ready: response?.status === 200, subgraph: { name: own.name, ...subgraph } };
    },
    maxBodyBytes: limits?.maxBodyBytes ?? defaultQueryLimits.maxBodyBytes,
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
        if (status === 400) options.context.subgraphRefusedRequest = true;
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
 * A request a subgraph refused (HTTP 400) is a request error at the gateway too: HTTP 400 and no `data`, as when the
 * subgraph is called directly (GraphQL over HTTP: a request error has no data entry).
 */
const subgraphRequestErrors: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (!contextValue.subgraphRefusedRequest || response.body.kind !== "single") return;
        response.http.status = 400;
        response.body.singleResult = { errors: response.body.singleResult.errors };
      },
    };
  },
};
