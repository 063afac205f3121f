import type { Abi, Address, Hex, TypedDataDefinition } from "viem";
import { fromChain, parseAccount } from "./circulation/circulationContracts.js";
import { circulationError } from "./circulation/circulationErrors.js";
import { BadUserInputError, NotAuthorizedError } from "./errors.js";
import type { HubServices } from "./HubServices.js";
import { chainNow } from "./verifySignedAuthorization.js";

/** One node's signature over a quorum action's typed data, and that typed data's deadline. */
export type NodeAttestation = {
  node: Address | string;
  signature: Hex;
  deadline: bigint;
};

export type CheckNodeAttestationsParameters = {
  hub: Pick<HubServices, "publicClient">;
  attestations: readonly NodeAttestation[] | undefined;
  /** What the nodes approve, for messages: "the settlement of case 3". */
  action: string;
  /** The chain's time, when the caller has read it already; default `chainNow`. A deadline at or before it has expired. */
  now?: bigint | undefined;
  /**
   * The contract that counts the nodes: its `attestationQuorum()` (distinct staked nodes it needs) and
   * `minAttesterStake()` (the stake each needs) are read here, as the contract will read them.
   */
  registry: { address: Address; abi: Abi };
  /** The typed data each node signed, for the deadline they all carry. */
  typedDataFor: (deadline: bigint) => TypedDataDefinition;
  /** A node's stake where the contract measures it (a snapshot block, or now). */
  stakeOf: (node: Address) => Promise<bigint>;
  /** Where the stake is measured, for NOT_ATTESTER's message and details. */
  stakeMeasuredAt: { description: string; snapshotBlock?: bigint | undefined };
  /** Appended to the message of a signature over something else (what a signer most likely got wrong). */
  signatureHint?: string | undefined;
};

export type CheckNodeAttestationsReturnType = {
  deadline: bigint;
  /** In ascending address order: how the contracts count a node once. */
  checked: { node: Address; signature: Hex }[];
};

/**
 * What every node-quorum action (a disposal settlement, an absorption approval, an epoch settlement) checks before
 * it sends, so a refusal costs no gas and names its cause: at least one attestation (else ATTESTATION_QUORUM_NOT_MET
 * with got 0), one deadline for all, not expired (NOT_AUTHORIZED), no node twice (BAD_USER_INPUT), each signature the
 * node's own over exactly this typed data (NOT_AUTHORIZED), each node staked at least `minStake` where the contract
 * looks (NOT_ATTESTER), and at least `quorum` of them (ATTESTATION_QUORUM_NOT_MET with `got` and `needed`).
 */
export async function checkNodeAttestations({
  hub,
  attestations,
  action,
  now: given,
  registry,
  typedDataFor,
  stakeOf,
  stakeMeasuredAt,
  signatureHint,
}: CheckNodeAttestationsParameters): Promise<CheckNodeAttestationsReturnType> {
  if (!Array.isArray(attestations))
    throw new BadUserInputError("attestations", `must list the nodes' signatures over ${action}`);
  const read = (functionName: "attestationQuorum" | "minAttesterStake") =>
    fromChain(hub.publicClient.readContract({ ...registry, functionName }) as Promise<bigint | number>);
  const [now, quorumRead, minStakeRead] = await Promise.all([
    given ?? chainNow(hub),
    read("attestationQuorum"),
    read("minAttesterStake"),
  ]);
  const quorum = Number(quorumRead);
  const minStake = BigInt(minStakeRead);
  if (attestations.length === 0)
    throw circulationError("ATTESTATION_QUORUM_NOT_MET", `No node attested ${action}; it needs ${quorum}`, {
      got: 0,
      needed: quorum,
    });
  const deadline = attestations[0]?.deadline as bigint;
  if (attestations.some((a) => a.deadline !== deadline))
    throw new BadUserInputError(
      "attestations",
      "must all carry the deadline of the one typed data the nodes signed",
    );
  if (deadline <= now)
    throw new NotAuthorizedError(
      `The node signatures over ${action} expired at ${new Date(Number(deadline) * 1000).toISOString()}; ask for new typed data and sign again`,
      { reason: "expired", deadline: deadline.toString() },
    );
  const typedData = typedDataFor(deadline);
  const seen = new Set<string>();
  const checked: { node: Address; signature: Hex }[] = [];
  for (const [i, attestation] of attestations.entries()) {
    const node = parseAccount(attestation.node, `attestations[${i}].node`);
    if (seen.has(node)) throw new BadUserInputError(`attestations[${i}].node`, `names ${node} twice`);
    seen.add(node);
    const valid = await fromChain(
      hub.publicClient.verifyTypedData({ address: node, ...typedData, signature: attestation.signature }),
    );
    if (!valid)
      throw new NotAuthorizedError(
        `The signature of ${node} is not its signature over ${action} with deadline ${deadline}${signatureHint ? ` (${signatureHint})` : ""}`,
        { reason: "signature", node },
      );
    const stake = await stakeOf(node);
    if (stake === 0n || stake < minStake)
      throw circulationError(
        "NOT_ATTESTER",
        `${node} had ${stake} ERA wei of stake ${stakeMeasuredAt.description}, below the ${minStake} an attester needs`,
        {
          node,
          stake,
          minStake,
          ...(stakeMeasuredAt.snapshotBlock === undefined
            ? {}
            : { snapshotBlock: stakeMeasuredAt.snapshotBlock }),
        },
      );
    checked.push({ node, signature: attestation.signature });
  }
  if (checked.length < quorum)
    throw circulationError(
      "ATTESTATION_QUORUM_NOT_MET",
      `${checked.length} node attestation${checked.length === 1 ? "" : "s"}; ${action} needs ${quorum}`,
      { got: checked.length, needed: quorum },
    );
  checked.sort((a, b) => (BigInt(a.node) < BigInt(b.node) ? -1 : 1));
  return { deadline, checked };
}
