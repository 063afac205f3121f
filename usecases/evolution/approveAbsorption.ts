import { type Address, getAddress, type Hex, type TypedDataDefinition } from "viem";
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../certificationTypedData.js";
import { eventOf, fromChain, parseAccount } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { BadUserInputError, NotAuthorizedError } from "../errors.js";
import { fromChainError } from "../fromChainError.js";
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

export type AbsorptionAttestation = {
  node: Address | string;
  /** The node's signature over `prepareApproveAbsorption`'s typed data, and that typed data's deadline. */
  signature: Hex;
  deadline: bigint;
};

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
  if (!Array.isArray(attestations) || attestations.length === 0)
    throw new BadUserInputError(
      "attestations",
      "must hold the nodes' signatures over the approval typed data",
    );
  const deadline = attestations[0]?.deadline as bigint;
  if (attestations.some((a) => a.deadline !== deadline))
    throw new BadUserInputError(
      "attestations",
      "must all carry the deadline of the one typed data the nodes signed",
    );
  const registry = componentRegistryOf(hub);
  const [now, quorum, minStake] = await Promise.all([
    chainNow(hub),
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "attestationQuorum" })),
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "minAttesterStake" })),
  ]);
  if (deadline <= now)
    throw new NotAuthorizedError(
      `The node signatures for absorption ${absorptionId} expired at ${new Date(Number(deadline) * 1000).toISOString()}; ask for new typed data and sign again`,
      { reason: "expired", deadline: deadline.toString() },
    );
  const typedData = typedDataOf(
    hub,
    absorptionId,
    absorption.moduleHash,
    deadline,
  ) as unknown as TypedDataDefinition;
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
        `The signature of ${node} is not its signature over the approval of absorption ${absorptionId} with deadline ${deadline}`,
        { reason: "signature", node },
      );
    const stake = await stakeAt(hub, node, absorption.snapshotBlock);
    if (stake === 0n || stake < minStake)
      throw circulationError(
        "NOT_ATTESTER",
        `${node} had ${stake} ERA wei of stake at absorption ${absorptionId}'s snapshot block ${absorption.snapshotBlock}, below the ${minStake} an attester needs`,
        { node, stake, minStake, snapshotBlock: absorption.snapshotBlock },
      );
    checked.push({ node, signature: attestation.signature });
  }
  if (checked.length < quorum)
    throw circulationError(
      "ATTESTATION_QUORUM_NOT_MET",
      `${checked.length} node attestation${checked.length === 1 ? "" : "s"}; the absorption needs ${quorum}`,
      { got: checked.length, needed: quorum },
    );
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
