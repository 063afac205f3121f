import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, fromChain, parseAccount, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { verifySignedAction } from "../circulation/verifySignedAction.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { readFeature, riskRegistryOf, stakeAt } from "./riskContracts.js";

export type AttestRiskFeatureInput = { featureId: string | bigint; node: Address | string };

/**
 * What the registry will check: the feature exists (UNKNOWN_RISK_FEATURE), the node has not attested it
 * (ALREADY_ATTESTED) and held at least `minAttesterStake` at the block before its publication (NOT_ATTESTER with
 * `stake` and `minStake`: stake acquired later, or flash-borrowed, does not count). The node signs the feature's
 * evidence root, so an attestation cannot be moved to another feature.
 */
async function checkAttestation(input: AttestRiskFeatureInput, hub: HubServices) {
  const featureId = parseId(input.featureId, "featureId");
  const node = parseAccount(input.node, "node");
  const feature = await readFeature(hub, featureId);
  const registry = riskRegistryOf(hub);
  const [attested, minStake, stake] = await Promise.all([
    fromChain(
      hub.publicClient.readContract({ ...registry, functionName: "hasAttested", args: [featureId, node] }),
    ),
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "minAttesterStake" })),
    stakeAt(hub, node, feature.snapshotBlock),
  ]);
  if (attested)
    throw circulationError("ALREADY_ATTESTED", `${node} already attested risk feature ${featureId}`, {
      featureId,
      node,
    });
  // A zero stake never attests, even if governance set the minimum to 0 (no sybil attesters).
  if (stake === 0n || stake < minStake)
    throw circulationError(
      "NOT_ATTESTER",
      `${node} had ${stake} ERA wei of stake at block ${feature.snapshotBlock}, below the ${minStake} an attester needs`,
      { node, stake, minStake, snapshotBlock: feature.snapshotBlock },
    );
  return { content: { featureId, evidenceRoot: feature.evidenceRoot }, node };
}

/** The AttestFeature typed data the node signs (its next registry nonce), after the checks. Nothing is sent. */
export async function prepareAttestRiskFeature(
  input: AttestRiskFeatureInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, node } = await checkAttestation(input, hub);
  return prepareSignedAction({ hub, action: "AttestFeature", signer: node, content, deadline });
}

export type AttestRiskFeatureParameters = AttestRiskFeatureInput & { authorization: SignedAuthorization };

export type AttestRiskFeatureReturnType = {
  featureId: string;
  node: Address;
  /** Attestations including this one, and whether the feature reached the quorum with it (or before). */
  attestations: number;
  verified: boolean;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** Records a staked node's attestation of a risk feature on its signature. Returns once indexed. */
export async function attestRiskFeature(
  { authorization, ...input }: AttestRiskFeatureParameters,
  hub: HubServices,
): Promise<AttestRiskFeatureReturnType> {
  const { content, node } = await checkAttestation(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "AttestFeature",
    signer: node,
    content,
    authorization,
    what: `the attestation of risk feature ${content.featureId}`,
  });
  const registry = riskRegistryOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The attestation of risk feature ${content.featureId} by ${node}`,
    call: {
      ...registry,
      functionName: "attestFeature",
      args: [content.featureId, node, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "RiskFeatureAttested");
  const quorum = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "attestationQuorum" }),
  );
  return {
    featureId: content.featureId.toString(),
    node,
    attestations: args.attestations,
    verified: args.attestations >= quorum,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
