import { type Abi, type Address, encodeAbiParameters, type Hex, isHex, keccak256, parseAbi } from "viem";
import {
  ecosystemRegistryAbi,
  eraTokenAbi,
  marginVaultAbi,
  nodeStakingAbi,
  riskFeatureRegistryAbi,
} from "../../contracts/generated/abis.js";
import { BaseError } from "../../errors/BaseError.js";
import { riskFeatureContext } from "../../prover/riskFeatureContext.js";
import { bucketEdges } from "../../prover/riskFeatureStandard.js";
import { fromChain, withErrorsOf } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { type RiskSignedActionName, riskSignedActions } from "./riskSignedActions.js";

/**
 * ISignedActions' surface, added where an ABI lacks it: the interfaces the risk ABIs were first generated from do
 * not inherit it, the contracts do (a regenerated ABI already has it, and nothing is added twice).
 */
const signedActionsAbi = parseAbi([
  "function nonces(address signer) view returns (uint256)",
  "error ExpiredSignature(uint256 deadline, uint256 currentTime)",
  "error InvalidSignature(address signer)",
  "error InvalidNonce(address signer, uint256 expected, uint256 got)",
]);

/** RiskFeatureRegistry's replay key lookup (public mapping and view, not in IRiskFeatureRegistry). */
const featureKeyAbi = parseAbi(["function featureByKey(bytes32 featureKey) view returns (uint256)"]);

function withMissing<const T extends Abi, const E extends Abi>(abi: T, extra: E): readonly [...T, ...E] {
  const has = new Set(abi.flatMap((item) => ("name" in item ? [`${item.type}:${item.name}`] : [])));
  const missing = extra.filter((item) => !("name" in item) || !has.has(`${item.type}:${item.name}`));
  return [...abi, ...missing] as unknown as readonly [...T, ...E];
}

const registryAbi = withErrorsOf(
  withMissing(withMissing(riskFeatureRegistryAbi, signedActionsAbi), featureKeyAbi),
  ecosystemRegistryAbi,
);
const vaultAbi = withErrorsOf(
  withMissing(marginVaultAbi, signedActionsAbi),
  eraTokenAbi,
  ecosystemRegistryAbi,
  riskFeatureRegistryAbi,
);

/** The manifest names of cross-domain risk's contracts (services/deployment.ts, deployed with circulation). */
export type RiskContractName = "EcosystemRegistry" | "RiskFeatureRegistry" | "MarginVault";

function deployed(hub: Pick<HubServices, "deployment">, name: RiskContractName): Address {
  const contract = hub.deployment.contracts[name];
  if (contract === undefined)
    throw new BaseError(
      `This hub's chain has no ${name}: cross-domain risk is deployed with ERA circulation (\`caldera up\`)`,
      { code: "CHAIN_REJECTED", details: { contract: name } },
    );
  return contract.address;
}

export function ecosystemRegistryOf(hub: Pick<HubServices, "deployment">) {
  return {
    address: deployed(hub, "EcosystemRegistry"),
    abi: withErrorsOf(ecosystemRegistryAbi),
  } as const;
}

export function riskRegistryOf(hub: Pick<HubServices, "deployment">) {
  return { address: deployed(hub, "RiskFeatureRegistry"), abi: registryAbi } as const;
}

export function marginVaultOf(hub: Pick<HubServices, "deployment">) {
  return { address: deployed(hub, "MarginVault"), abi: vaultAbi } as const;
}

export function stakingOf(hub: Pick<HubServices, "deployment">) {
  return { address: hub.deployment.contracts.NodeStaking.address, abi: nodeStakingAbi } as const;
}

/** The registry's or the vault's address and ABI, by the contract a risk action belongs to. */
export function riskSignedActionContractOf(
  hub: Pick<HubServices, "deployment">,
  action: RiskSignedActionName,
) {
  return riskSignedActions[action].contract === "RiskFeatureRegistry"
    ? riskRegistryOf(hub)
    : marginVaultOf(hub);
}

/** An ecosystem id: a positive decimal integer within uint32 (Caldera is 1). */
export function parseEcosystemId(value: unknown, field: string): number {
  const text = String(value ?? "");
  if (!/^\d{1,10}$/.test(text) || Number(text) < 1 || Number(text) > 4_294_967_295)
    throw new BadUserInputError(field, "must be an ecosystem id (a positive integer within uint32)");
  return Number(text);
}

export function parseBytes32(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !isHex(value) || value.length !== 66)
    throw new BadUserInputError(field, "must be 32 bytes as 0x and 64 hex digits");
  return value.toLowerCase() as Hex;
}

/** An ecosystem that exists (UNKNOWN_ECOSYSTEM) and, unless `anyStatus`, is active (ECOSYSTEM_NOT_ACTIVE). */
export async function readEcosystem(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  ecosystemId: number,
  { anyStatus = false } = {},
) {
  const registry = ecosystemRegistryOf(hub);
  const count = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "ecosystemCount" }),
  );
  if (ecosystemId < 1 || ecosystemId > count)
    throw circulationError("UNKNOWN_ECOSYSTEM", `There is no ecosystem ${ecosystemId}`, { ecosystemId });
  const ecosystem = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "ecosystem", args: [ecosystemId] }),
  );
  if (!anyStatus && !ecosystem.active)
    throw circulationError(
      "ECOSYSTEM_NOT_ACTIVE",
      `Ecosystem ${ecosystemId} (${ecosystem.name}) is suspended: it cannot publish features, file freezes or be served`,
      { ecosystemId },
    );
  return ecosystem;
}

