import {
  ApolloGateway,
  type GraphQLDataSourceProcessOptions,
  RemoteGraphQLDataSource,
} from "@apollo/gateway";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { Gauge, type Registry } from "prom-client";
import {
  defaultPartnerTimeoutMs,
  defaultQueryLimits,
  type PartnerSubgraph,
  type QueryLimits,
} from "../config/loadCalderaConfig.js";
import { GATEWAY_SECRET_HEADER } from "../guard/gatewaySecret.js";
import { formatGuardedError, guardApollo } from "../guard/guardApollo.js";
import type { Logger } from "../services/createLogger.js";
import { createMetrics } from "../services/createMetrics.js";
import { observeApollo } from "../services/observeApollo.js";
import { type Caller, REQUEST_ID_HEADER, type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { createSubgraphFetcher } from "./createSubgraphFetcher.js";
import { createSupergraphManager, type SupergraphManager } from "./createSupergraphManager.js";
import { ReplicaDataSource } from "./ReplicaDataSource.js";

export type StartGatewayParameters = {
  /**
   * Caldera's own subgraph first, then every partner from caldera.config.json. `replicaUrls`: every replica of a
   * subgraph served by several (`url` is the first), balanced with retry by `ReplicaDataSource`.
   */
  subgraphs: (PartnerSubgraph & { replicaUrls?: readonly string[] | undefined })[];
  port: number;
  /**
   * How often every subgraph's SDL is fetched again (and partners re-discovered), so a partner that comes back, a
   * partner's schema change or a newly registered ecosystem is picked up without a restart.
   */
  pollIntervalMs?: number;
  /** More partners, re-read every poll (the stack: active ecosystems of EcosystemRegistry with a subgraph URL). */
  discoverPartners?: (() => Promise<PartnerSubgraph[]>) | undefined;
  /** Where partners' last good SDLs are kept across restarts (`createSupergraphManager`); memory only without it. */
  stateDir?: string | undefined;
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
  discoverPartners,
  stateDir,
}: StartGatewayParameters): Promise<ServedApollo> {
  const metrics = createMetrics({ server: "gateway" });
  const observe = observeApollo({ server: "gateway", metrics, logger });
  let composed = false;
  const own = subgraphs[0];
  if (own === undefined) throw new Error("the gateway needs Caldera's own subgraph");
  const supergraph = createSupergraphManager({
    own: { name: own.name, urls: own.replicaUrls ?? [own.url] },
    partners: subgraphs.slice(1),
    discoverPartners,
    pollIntervalMs,
    gatewaySecret,
    stateDir,
    onEvent: ({ level, msg, partner, errors }) =>
      logger ? logger[level]({ server: "gateway", partner, errors }, msg) : console.error(`gateway: ${msg}`),
  });
  registerPartnerGauges(metrics.registry, supergraph);
  // Kept-alive connections to Caldera's own subgraph (every replica), closed when the gateway stops.
  const ownFetcher = createSubgraphFetcher();
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.supergraphSdl,
    buildService: ({ name, url }) => {
      if (name !== own.name) {
        const partner = supergraph.partner(name);
        return new SubgraphDataSource(
          name,
          url ?? "",
          undefined,
          partner?.timeoutMs ?? defaultPartnerTimeoutMs,
        );
      }
      const secret = gatewaySecret;
      const replicaUrls = own.replicaUrls;
      if (!replicaUrls || replicaUrls.length < 2)
        return new SubgraphDataSource(name, url ?? "", secret, undefined, ownFetcher);
      // Composition introspects `url` through this too, so it reaches whichever replica answers.
      return new ReplicaDataSource({
        name,
        urls: replicaUrls,
        createReplica: (replicaUrl) =>
          new SubgraphDataSource(name, replicaUrl, secret, undefined, ownFetcher),
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
    plugins: [
      // No schema gives cache hints and nothing caches: Apollo's cache control only ever concluded `no-store`, at the
      // price of a policy per request and a parse of every subgraph answer's header; the header is set as it was.
      ApolloServerPluginCacheControlDisabled(),
      noStore,
      ...guard.plugins,
      subgraphRequestErrors,
      observe.plugin,
    ],
    formatError: formatGuardedError,
  });
  // Ready when the supergraph is composed and Caldera's own subgraph is ready (its whole path: Postgres, chain,
  // indexer). Partners do not gate readiness: a dead partner means partial data, not a dead gateway; their state
  // (composed, down, refused with the composition errors) is in the answer under `supergraph`.
  const served = await serveApollo({
    server,
    port,
    context: async (caller) => ({ caller }),
    readiness: async () => {
      if (!composed) return { ready: false, detail: "the supergraph is not composed yet" };
      // One ready replica is enough: the gateway sends each request to one that answers.
      let response: Response | undefined;
      for (const url of own.replicaUrls ?? [own.url]) {
        response = await fetch(new URL("/ready", url), { signal: AbortSignal.timeout(3_000) }).catch(
          () => undefined,
        );
        if (response?.status === 200) break;
      }
      const subgraph = response ? ((await response.json().catch(() => ({}))) as Record<string, unknown>) : {};
      return {
        ready: response?.status === 200,
        subgraph: { name: own.name, ...subgraph },
        supergraph: supergraph.status(),
      };
    },
    maxBodyBytes: limits?.maxBodyBytes ?? defaultQueryLimits.maxBodyBytes,
    host,
    observe,
  }).catch((error: unknown) => {
    ownFetcher.close();
    throw error;
  });
  return {
    ...served,
    stop: async () => {
      await served.stop();
      ownFetcher.close();
    },
  };
}

/** `cache-control: no-store` on every answer, as Apollo's cache control concluded for answers without hints. */
const noStore: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (!response.http.headers.has("cache-control"))
          response.http.headers.set("cache-control", "no-store");
      },
    };
  },
};

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
    /** A partner's `timeoutMs`; Caldera's own subgraph has none (a proving mutation takes seconds). */
    readonly timeoutMs?: number | undefined,
    /** Caldera's own subgraph: `createSubgraphFetcher`'s kept-alive connections (partners: fetch, with a time-out). */
    ownFetcher?: RemoteGraphQLDataSource["fetcher"] | undefined,
  ) {
    // A partner's fetch is aborted a second after the gateway stopped waiting for it (`process`), so a partner that
    // hangs does not pile up open sockets; Apollo's default fetcher (make-fetch-happen) has no time-out.
    super(
      timeoutMs === undefined
        ? { url, honorSubgraphCacheControlHeader: false, ...(ownFetcher ? { fetcher: ownFetcher } : {}) }
        : {
            url,
            honorSubgraphCacheControlHeader: false,
            fetcher: ((input: string, init?: RequestInit) =>
              fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs + 1_000) })) as never,
          },
    );
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
    const partner = this.timeoutMs !== undefined;
    try {
      if (!partner) return await super.process(options);
      const response = await withTimeout(super.process(options), this.timeoutMs as number, () =>
        subgraphError(this.name, `did not answer within ${this.timeoutMs} ms`, "SUBGRAPH_TIMEOUT"),
      );
      // What the query plan needs back from a partner, checked here so a garbage answer is an error naming the
      // partner (Apollo's own checks throw "Expected data._entities…", which names nobody).
      if (!isGraphQLResponse(response, options))
        throw subgraphError(this.name, "answered without a GraphQL response");
      return response;
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.serviceName === this.name) throw error;
      // Composition and health checks keep the real cause: they are for the operator, not for a client.
      if (!("incomingRequestContext" in options)) throw error;
      const response = error instanceof GraphQLError ? error.extensions.response : undefined;
      const { status, body } = (response ?? {}) as { status?: number; body?: unknown };
      const errors = (body as { errors?: unknown } | undefined)?.errors;
      if (Array.isArray(errors) && errors.length > 0) {
        // Only Caldera's own refusal makes the whole request a request error: a partner's 4xx must not take
        // Caldera's data down with it (its errors still come back, with `serviceName`).
        if (!partner && status !== undefined && REQUEST_ERROR_STATUSES.has(status))
          options.context.subgraphRefusedRequest = status;
        return { errors: errors as GraphQLFormattedError[] };
      }
      // An HTTP error status, or a body that is not JSON: it answered, but not in GraphQL. Anything else: the
      // connection failed (refused, reset, hung up).
      const answered = response !== undefined || (error instanceof Error && /JSON|json/.test(error.message));
      throw subgraphError(
        this.name,
        answered
          ? `answered without a GraphQL response${status !== undefined ? ` (HTTP ${status})` : ""}`
          : "is unavailable",
        "SUBGRAPH_UNAVAILABLE",
        error,
      );
    }
  }
}

