import { encodeAbiParameters, getAddress, type Hex, keccak256, type TypedDataDefinition } from "viem";
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../certificationTypedData.js";
import { checkNodeAttestations, type NodeAttestation } from "../checkNodeAttestations.js";
import { eventOf, fromChain, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { signedActionTypedData } from "../circulation/signedActionTypedData.js";
import { BadUserInputError } from "../errors.js";
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

export type { NodeAttestation };

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
  const { deadline, checked } = await checkNodeAttestations({
    hub,
    attestations,
    action: `the settlement of case ${caseId}`,
    registry: riskRegistryOf(hub),
    typedDataFor: (d) => typedDataOf(hub, caseId, assessmentHash, d) as unknown as TypedDataDefinition,
    stakeOf: (node) => stakeAt(hub, node, freezeCase.snapshotBlock),
    stakeMeasuredAt: {
      description: `at case ${caseId}'s snapshot block ${freezeCase.snapshotBlock}`,
      snapshotBlock: freezeCase.snapshotBlock,
    },
    signatureHint: "same contributions as the typed data query?",
  });
  if (hub.assessments === undefined)
    throw new BadUserInputError(
      "input",
      "cannot be settled by this hub process: it holds no assessment store",
    );
  await hub.assessments.put(assessment.document);
  // The vault counts a node once by taking them in ascending address order (checkNodeAttestations sorted them).
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
