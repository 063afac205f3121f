import {
  ContractFunctionRevertedError,
  HttpRequestError,
  TimeoutError,
  BaseError as ViemBaseError,
} from "viem";
import { BaseError } from "../errors/BaseError.js";
import type { ErrorCode } from "../errors/errorCodes.js";

/** Contracts' custom errors → the code a client can branch on. */
const revertCodes: Record<string, ErrorCode> = {
  UnknownProvider: "UNKNOWN_PROVIDER",
  ProviderAlreadyRegistered: "PROVIDER_ALREADY_REGISTERED",
  DatasetAlreadyCertified: "ALREADY_CERTIFIED",
  InvalidProof: "INVALID_PROOF",
  InvalidTerms: "INVALID_DATASET",
  UnknownDomain: "INVALID_DATASET",
  InsufficientGasForVerification: "CHAIN_REJECTED",
  BelowFloor: "BELOW_FLOOR",
  UnknownCertificate: "UNKNOWN_CERTIFICATE",
  RuleNotMet: "RULE_NOT_MET",
  RuleInactive: "RULE_NOT_MET",
  NotCoreOwner: "NOT_AUTHORIZED",
  InvalidSignature: "NOT_AUTHORIZED",
  ExpiredSignature: "NOT_AUTHORIZED",
  InvalidNonce: "NOT_AUTHORIZED",
  InvalidBindingProof: "INVALID_PROOF",
  DerivationAlreadyMinted: "ALREADY_DERIVED",
  // CalderaGovernor (OpenZeppelin Governor + proposeBySig) and its TimelockController
  ProposalSignatureExpired: "NOT_AUTHORIZED",
  InvalidProposalSignature: "NOT_AUTHORIZED",
  GovernorInvalidSignature: "NOT_AUTHORIZED",
  GovernorRestrictedProposer: "NOT_AUTHORIZED",
  GovernorInsufficientProposerVotes: "BELOW_PROPOSAL_THRESHOLD",
  GovernorNonexistentProposal: "UNKNOWN_PROPOSAL",
  GovernorUnexpectedProposalState: "PROPOSAL_STATE",
  GovernorAlreadyCastVote: "ALREADY_VOTED",
  TimelockUnexpectedOperationState: "TIMELOCK_NOT_READY",
  // EcosystemRegistry, RiskFeatureRegistry and MarginVault
  UnknownEcosystem: "UNKNOWN_ECOSYSTEM",
  EcosystemInactive: "ECOSYSTEM_NOT_ACTIVE",
  EcosystemNotActive: "ECOSYSTEM_NOT_ACTIVE",
  NotEcosystemOperator: "NOT_AUTHORIZED",
  OperatorTaken: "BAD_USER_INPUT",
  InvalidEcosystemField: "BAD_USER_INPUT",
  UnknownRiskKind: "BAD_USER_INPUT",
  InvalidBucket: "BAD_USER_INPUT",
  InvalidWindow: "BAD_USER_INPUT",
  InvalidRecordCount: "BAD_USER_INPUT",
  InvalidFeatureProof: "INVALID_PROOF",
  FeatureAlreadyPublished: "FEATURE_ALREADY_PUBLISHED",
  UnknownFeature: "UNKNOWN_RISK_FEATURE",
  EvidenceMismatch: "BAD_USER_INPUT",
  NotAttester: "NOT_ATTESTER",
  AlreadyAttested: "ALREADY_ATTESTED",
  InsufficientMargin: "INSUFFICIENT_MARGIN",
  MarginIsFrozen: "MARGIN_FROZEN",
  UnlockNotReady: "UNLOCK_NOT_READY",
  NoMargin: "NO_MARGIN",
  InvalidEcosystemList: "BAD_USER_INPUT",
  SelfFreeze: "NOT_AUTHORIZED",
  UnknownCase: "UNKNOWN_CASE",
  CaseNotOpen: "CASE_NOT_OPEN",
  VotingClosed: "VOTING_CLOSED",
  VotingOpen: "VOTING_OPEN",
  InvalidVerdict: "BAD_USER_INPUT",
  NoVotingPower: "NO_VOTING_POWER",
  AlreadyVoted: "ALREADY_VOTED",
  CaseNotUpheld: "CASE_NOT_UPHELD",
  DisposalAlreadySettled: "DISPOSAL_ALREADY_SETTLED",
  DisposalNotSettled: "DISPOSAL_NOT_SETTLED",
  InvalidShares: "INVALID_SHARES",
  AttestationQuorumNotMet: "ATTESTATION_QUORUM_NOT_MET",
  InvalidParameter: "BAD_USER_INPUT",
  // DerivativeRegistry, DerivativeMarket and CreditVault
  UnknownDerivative: "UNKNOWN_DERIVATIVE",
  NotProvider: "NOT_AUTHORIZED",
  NotUnitOwner: "NOT_AUTHORIZED",
  InvalidLicenceTerms: "BAD_USER_INPUT",
  NotForSale: "NOT_FOR_SALE",
  PriceAboveMaximum: "PRICE_CHANGED",
  NoLicence: "LICENCE_REQUIRED",
  AlreadyAdopted: "ALREADY_ADOPTED",
  WrongUsageKind: "WRONG_USAGE_KIND",
  NothingToClaim: "NOTHING_TO_CLAIM",
  NothingToRelease: "NOTHING_TO_CLAIM",
  PoolEmpty: "POOL_EMPTY",
  ZeroAmount: "BAD_USER_INPUT",
  ERC20InsufficientBalance: "INSUFFICIENT_FUNDS",
  ERC20InsufficientAllowance: "INSUFFICIENT_FUNDS",
  AlreadyPledged: "ALREADY_PLEDGED",
  NoCreditForDomain: "NO_CREDIT_FOR_DOMAIN",
  UnknownLine: "UNKNOWN_CREDIT_LINE",
  LineNotOpen: "CREDIT_LINE_NOT_OPEN",
  LineOverdue: "CREDIT_LINE_OVERDUE",
  AboveLimit: "CREDIT_LIMIT_EXCEEDED",
  InsufficientLiquidity: "INSUFFICIENT_LIQUIDITY",
  DebtOutstanding: "DEBT_OUTSTANDING",
  NotYetDue: "NOT_YET_DUE",
  NothingOwed: "NOTHING_OWED",
  InsufficientShares: "INSUFFICIENT_SHARES",
  DepositTooSmall: "BAD_USER_INPUT",
  DerivativeNotTransferable: "CHAIN_REJECTED",
  // ComponentRegistry and EvolutionPool
  UnknownComponent: "UNKNOWN_COMPONENT",
  NotComponentProvider: "NOT_AUTHORIZED",
  InvalidComponentKind: "BAD_USER_INPUT",
  EmptyName: "BAD_USER_INPUT",
  PledgeTooLow: "PLEDGE_TOO_LOW",
  PriceAboveMax: "PRICE_CHANGED",
  InvalidBps: "BAD_USER_INPUT",
  ModuleHashMismatch: "MODULE_HASH_MISMATCH",
  SelfAbsorption: "BAD_USER_INPUT",
  UnknownAbsorption: "UNKNOWN_ABSORPTION",
  AbsorptionNotPending: "ABSORPTION_NOT_PENDING",
  AbsorptionWindowOpen: "ABSORPTION_WINDOW_OPEN",
  DuplicateAttester: "BAD_USER_INPUT",
  InvalidQuorum: "BAD_USER_INPUT",
  NoImprovementClaimed: "BAD_USER_INPUT",
  EpochNotOver: "EPOCH_NOT_OVER",
  EpochAlreadySettled: "EPOCH_ALREADY_SETTLED",
  PoolInsufficient: "EVOLUTION_POOL_INSUFFICIENT",
  InvalidRewardCurve: "BAD_USER_INPUT",
  EvolutionPoolAlreadySet: "CHAIN_REJECTED",
};

/**
 * A viem error from simulating or sending → a typed BaseError: a custom revert by name, CHAIN_UNAVAILABLE when
 * the RPC cannot be reached, CHAIN_REJECTED otherwise. Anything that is not a viem error is returned unchanged.
 */
export function fromChainError(error: unknown): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
    const name = reverted.data.errorName;
    return new BaseError(
      `The contract rejected the transaction: ${name}(${(reverted.data.args ?? []).join(", ")})`,
      {
        code: revertCodes[name] ?? "CHAIN_REJECTED",
        details: { revert: name },
        cause: error,
      },
    );
  }
  if (error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError))
    return new BaseError(`The chain RPC is unavailable: ${error.shortMessage}`, {
      code: "CHAIN_UNAVAILABLE",
      cause: error,
    });
  return new BaseError(error.shortMessage, { code: "CHAIN_REJECTED", cause: error });
}
