import type { Hex } from "viem";
import { eventOf, fromChain, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { type CaseStatusName, caseStatusNames, marginVaultOf, readCase, stakingOf } from "./riskContracts.js";

export type ResolveCaseParameters = { caseId: string | bigint };

export type ResolveCaseReturnType = {
  caseId: string;
  status: CaseStatusName;
  /** ERA wei seized into the disposal (UPHELD), else 0. */
  seized: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Resolves an open freeze case. Unsigned: anyone may, once the review window has ended, or earlier when one verdict
 * holds more than half of all stake at the snapshot block. UNKNOWN_CASE, CASE_NOT_OPEN and VOTING_OPEN (with
 * `voteEnd`) before anything is sent. Returns once indexed.
 */
export async function resolveCase(
  { caseId: given }: ResolveCaseParameters,
  hub: HubServices,
): Promise<ResolveCaseReturnType> {
  const caseId = parseId(given, "caseId");
  const freezeCase = await readCase(hub, caseId);
  const [now, totalStake] = await Promise.all([
    chainNow(hub),
    fromChain(
      hub.publicClient.readContract({
        ...stakingOf(hub),
        functionName: "getPastTotalSupply",
        args: [freezeCase.snapshotBlock],
      }),
    ),
  ]);
  // Math.max takes no bigints: the largest tally by hand.
  let leading = freezeCase.votesUphold;
  for (const votes of [freezeCase.votesReject, freezeCase.votesDismiss]) if (votes > leading) leading = votes;
  // Before the window ends only a majority of the snapshot stake decides (the contract's early resolution).
  if (now + 1n <= freezeCase.voteEnd && leading * 2n <= totalStake)
    throw circulationError(
      "VOTING_OPEN",
      `Case ${caseId} is under review until ${new Date(Number(freezeCase.voteEnd) * 1000).toISOString()} and no verdict holds a majority of the snapshot stake yet`,
      { caseId, voteEnd: freezeCase.voteEnd },
    );
  const vault = marginVaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The resolution of case ${caseId}`,
    call: { ...vault, functionName: "resolveCase", args: [caseId] },
  });
  const { args } = eventOf(receipt, vault.abi, "CaseResolved");
  return {
    caseId: caseId.toString(),
    status: caseStatusNames[args.status] as CaseStatusName,
    seized: args.seized,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
