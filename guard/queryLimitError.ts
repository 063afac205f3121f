import { type ASTNode, GraphQLError } from "graphql";
import type { QueryLimits } from "../config/loadCalderaConfig.js";

export type QueryLimit = Exclude<keyof QueryLimits, "maxBodyBytes">;

const describe: Record<QueryLimit, (max: number, found: number | undefined) => string> = {
  maxDepth: (max, found) =>
    `query is nested ${found ?? "too many"} levels deep (fields and fragments count, fragments expanded); at most ${max} allowed`,
  maxAliases: (max, found) => `query uses ${found ?? "too many"} aliases; at most ${max} allowed`,
  maxTokens: (max) => `query is longer than ${max} tokens`,
  maxDirectives: (max, found) => `query uses ${found ?? "too many"} directives; at most ${max} allowed`,
  maxCost: (max, found) =>
    `query may resolve ${found ?? "too many"} fields (page sizes multiplied); at most ${max} allowed — ask for smaller pages or fewer nested connections`,
};

/**
 * `QUERY_LIMIT_EXCEEDED` (HTTP 400): the query breaks `limit` of caldera.config.json's `limits`. `extensions` name the
 * limit, its maximum and what the query has (`found`, when known), so a client can tell which one without parsing
 * the message.
 */
export function queryLimitError(
  limit: QueryLimit,
  max: number,
  found?: number,
  nodes?: readonly ASTNode[],
): GraphQLError {
  return new GraphQLError(describe[limit](max, found), {
    nodes,
    extensions: {
      code: "QUERY_LIMIT_EXCEEDED",
      limit,
      max,
      ...(found === undefined ? {} : { found }),
      http: { status: 400 },
    },
  });
}
