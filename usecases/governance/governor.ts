import {
  type Address,
  encodeAbiParameters,
  type Hex,
  keccak256,
  parseAbiParameters,
  stringToHex,
  type TypedDataDefinition,
} from "viem";
import {
  calderaGovernorAbi,
  derivationRulesAbi,
  timelockControllerAbi,
} from "../../contracts/generated/abis.js";
import { NotAuthorizedError, UnknownProposalError } from "../errors.js";
import { fromChainError } from "../fromChainError.js";
import type { HubServices } from "../HubServices.js";
import type { ProposalContent } from "./governanceTypedData.js";
import { type ProposalStateName, proposalStates } from "./proposalState.js";

/**
 * The governor's ABI plus the errors of what it calls (the timelock, DerivationRules), so that a revert bubbling up
 * through `execute` or `queue` decodes by name (TimelockUnexpectedOperationState → TIMELOCK_NOT_READY, …).
 */
export const governanceAbi = [
  ...calderaGovernorAbi,
  ...[...timelockControllerAbi, ...derivationRulesAbi].filter(
    (item) =>
      item.type === "error" && !calderaGovernorAbi.some((g) => g.type === "error" && g.name === item.name),
  ),
] as unknown as typeof calderaGovernorAbi;

/**
 * Governance transactions are checked against the block they will land in, not the last one: voting opens the
 * block after the snapshot and closes after the deadline, so a state read or a simulation at "latest" would be one
 * block early. Simulations and state reads use "pending".
 */
export const NEXT_BLOCK = "pending" as const;

export function governorOf(hub: Pick<HubServices, "deployment">) {
  return { address: hub.deployment.contracts.CalderaGovernor.address, abi: governanceAbi } as const;
}

/** CalderaGovernor.hashProposal, computed locally: uint256(keccak256(abi.encode(targets, values, calldatas, keccak256(description)))). */
export function hashProposal({ targets, values, calldatas, description }: ProposalContent): bigint {
  return BigInt(
    keccak256(
      encodeAbiParameters(parseAbiParameters("address[], uint256[], bytes[], bytes32"), [
        [...targets],
        [...values],
        [...calldatas],
        keccak256(stringToHex(description)),
      ]),
    ),
  );
}

/** Chain reads whose failure is the chain's (unreachable, reverted), typed as such. */
export function fromChain<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => {
    throw fromChainError(error);
  });
}

/** The account's next governor nonce (proposals and ballots share the sequence). */
export function governorNonce(hub: Pick<HubServices, "publicClient" | "deployment">, account: Address) {
  return fromChain(
    hub.publicClient.readContract({ ...governorOf(hub), functionName: "nonces", args: [account] }),
  );
}

export type CheckBallotSignatureParameters = {
  voter: Address;
  signature: Hex;
  /** The voter's next governor nonce. */
  nonce: bigint;
  /** The ballot the voter was to sign, for a nonce. */
  typedDataFor: (nonce: bigint) => TypedDataDefinition;
};

/**
 * A ballot's signature, off-chain, before anything is sent (a ballot has no deadline; the voting period bounds it):
 * the voter's over exactly this ballot and its next nonce (ECDSA, else ERC-1271 through viem). NOT_AUTHORIZED with
 * the same reasons as every signed action: "replayed" (valid for the nonce before, which is used) or "signature".
 */
export async function checkBallotSignature(
  hub: Pick<HubServices, "publicClient">,
  { voter, signature, nonce, typedDataFor }: CheckBallotSignatureParameters,
): Promise<void> {
  const validFor = (n: bigint) =>
    hub.publicClient
      .verifyTypedData({ address: voter, ...typedDataFor(n), signature, mode: "eoa" } as Parameters<
        HubServices["publicClient"]["verifyTypedData"]
      >[0])
      .catch(() => false);
  if (await validFor(nonce)) return;
  if (nonce > 0n && (await validFor(nonce - 1n)))
    throw new NotAuthorizedError(
      `The ballot was signed for governor nonce ${nonce - 1n}, which ${voter} has used; its next nonce is ${nonce}: ask for new typed data and sign again`,
      { reason: "replayed", nonce: nonce.toString() },
    );
  throw new NotAuthorizedError(
    `The signature is not ${voter}'s over this ballot with governor nonce ${nonce} (same input as castVoteTypedData?); nothing was sent`,
    { reason: "signature", nonce: nonce.toString() },
  );
}

export type ProposalOnChain = {
  proposalId: bigint;
  /** OpenZeppelin's state in the next block (where a transaction sent now lands). */
  state: ProposalStateName;
  voteStart: bigint;
  voteEnd: bigint;
  /** Unix seconds from which the timelock runs it; 0 until queued. */
  eta: bigint;
};

/** The governor's own view of a proposal, for the checks before sending; UNKNOWN_PROPOSAL when it has none. */
export async function proposalOnChain(
  hub: Pick<HubServices, "publicClient" | "deployment">,
  proposalId: bigint,
): Promise<ProposalOnChain> {
  const governor = governorOf(hub);
  const read = <F extends "proposalSnapshot" | "proposalDeadline" | "proposalEta" | "state">(
    functionName: F,
  ) =>
    fromChain(
      hub.publicClient.readContract({
        ...governor,
        functionName,
        args: [proposalId],
        blockTag: NEXT_BLOCK,
      } as never) as Promise<bigint | number>,
    );
  const voteStart = BigInt(await read("proposalSnapshot"));
  if (voteStart === 0n) throw new UnknownProposalError(proposalId.toString());
  const [voteEnd, eta, state] = await Promise.all([
    read("proposalDeadline"),
    read("proposalEta"),
    read("state"),
  ]);
  return {
    proposalId,
    state: proposalStates[Number(state)] as ProposalStateName,
    voteStart,
    voteEnd: BigInt(voteEnd),
    eta: BigInt(eta),
  };
}

/** A proposal id as the API takes it (a decimal uint256). */
export function parseProposalId(value: string | bigint): bigint {
  if (typeof value === "bigint") return value;
  if (!/^\d{1,78}$/.test(value)) throw new UnknownProposalError(value.slice(0, 80));
  return BigInt(value);
}
