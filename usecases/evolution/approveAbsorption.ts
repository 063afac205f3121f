import { type Address, getAddress, type Hex, type TypedDataDefinition } from "viem";
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../certificationTypedData.js";
import { checkNodeAttestations, type NodeAttestation } from "../checkNodeAttestations.js";
import { eventOf } from "../circulation/circulationContracts.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { stakeAt } from "../risk/riskContracts.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import {
  absorptionNotPending,
  componentRegistryOf,
  parseComponentId,
  readAbsorption,
} from "./absorptionContracts.js";
import { evolutionActionTypedData } from "./evolutionSignedActions.js";

/** A pending absorption (UNKNOWN_ABSORPTION, ABSORPTION_NOT_PENDING with `status`). */
async function pendingAbsorption(value: unknown, hub: HubServices) {
  const absorptionId = parseComponentId(value, "absorptionId");
  const absorption = await readAbsorption(hub, absorptionId);
  if (absorption.statusName !== "REQUESTED") throw absorptionNotPending(absorptionId, absorption.statusName);
  return { absorptionId, absorption };
}

function typedDataOf(hub: HubServices, absorptionId: bigint, moduleHash: Hex, deadline: bigint) {
  return evolutionActionTypedData({
    chainId: hub.deployment.chainId,
    verifyingContract: componentRegistryOf(hub).address,
    action: "ApproveAbsorption",
    message: { absorptionId, moduleHash, deadline },
  });
}

/**
 * The ApproveAbsorption typed data every approving node signs (no nonce: an absorption is approved once), for a
 * requested absorption. Nothing is sent.
 */
export async function prepareApproveAbsorption(
  absorptionId: string | bigint,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const checked = await pendingAbsorption(absorptionId, hub);
  const now = await chainNow(hub);
  if (deadline !== undefined && deadline <= now)
    throw new BadUserInputError("deadline", "must be in the future (the chain's clock)");
  const until = deadline ?? now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
  return {
    typedData: typedDataOf(hub, checked.absorptionId, checked.absorption.moduleHash, until),
    deadline: until,
    absorption: checked.absorption,
  };
}

/** A node's signature over `prepareApproveAbsorption`'s typed data, and that typed data's deadline. */
export type AbsorptionAttestation = NodeAttestation;

export type ApproveAbsorptionParameters = {
  absorptionId: string | bigint;
  attestations: readonly AbsorptionAttestation[];
};

export type ApproveAbsorptionReturnType = {
  absorptionId: bigint;
  absorberId: bigint;
  moduleHash: Hex;
  /** The source component's provider, and the ERA wei it received. */
  paidTo: Address;
  compensation: bigint;
  nodes: readonly Address[];
  /** The absorber's logic hash after it: keccak256(abi.encode(old, moduleHash)). */
  logicHash: Hex;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Approves a requested absorption on staked nodes' signatures: the escrowed compensation goes to the source's
 * provider and the absorber may run the module (`hasAbsorbed`). Before anything is sent, as the registry will check:
 * the absorption pending (UNKNOWN_ABSORPTION, ABSORPTION_NOT_PENDING — so approving twice is refused), one deadline
 * ahead for all (NOT_AUTHORIZED "expired"), each signature the node's (NOT_AUTHORIZED "signature"), each node
 * distinct (BAD_USER_INPUT), each with at least the attester stake at the request's snapshot block (NOT_ATTESTER),
 * the quorum reached (ATTESTATION_QUORUM_NOT_MET with `got`, `needed`). Returns once indexed.
 */
export async function approveAbsorption(
  { absorptionId: id, attestations }: ApproveAbsorptionParameters,
  hub: HubServices,
): Promise<ApproveAbsorptionReturnType> {
  const { absorptionId, absorption } = await pendingAbsorption(id, hub);
  const registry = componentRegistryOf(hub);
  const { deadline, checked } = await checkNodeAttestations({
    hub,
    attestations,
    action: `the approval of absorption ${absorptionId}`,
    registry,
    typedDataFor: (d) =>
      typedDataOf(hub, absorptionId, absorption.moduleHash, d) as unknown as TypedDataDefinition,
    stakeOf: (node) => stakeAt(hub, node, absorption.snapshotBlock),
    stakeMeasuredAt: {
      description: `at absorption ${absorptionId}'s snapshot block ${absorption.snapshotBlock}`,
      snapshotBlock: absorption.snapshotBlock,
    },
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The approval of absorption ${absorptionId}`,
    call: {
      address: registry.address,
      abi: registry.abi,
      functionName: "approveAbsorption",
      args: [absorptionId, deadline, checked.map((c) => getAddress(c.node)), checked.map((c) => c.signature)],
    },
  });
  const approved = eventOf(receipt, registry.abi, "AbsorptionApproved").args;
  const updated = eventOf(receipt, registry.abi, "LogicUpdated").args;
  return {
    absorptionId,
    absorberId: absorption.absorberId,
    moduleHash: absorption.moduleHash,
    paidTo: approved.paidTo,
    compensation: approved.compensation,
    nodes: approved.nodes,
    logicHash: updated.logicHash,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
