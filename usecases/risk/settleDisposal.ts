import {
  type Address,
  encodeAbiParameters,
  getAddress,
  type Hex,
  keccak256,
  type TypedDataDefinition,
} from "viem";
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../certificationTypedData.js";
import { eventOf, fromChain, parseAccount, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { signedActionTypedData } from "../circulation/signedActionTypedData.js";
import { BadUserInputError, NotAuthorizedError } from "../errors.js";
import { fromChainError } from "../fromChainError.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { assessContributions, type ContributionInput } from "./assessContributions.js";
import {
  caseStatusNames,
  marginVaultOf,
  readCase,
  readEcosystem,
  riskRegistryOf,
  stakeAt,
} from "./riskContracts.js";

export type SettleDisposalInput = {
  caseId: string | bigint;
  /** One per participating ecosystem (at most ten): warning lead time, loss reduction, whether it located the source. */
  contributions: readonly (Omit<ContributionInput, "ecosystemId"> & { ecosystem: string | number })[];
};

/**
 * The upheld, unsettled case (UNKNOWN_CASE, CASE_NOT_UPHELD with `status`, DISPOSAL_ALREADY_SETTLED), and its
 * assessment: the contributions' exact Shapley shares of the seized margin (usecases/risk/assessContributions.ts,
 * BAD_USER_INPUT for malformed contributions), every paid ecosystem active (INVALID_SHARES otherwise, as the vault
 * refuses it), and the hash the nodes sign: keccak256(abi.encode(caseId, ecosystemIds, sharesBps, inputsHash)).
 */
async function assessDisposal(input: SettleDisposalInput, hub: HubServices) {
  const caseId = parseId(input.caseId, "caseId");
  const freezeCase = await readCase(hub, caseId, { anyStatus: true });
  if (freezeCase.status !== 2)
    throw circulationError(
      "CASE_NOT_UPHELD",
      `Case ${caseId} is ${caseStatusNames[freezeCase.status]?.toLowerCase()}: only an upheld case has a disposal`,
      { caseId, status: caseStatusNames[freezeCase.status] },
    );
  const disposal = await fromChain(
    hub.publicClient.readContract({ ...marginVaultOf(hub), functionName: "disposal", args: [caseId] }),
  );
  if (disposal.settled)
    throw circulationError("DISPOSAL_ALREADY_SETTLED", `The disposal of case ${caseId} was settled before`, {
      caseId,
    });
  if (!Array.isArray(input.contributions))
    throw new BadUserInputError("contributions", "must list the participating ecosystems");
  const assessment = assessContributions({
    caseId,
    lossAmount: disposal.seized,
    contributions: input.contributions.map(({ ecosystem, ...rest }) => ({ ...rest, ecosystemId: ecosystem })),
  });
  // Every participant must exist (UNKNOWN_ECOSYSTEM); one that earns a share must be active, as the vault requires.
  for (const { ecosystemId } of assessment.document.contributions) {
    const ecosystem = await readEcosystem(hub, Number(ecosystemId), { anyStatus: true });
    if (!ecosystem.active && assessment.ecosystemIds.includes(Number(ecosystemId)))
      throw circulationError(
        "INVALID_SHARES",
        `Ecosystem ${ecosystemId} is suspended: it cannot take a disposal share`,
        { ecosystemId },
      );
  }
  const assessmentHash = keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "uint32[]" }, { type: "uint16[]" }, { type: "bytes32" }],
      [caseId, assessment.ecosystemIds, assessment.sharesBps, assessment.inputsHash],
    ),
  );
  return { caseId, freezeCase, seized: disposal.seized, assessment, assessmentHash };
}

function typedDataOf(hub: HubServices, caseId: bigint, assessmentHash: Hex, deadline: bigint) {
  return signedActionTypedData({
    chainId: hub.deployment.chainId,
    verifyingContract: marginVaultOf(hub).address,
    action: "SettleDisposal",
    message: { caseId, assessmentHash, deadline },
  });
}

/**
 * The assessment of an upheld case's disposal — each ecosystem's share (bps, floored; the remainder goes to the
 * vault's reserve), exact Shapley value and the inputs hash — and the SettleDisposal typed data every attesting node
 * signs (no nonce: a case settles once). Nothing is stored or sent.
 */
export async function prepareSettleDisposal(
  input: SettleDisposalInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { caseId, seized, assessment, assessmentHash } = await assessDisposal(input, hub);
  const now = await chainNow(hub);
  if (deadline !== undefined && deadline <= now)
    throw new BadUserInputError("deadline", "must be in the future (the chain's clock)");
  const until = deadline ?? now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
  return {
    typedData: typedDataOf(hub, caseId, assessmentHash, until),
    deadline: until,
    seized,
    assessment,
    assessmentHash,
  };
}

export type NodeAttestation = {
  node: Address | string;
  /** The node's signature over `prepareSettleDisposal`'s typed data, and that typed data's deadline. */
  signature: Hex;
  deadline: bigint;
};

