import { ApolloServer } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError } from "graphql";
import type { Sql } from "postgres";
import { defaultQueryLimits, type QueryLimits } from "../config/loadCalderaConfig.js";
import { formatGuardedError, guardApollo } from "../guard/guardApollo.js";
import { checkReadiness } from "../services/checkReadiness.js";
import { type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { createLoaders } from "./createLoaders.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import { gatewayOnly } from "./gatewayOnly.js";
import type { HubServices, SubgraphContext } from "./SubgraphContext.js";
import { toGraphQLError } from "./toGraphQLError.js";

export type StartSubgraphParameters = {
  sql: Sql;
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
  /** Introspection and field suggestions; default: NODE_ENV is development. */
  development?: boolean | undefined;
};

/** The Caldera subgraph: federation v2 SDL over the indexer's views, mutations through the hub's signer. */
export async function startSubgraph({
  sql,
  viewsSchema,
  hub,
  port,
  limits,
  gatewaySecret,
  development = process.env.NODE_ENV === "development",
}: StartSubgraphParameters): Promise<ServedApollo> {
  const guard = guardApollo({ limits, development });
  const server = new ApolloServer<SubgraphContext>({
    schema: createSubgraphSchema(),
    ...guard,
    // The stack stops its parts in dependency order; Apollo must not exit the process on SIGINT by itself.
    stopOnTerminationSignals: false,
    // Inline traces are for Apollo's hosted usage reporting, which the hub does not use.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ...guard.plugins,
      gatewayOnly({ secret: gatewaySecret }),
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
    context: async (caller) => ({ loaders: createLoaders(sql, viewsSchema), hub, caller }),
    readiness: () =>
      checkReadiness({ sql, viewsSchema, publicClient: hub.publicClient, indexer: hub.indexer }),
    maxBodyBytes: limits?.maxBodyBytes ?? defaultQueryLimits.maxBodyBytes,
  });
}
