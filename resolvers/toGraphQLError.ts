import { GraphQLError } from "graphql";
import { BaseError } from "../errors/BaseError.js";
import { fromChainError } from "../usecases/fromChainError.js";

/**
 * Every error a resolver lets out becomes a GraphQLError with `extensions.code`: the hub's typed BaseErrors with
 * their details, chain errors through `fromChainError`. Anything else is a bug and stays INTERNAL_SERVER_ERROR
 * (Apollo masks nothing here; the message is ours).
 */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const typed = fromChainError(error);
  if (typed instanceof BaseError)
    return new GraphQLError(typed.message, {
      extensions: { ...typed.details, code: typed.code },
      originalError: typed,
    });
  return new GraphQLError(error instanceof Error ? error.message : String(error), {
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  });
}