export type SettleDisposalParameters = SettleDisposalInput & { attestations: readonly NodeAttestation[] };

export type SettleDisposalReturnType = {
  caseId: string;
  inputsHash: Hex;
  assessmentHash: Hex;
  seized: bigint;
  /** ERA wei assigned to ecosystems, and the rest (unassigned bps and rounding) sent to the reserve. */
  assigned: bigint;
  dust: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Settles an upheld case's disposal on the signatures of staked nodes over the assessment. Before anything is sent:
 * the case and assessment checks above, one deadline ahead for all (NOT_AUTHORIZED "expired"), each signature the
 * node's (NOT_AUTHORIZED "signature"), each node distinct (BAD_USER_INPUT) with at least the attester stake at the
 * case's snapshot block (NOT_ATTESTER), and the registry's attestation quorum reached (ATTESTATION_QUORUM_NOT_MET
 * with `got` and `needed`). The assessment document is stored (content-addressed, by its inputs hash) before the
 * transaction, so a disposal on-chain always has its document; returns once indexed.
 */
export async function settleDisposal(
  { attestations, ...input }: SettleDisposalParameters,
  hub: HubServices,
): Promise<SettleDisposalReturnType> {
  const { caseId, freezeCase, seized, assessment, assessmentHash } = await assessDisposal(input, hub);
  if (!Array.isArray(attestations) || attestations.length === 0)
    throw new BadUserInputError(
      "attestations",
      "must hold the nodes' signatures over the settlement typed data",
    );
  const deadline = attestations[0]?.deadline as bigint;
  if (attestations.some((a) => a.deadline !== deadline))
    throw new BadUserInputError(
      "attestations",
      "must all carry the deadline of the one typed data the nodes signed",
    );
  const registry = riskRegistryOf(hub);
  const [now, quorum, minStake] = await Promise.all([
    chainNow(hub),
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "attestationQuorum" })),
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "minAttesterStake" })),
  ]);
  if (deadline <= now)
    throw new NotAuthorizedError(
      `The node signatures for the disposal of case ${caseId} expired at ${new Date(Number(deadline) * 1000).toISOString()}; ask for new typed data and sign again`,
      { reason: "expired", deadline: deadline.toString() },
    );
  const typedData = typedDataOf(hub, caseId, assessmentHash, deadline) as unknown as TypedDataDefinition;
  const seen = new Set<string>();
  const checked: { node: Address; signature: Hex }[] = [];
  for (const [i, attestation] of attestations.entries()) {
    const node = parseAccount(attestation.node, `attestations[${i}].node`);
    if (seen.has(node)) throw new BadUserInputError(`attestations[${i}].node`, `names ${node} twice`);
    seen.add(node);
    const valid = await hub.publicClient
      .verifyTypedData({ address: node, ...typedData, signature: attestation.signature })
      .catch((error: unknown) => {
        throw fromChainError(error);
      });
    if (!valid)
      throw new NotAuthorizedError(
        `The signature of ${node} is not its signature over the settlement of case ${caseId} with these shares and deadline ${deadline} (same contributions as the typed data query?)`,
        { reason: "signature", node },
      );
    const stake = await stakeAt(hub, node, freezeCase.snapshotBlock);
    if (stake === 0n || stake < minStake)
      throw circulationError(
        "NOT_ATTESTER",
        `${node} had ${stake} ERA wei of stake at case ${caseId}'s snapshot block ${freezeCase.snapshotBlock}, below the ${minStake} an attester needs`,
        { node, stake, minStake, snapshotBlock: freezeCase.snapshotBlock },
      );
    checked.push({ node, signature: attestation.signature });
  }
  if (checked.length < quorum)
    throw circulationError(
      "ATTESTATION_QUORUM_NOT_MET",
      `${checked.length} node attestation${checked.length === 1 ? "" : "s"}; the disposal needs ${quorum}`,
      { got: checked.length, needed: quorum },
    );
  if (hub.assessments === undefined)
    throw new BadUserInputError(
      "input",
      "cannot be settled by this hub process: it holds no assessment store",
    );
  await hub.assessments.put(assessment.document);
  // The vault counts a node once by taking them in ascending address order (it skips any not above the last).
  checked.sort((a, b) => (BigInt(a.node) < BigInt(b.node) ? -1 : 1));
  const vault = marginVaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The disposal of case ${caseId}`,
    call: {
      ...vault,
      functionName: "settleDisposal",
      args: [
        caseId,
        assessment.ecosystemIds,
        assessment.sharesBps,
        assessment.inputsHash,
        deadline,
        checked.map((c) => getAddress(c.node)),
        checked.map((c) => c.signature),
      ],
    },
  });
  const { args } = eventOf(receipt, vault.abi, "DisposalSettled");
  return {
    caseId: caseId.toString(),
    inputsHash: args.inputsHash,
    assessmentHash: args.assessmentHash,
    seized,
    assigned: args.assigned,
    dust: args.dust,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
