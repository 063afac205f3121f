import { GraphQLError } from "graphql";
import {
  ContractFunctionRevertedError,
  HttpRequestError,
  TimeoutError,
  BaseError as ViemBaseError,
} from "viem";
import { BaseError } from "../errors/BaseError.js";

/** Registry custom errors → the GraphQL code a client can branch on. */
const revertCodes: Record<string, string> = {
  UnknownProvider: "UNKNOWN_PROVIDER",
  ProviderAlreadyRegistered: "PROVIDER_ALREADY_REGISTERED",
  NotProviderOrOperator: "NOT_AUTHORIZED",
  DatasetAlreadyCertified: "ALREADY_CERTIFIED",
  InvalidProof: "INVALID_PROOF",
  InvalidTerms: "INVALID_DATASET",
  UnknownDomain: "INVALID_DATASET",
  InsufficientGasForVerification: "CHAIN_REJECTED",
};

/**
 * Every error a resolver lets out becomes a GraphQLError with `extensions.code`: the hub's own codes, the
 * registry's custom errors by name, CHAIN_UNAVAILABLE when the RPC cannot be reached. Anything else is a bug and
 * stays INTERNAL_SERVER_ERROR (Apollo masks nothing here; the message is ours).
 */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof BaseError)
    return new GraphQLError(error.message, {
      extensions: { code: error.code, ...error.details },
      originalError: error,
    });
  if (error instanceof ViemBaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
      const name = reverted.data.errorName;
      return new GraphQLError(
        `The registry rejected the transaction: ${name}(${(reverted.data.args ?? []).join(", ")})`,
        {
          extensions: { code: revertCodes[name] ?? "CHAIN_REJECTED", revert: name },
        },
      );
    }
    if (error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError))
      return new GraphQLError(`The chain RPC is unavailable: ${error.shortMessage}`, {
        extensions: { code: "CHAIN_UNAVAILABLE" },
      });
    return new GraphQLError(error.shortMessage, { extensions: { code: "CHAIN_REJECTED" } });
  }
  return new GraphQLError(error instanceof Error ? error.message : String(error), {
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  });
}
