/**
 * The EIP-712 actions of cross-domain risk the hub relays, in the shape of circulation's `signedActions` table
 * (usecases/circulation/signedActionTypedData.ts merges the two, so `prepareSignedAction`, `verifySignedAction` and
 * `relayEraPull` serve both): each action's struct fields, exactly the type strings in the NatSpec of
 * IRiskFeatureRegistry.sol and IMarginVault.sol (enums as uint8), and the contract whose domain and nonces it uses.
 */
export const riskSignedActionContracts = {
  RiskFeatureRegistry: { name: "Caldera Risk", version: "1" },
  MarginVault: { name: "Caldera Margin", version: "1" },
} as const;

export type RiskSignedActionContract = keyof typeof riskSignedActionContracts;

const nonceAndDeadline = [
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint256" },
] as const;

export const riskSignedActions = {
  // RiskFeatureRegistry
  PublishFeature: {
    contract: "RiskFeatureRegistry",
    fields: [
      { name: "subject", type: "address" },
      { name: "ecosystemId", type: "uint32" },
      { name: "kind", type: "uint8" },
      { name: "bucket", type: "uint8" },
      { name: "windowStart", type: "uint64" },
      { name: "windowEnd", type: "uint64" },
      { name: "threshold", type: "uint32" },
      { name: "recordCount", type: "uint16" },
      { name: "evidenceRoot", type: "bytes32" },
      ...nonceAndDeadline,
    ],
  },
  AttestFeature: {
    contract: "RiskFeatureRegistry",
    fields: [
      { name: "featureId", type: "uint256" },
      { name: "evidenceRoot", type: "bytes32" },
      ...nonceAndDeadline,
    ],
  },
  // MarginVault
  LockMargin: {
    contract: "MarginVault",
    fields: [{ name: "provider", type: "address" }, { name: "amount", type: "uint256" }, ...nonceAndDeadline],
  },
  SetServedEcosystems: {
    contract: "MarginVault",
    fields: [
      { name: "provider", type: "address" },
      { name: "ecosystemIds", type: "uint32[]" },
      ...nonceAndDeadline,
    ],
  },
  RequestUnlock: {
    contract: "MarginVault",
    fields: [{ name: "provider", type: "address" }, { name: "amount", type: "uint256" }, ...nonceAndDeadline],
  },
  WithdrawMargin: {
    contract: "MarginVault",
    fields: [{ name: "provider", type: "address" }, ...nonceAndDeadline],
  },
  FileFreeze: {
    contract: "MarginVault",
    fields: [
      { name: "provider", type: "address" },
      { name: "ecosystemId", type: "uint32" },
      { name: "claimAmount", type: "uint256" },
      { name: "evidenceHash", type: "bytes32" },
      ...nonceAndDeadline,
    ],
  },
  CastCaseVote: {
    contract: "MarginVault",
    fields: [{ name: "caseId", type: "uint256" }, { name: "verdict", type: "uint8" }, ...nonceAndDeadline],
  },
  /** No nonce: a case settles once. Signed by each attesting node, verified by `settleDisposal` itself. */
  SettleDisposal: {
    contract: "MarginVault",
    fields: [
      { name: "caseId", type: "uint256" },
      { name: "assessmentHash", type: "bytes32" },
      { name: "deadline", type: "uint256" },
    ],
  },
  ClaimPayout: {
    contract: "MarginVault",
    fields: [
      { name: "caseId", type: "uint256" },
      { name: "ecosystemId", type: "uint32" },
      ...nonceAndDeadline,
    ],
  },
} as const satisfies Record<
  string,
  { contract: RiskSignedActionContract; fields: readonly { name: string; type: string }[] }
>;

export type RiskSignedActionName = keyof typeof riskSignedActions;
