import type { ApolloServerOptionsWithSchema, ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  validate,
} from "graphql";
import { defaultQueryLimits, type QueryLimits } from "../config/loadCalderaConfig.js";
import { pageCostRule } from "./pageCostRule.js";
import { type QueryLimit, queryLimitError } from "./queryLimitError.js";

export type GuardParameters = {
  /** caldera.config.json's `limits`; missing ones are the defaults. */
  limits?: Partial<QueryLimits> | undefined;
  /** Introspection and "Did you mean …" suggestions only in development (NODE_ENV=development). */
  development?: boolean | undefined;
};

type ArmorConfig = NonNullable<ConstructorParameters<typeof ApolloArmor>[0]>;
type ArmorReject = NonNullable<NonNullable<ArmorConfig["maxDepth"]>["onReject"]>[number];

/** Error messages are cut here, so no error echoes a huge input back (`…` marks the cut). */
export const MAX_ERROR_MESSAGE_CHARS = 500;

type GuardedOptions = Pick<
  ApolloServerOptionsWithSchema<BaseContext>,
  | "introspection"
  | "hideSchemaDetailsFromClientErrors"
  | "parseOptions"
  | "validationRules"
  | "allowBatchedHttpRequests"
  | "includeStacktraceInErrorResponses"
> & { plugins: ApolloServerPlugin<BaseContext>[] };

/**
 * What the gateway and the subgraph both put in front of every request, all of it before the gateway's query
 * planner runs (Apollo Server parses, validates and resolves the operation first; the gateway plans in `execute`):
 *
 * - tokens: graphql-js's parser stops at `maxTokens` (Apollo's `parseOptions`), before the document is built;
 * - depth, aliases, directives: graphql-armor's validation rules, fragments expanded (each fragment counted once);
 * - cost: `pageCostRule`, run once the operation and its variables are known, so `first: $n` counts what was sent;
 * - no operation picked (several operations, no or an unknown operationName): `OPERATION_RESOLUTION_FAILURE`, 400;
 * - introspection and field suggestions off unless `development`.
 *
 * A query over a limit gets `QUERY_LIMIT_EXCEEDED` with HTTP 400 (`formatGuardedError` restores the code Apollo
 * gives all validation errors). The body size limit is `serveApollo`'s.
 */
export function guardApollo({ limits: partial, development = false }: GuardParameters = {}): GuardedOptions {
  const limits: QueryLimits = { ...defaultQueryLimits, ...partial };
  const reject =
    (limit: QueryLimit): ArmorReject =>
    (context, error) => {
      const found = /found (\d+)/.exec(error.message)?.[1];
      context?.reportError(
        queryLimitError(limit, limits[limit], found === undefined ? undefined : Number(found)),
      );
    };
  const armor = new ApolloArmor({
    // Apollo Server's own hideSchemaDetailsFromClientErrors removes the suggestions.
    blockFieldSuggestion: { enabled: false },
    // graphql-js's parser counts tokens itself (one parse, not two).
    maxTokens: { enabled: false },
    // armor's cost limit reads only literal `first` values and no defaults: pageCostRule does.
    costLimit: { enabled: false },
    maxDepth: {
      n: limits.maxDepth,
      // A fragment level counts like a field level: nested fragments are what the query planner is slowest on.
      flattenFragments: false,
      propagateOnRejection: false,
      onReject: [reject("maxDepth")],
    },
    maxAliases: { n: limits.maxAliases, propagateOnRejection: false, onReject: [reject("maxAliases")] },
    maxDirectives: {
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [reject("maxDirectives")],
    },
  }).protect();
  return {
    introspection: development,
    hideSchemaDetailsFromClientErrors: !development,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: armor.validationRules,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    plugins: [...armor.plugins, operationGuard(limits)],
  };
}

/** Variables sets remembered per document as within the cost limit; past it the set is started afresh. */
const WITHIN_COST_ENTRIES = 64;

function operationGuard(limits: QueryLimits): ApolloServerPlugin<BaseContext> {
  // The cost depends only on the schema, the document and its variables: Apollo's document store hands the same
  // document object to every request with the same query text, so a verdict of "within the limit" is kept for it.
  // A query over the limit is costed again each time (its error is built per request).
  const withinCost = new WeakMap<DocumentNode, { schema: GraphQLSchema; variables: Set<string> }>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, schema, document }) {
          if (!operation)
            throw new GraphQLError(
              request.operationName
                ? `the query has no operation named ${JSON.stringify(request.operationName.slice(0, 100))}`
                : "the query has several operations: say which one to run with operationName",
              { extensions: { code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } } },
            );
          const known = withinCost.get(document);
          const variables = JSON.stringify(request.variables ?? {});
          if (known?.schema === schema && known.variables.has(variables)) return;
          const [tooCostly] = validate(schema, document, [
            pageCostRule({ maxCost: limits.maxCost, variables: request.variables }),
          ]);
          if (tooCostly) throw tooCostly;
          if (known?.schema !== schema || known.variables.size >= WITHIN_COST_ENTRIES)
            withinCost.set(document, { schema, variables: new Set([variables]) });
          else known.variables.add(variables);
        },
      };
    },
  };
}

// graphql-js 16 says "more that N tokens"; a fixed typo must not break the mapping.
const TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:at|an) (\d+) tokens/;

/**
 * The `formatError` both servers end with:
 * - a validation error raised by a limit keeps its own code (Apollo re-codes every validation error
 *   GRAPHQL_VALIDATION_FAILED), and the parser's token limit becomes `QUERY_LIMIT_EXCEEDED` too;
 * - refused introspection says so without Apollo's advice to the server's operator;
 * - `extensions.response` goes: Apollo Gateway's RemoteGraphQLDataSource copies a subgraph's HTTP response into it
 *   (the subgraph's internal URL, its raw body);
 * - messages are cut at MAX_ERROR_MESSAGE_CHARS, so a huge input is never echoed back whole.
 */
export function formatGuardedError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  let { message } = formatted;
  const { response: _internal, ...extensions } = { ...formatted.extensions };
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (
    extensions.code === "GRAPHQL_VALIDATION_FAILED" &&
    original instanceof GraphQLError &&
    typeof original.extensions.code === "string"
  )
    extensions.code = original.extensions.code;
  const tokens = TOKEN_LIMIT.exec(message);
  if (tokens) {
    const limit = queryLimitError("maxTokens", Number(tokens[1]));
    const { http: _http, ...limitExtensions } = limit.extensions;
    message = limit.message;
    Object.assign(extensions, limitExtensions);
  }
  if (extensions.validationErrorCode === "INTROSPECTION_DISABLED")
    message = "introspection is disabled on this server (it is on only in development)";
  if (message.length > MAX_ERROR_MESSAGE_CHARS) message = `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}…`;
  return { ...formatted, message, extensions };
}
