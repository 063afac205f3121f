import { BaseError } from "../errors/BaseError.js";

/** The use cases' typed failures; GraphQL turns each into `extensions.code`, the CLI into one line. */

export class BadUserInputError extends BaseError {
  override name = "BadUserInputError";
  constructor(field: string, problem: string) {
    super(`${field} ${problem}`, { code: "BAD_USER_INPUT", details: { field } });
  }
}

export class UnknownProviderError extends BaseError {
  override name = "UnknownProviderError";
  constructor(provider: string) {
    super(`${provider} is not a registered provider`, { code: "UNKNOWN_PROVIDER", details: { provider } });
  }
}

export class NotAuthorizedError extends BaseError {
  override name = "NotAuthorizedError";
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { code: "NOT_AUTHORIZED", details });
  }
}

export class AlreadyCertifiedError extends BaseError {
  override name = "AlreadyCertifiedError";
  constructor(certificateId: bigint) {
    super(`This dataset is already certified as certificate ${certificateId}`, {
      code: "ALREADY_CERTIFIED",
      details: { certificateId: certificateId.toString() },
    });
  }
}

/** The indexer is down or too far behind: the action is refused before anything is proven or sent. */
export class IndexerUnavailableError extends BaseError {
  override name = "IndexerUnavailableError";
  constructor(detail: string, details: Record<string, unknown> = {}) {
    super(
      `The indexer is not live (${detail}); nothing was sent — retry when \`caldera status\` shows it ready`,
      {
        code: "INDEXER_UNAVAILABLE",
        details,
      },
    );
  }
}

/** The transaction is on-chain but the indexer has not shown it yet: the action succeeded, the read lags. */
export class IndexerBehindError extends BaseError {
  override name = "IndexerBehindError";
  constructor(what: string, transactionHash: string, details: Record<string, unknown> = {}) {
    super(`${what} is on-chain (${transactionHash}) but the indexer has not caught up yet`, {
      code: "INDEXER_BEHIND",
      details: { transactionHash, ...details },
    });
  }
}

export class ChainRejectedError extends BaseError {
  override name = "ChainRejectedError";
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { code: "CHAIN_REJECTED", details });
  }
}

/** The certificates do not satisfy the active derivation rule for the kind (or no rule is active). */
export class RuleNotMetError extends BaseError {
  override name = "RuleNotMetError";
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, { code: "RULE_NOT_MET", details });
  }
}
