import { ApolloServer } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError } from "graphql";
import type { Sql } from "postgres";
import { checkReadiness } from "../services/checkReadiness.js";
import { type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { createLoaders } from "./createLoaders.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { HubServices, SubgraphContext } from "./SubgraphContext.js";
import { toGraphQLError } from "./toGraphQLError.js";

export type StartSubgraphParameters = {
  sql: Sql;
  /** The indexer's views schema. */
  viewsSchema: string;
  hub: HubServices;
  port: number;
};

/** The Caldera subgraph: federation v2 SDL over the indexer's views, mutations through the hub's signer. */
export async function startSubgraph({
  sql,
  viewsSchema,
  hub,
  port,
}: StartSubgraphParameters): Promise<ServedApollo> {
  const server = new ApolloServer<SubgraphContext>({
    schema: createSubgraphSchema(),
    includeStacktraceInErrorResponses: false,
    // The stack stops its parts in dependency order; Apollo must not exit the process on SIGINT by itself.
    stopOnTerminationSignals: false,
    // Inline traces are for Apollo's hosted usage reporting, which the hub does not use.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    formatError: (formatted, error) => {
      const original = unwrapResolverError(error);
      if (original instanceof GraphQLError || !(original instanceof Error)) return formatted;
      const mapped = toGraphQLError(original);
      return { ...formatted, message: mapped.message, extensions: { ...mapped.extensions } };
    },
  });
  return serveApollo({
    server,
    port,
    context: async () => ({ loaders: createLoaders(sql, viewsSchema), hub }),
    readiness: () =>
      checkReadiness({ sql, viewsSchema, publicClient: hub.publicClient, indexer: hub.indexer }),
  });
}
