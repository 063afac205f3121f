import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import type { PartnerSubgraph } from "../config/loadCalderaConfig.js";
import { type ServedApollo, serveApollo } from "../services/serveApollo.js";

export type StartGatewayParameters = {
  /** Caldera's own subgraph first, then every partner from caldera.config.json. */
  subgraphs: PartnerSubgraph[];
  port: number;
  /** How often to re-introspect subgraphs so a partner's schema change is picked up without a restart. */
  pollIntervalMs?: number;
};

/**
 * The federation gateway, kept behind this one function so the implementation (Apollo Gateway today; Hive's
 * Rust planner is the faster candidate) can change without touching anything else.
 */
export async function startGateway({
  subgraphs,
  port,
  pollIntervalMs = 10_000,
}: StartGatewayParameters): Promise<ServedApollo> {
  let composed = false;
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs, pollIntervalInMs: pollIntervalMs }),
    buildService: ({ url }) => new RemoteGraphQLDataSource({ url }),
  });
  gateway.onSchemaLoadOrUpdate(() => {
    composed = true;
  });
  const server = new ApolloServer({
    gateway,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
  });
  // Ready when the supergraph is composed and Caldera's own subgraph is ready (its whole path: Postgres, chain,
  // indexer). Partners do not gate readiness: a dead partner means partial data, not a dead gateway.
  const own = subgraphs[0];
  return serveApollo({
    server,
    port,
    context: async () => ({}),
    readiness: async () => {
      if (!composed) return { ready: false, detail: "the supergraph is not composed yet" };
      if (own === undefined) return { ready: true };
      const response = await fetch(new URL("/ready", own.url), { signal: AbortSignal.timeout(3_000) }).catch(
        () => undefined,
      );
      const subgraph = response ? ((await response.json().catch(() => ({}))) as Record<string, unknown>) : {};
      return { ready: response?.status === 200, subgraph: { name: own.name, ...subgraph } };
    },
  });
}