/** IMarginVault.CaseStatus, by value (GraphQL's CaseStatus without NONE). */
export const caseStatusNames = ["NONE", "OPEN", "UPHELD", "REJECTED", "DISMISSED", "EXPIRED"] as const;
export type CaseStatusName = Exclude<(typeof caseStatusNames)[number], "NONE">;

/** IMarginVault.Verdict, by the names GraphQL uses (CaseVerdict). */
export const caseVerdicts = { UPHOLD: 1, REJECT: 2, DISMISS: 3 } as const;
export type CaseVerdictName = keyof typeof caseVerdicts;

/** A freeze case that exists (UNKNOWN_CASE) and, unless `anyStatus`, is open (CASE_NOT_OPEN with `status`). */
export async function readCase(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  caseId: bigint,
  { anyStatus = false } = {},
) {
  const vault = marginVaultOf(hub);
  const count = await fromChain(hub.publicClient.readContract({ ...vault, functionName: "caseCount" }));
  if (caseId > count) throw circulationError("UNKNOWN_CASE", `There is no freeze case ${caseId}`, { caseId });
  const freezeCase = await fromChain(
    hub.publicClient.readContract({ ...vault, functionName: "freezeCase", args: [caseId] }),
  );
  if (!anyStatus && freezeCase.status !== 1)
    throw circulationError(
      "CASE_NOT_OPEN",
      `Freeze case ${caseId} is ${caseStatusNames[freezeCase.status]?.toLowerCase()}, not open`,
      { caseId, status: caseStatusNames[freezeCase.status] },
    );
  return freezeCase;
}

/** A published risk feature (UNKNOWN_RISK_FEATURE when there is none). */
export async function readFeature(hub: Pick<HubServices, "deployment" | "publicClient">, featureId: bigint) {
  const registry = riskRegistryOf(hub);
  const count = await fromChain(hub.publicClient.readContract({ ...registry, functionName: "featureCount" }));
  if (featureId > count)
    throw circulationError("UNKNOWN_RISK_FEATURE", `There is no risk feature ${featureId}`, { featureId });
  return fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "feature", args: [featureId] }),
  );
}

/** A node's NodeStaking votes at the end of `block` (stake acquired later, or flash-borrowed, does not count). */
export function stakeAt(hub: Pick<HubServices, "deployment" | "publicClient">, node: Address, block: bigint) {
  return fromChain(
    hub.publicClient.readContract({ ...stakingOf(hub), functionName: "getPastVotes", args: [node, block] }),
  );
}

/**
 * The feature already published with the claim's public signals, or 0n: the registry's replay key is keccak256 of
 * abi.encode(the 9 public signals), so the same claim (whatever its proof) is FEATURE_ALREADY_PUBLISHED.
 */
export async function readPublishedFeatureId(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  claim: {
    subject: Address;
    ecosystemId: number;
    kind: number;
    bucket: number;
    windowStart: number;
    windowEnd: number;
    threshold: number;
    recordCount: number;
    evidenceRoot: Hex;
  },
): Promise<bigint> {
  const registry = riskRegistryOf(hub);
  const { lowBps, highBps } = bucketEdges(claim.bucket);
  const context = riskFeatureContext({
    chainId: hub.deployment.chainId,
    registry: registry.address,
    ecosystemId: claim.ecosystemId,
    kind: claim.kind,
  });
  const signals = [
    BigInt(claim.evidenceRoot),
    BigInt(claim.subject),
    context,
    BigInt(claim.windowStart),
    BigInt(claim.windowEnd),
    BigInt(claim.threshold),
    BigInt(claim.recordCount),
    BigInt(lowBps),
    BigInt(highBps),
  ];
  const featureKey = keccak256(encodeAbiParameters([{ type: "uint256[9]" }], [signals as never]));
  return fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "featureByKey", args: [featureKey] }),
  );
}

/** A provider's margin (locked, queued, unlockAt, ecosystems served, the case freezing it or 0). */
export function readMargin(hub: Pick<HubServices, "deployment" | "publicClient">, provider: Address) {
  return fromChain(
    hub.publicClient.readContract({ ...marginVaultOf(hub), functionName: "margin", args: [provider] }),
  );
}

/** MARGIN_FROZEN (with `caseId`) when an open case freezes the margin: no unlock, withdrawal or second case. */
export function assertNotFrozen(provider: Address, margin: { frozenBy: bigint }, doing: string): void {
  if (margin.frozenBy !== 0n)
    throw circulationError(
      "MARGIN_FROZEN",
      `The margin of ${provider} is frozen by open case ${margin.frozenBy}: no ${doing} until it is resolved`,
      { provider, caseId: margin.frozenBy },
    );
}
