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

export class ProviderAlreadyRegisteredError extends BaseError {
  override name = "ProviderAlreadyRegisteredError";
  constructor(provider: string) {
    super(`${provider} is already a registered provider`, {
      code: "PROVIDER_ALREADY_REGISTERED",
      details: { provider },
    });
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

// Node governance (usecases/governance/)

/** The proposer's stake at the previous block is below the governor's proposal threshold. */
export class BelowProposalThresholdError extends BaseError {
  override name = "BelowProposalThresholdError";
  constructor(proposer: string, votes: bigint, threshold: bigint) {
    super(
      `${proposer} has ${votes} wei of stake at the previous block; proposing needs ${threshold} (the proposal threshold)`,
      {
        code: "BELOW_PROPOSAL_THRESHOLD",
        details: { proposer, votes: votes.toString(), threshold: threshold.toString() },
      },
    );
  }
}

export class UnknownProposalError extends BaseError {
  override name = "UnknownProposalError";
  constructor(proposalId: string) {
    super(`The governor has no proposal ${proposalId}`, {
      code: "UNKNOWN_PROPOSAL",
      details: { proposalId },
    });
  }
}

export class ProposalAlreadyExistsError extends BaseError {
  override name = "ProposalAlreadyExistsError";
  constructor(proposalId: string) {
    super(
      `An identical proposal (same actions and description) already exists: ${proposalId}; give another description`,
      { code: "PROPOSAL_ALREADY_EXISTS", details: { proposalId } },
    );
  }
}

/** The proposal is not in a state that allows the action (OpenZeppelin's state names, upper-cased). */
export class ProposalStateError extends BaseError {
  override name = "ProposalStateError";
  constructor(proposalId: string, state: string, allowed: readonly string[], hint: string) {
    super(`Proposal ${proposalId} is ${state}; ${hint}`, {
      code: "PROPOSAL_STATE",
      details: { proposalId, state, allowed: [...allowed] },
    });
  }
}

export class AlreadyVotedError extends BaseError {
  override name = "AlreadyVotedError";
  constructor(proposalId: string, voter: string) {
    super(`${voter} already voted on proposal ${proposalId}`, {
      code: "ALREADY_VOTED",
      details: { proposalId, voter },
    });
  }
}

/** Queued, but the timelock's delay has not passed: executable from `eta` (unix seconds) on. */
export class TimelockNotReadyError extends BaseError {
  override name = "TimelockNotReadyError";
  constructor(proposalId: string, eta: bigint, now: bigint) {
    super(
      `Proposal ${proposalId} is queued in the timelock until ${new Date(Number(eta) * 1000).toISOString()} (${eta - now} s from the chain's time); nothing was sent`,
      {
        code: "TIMELOCK_NOT_READY",
        details: { proposalId, eta: eta.toString(), chainTime: now.toString() },
      },
    );
  }
}