/** An error about one subgraph: its name in the message and in `extensions.serviceName`, as Apollo names its own. */
function subgraphError(
  name: string,
  what: string,
  code: "SUBGRAPH_UNAVAILABLE" | "SUBGRAPH_TIMEOUT" = "SUBGRAPH_UNAVAILABLE",
  cause?: unknown,
): GraphQLError {
  return new GraphQLError(`the ${name} subgraph ${what}`, {
    extensions: { code, serviceName: name },
    ...(cause instanceof Error ? { originalError: cause } : {}),
  });
}

/** `work`, or `onTimeout()`'s error once `ms` passed; the fetch is left to finish (or fail) on its own. */
async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    // A late rejection of the abandoned fetch must not surface as an unhandled rejection.
    work.catch(() => {});
  }
}

/**
 * A GraphQL response the query plan can merge: `data` an object or null, or `errors` a list; an entity fetch's
 * `data._entities` a list of one entry per representation sent.
 */
function isGraphQLResponse(
  response: { data?: unknown; errors?: unknown },
  options: GraphQLDataSourceProcessOptions<GatewayContext>,
): boolean {
  if (typeof response !== "object" || response === null) return false;
  const { data, errors } = response;
  if (errors !== undefined && !Array.isArray(errors)) return false;
  if (data === undefined || data === null) return Array.isArray(errors) && errors.length > 0;
  if (typeof data !== "object" || Array.isArray(data)) return false;
  const representations = options.request.variables?.representations;
  if (!Array.isArray(representations)) return true;
  const entities = (data as { _entities?: unknown })._entities;
  return Array.isArray(entities) && entities.length === representations.length;
}

/**
 * `gateway_partner_up{partner}` (1: its current schema is composed and it answered the last poll),
 * `gateway_partner_in_supergraph{partner}` (1: its fields are served, current or last good schema) and
 * `gateway_partner_composition_errors{partner}` (errors of its current schema; above 0: refused), read at each
 * scrape from the supergraph manager.
 */
function registerPartnerGauges(registry: Registry, supergraph: SupergraphManager) {
  const gauges = [
    ["gateway_partner_up", "1 when the partner answered the last poll and its current schema is composed"],
    [
      "gateway_partner_in_supergraph",
      "1 when the partner's fields are in the supergraph (current or last good schema)",
    ],
    [
      "gateway_partner_composition_errors",
      "composition errors of the partner's current schema (above 0: refused)",
    ],
  ] as const;
  for (const [name, help] of gauges)
    new Gauge({
      name,
      help,
      labelNames: ["partner"],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of supergraph.status().partners)
          this.set(
            { partner: p.name },
            name === "gateway_partner_up"
              ? Number(p.state === "composed")
              : name === "gateway_partner_in_supergraph"
                ? Number(p.inSupergraph)
                : (p.errors?.length ?? 0),
          );
      },
    });
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
