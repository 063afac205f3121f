import type { Address, Hex } from "viem";
import { eventOf, fromChain } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import {
  absorptionNotPending,
  componentRegistryOf,
  parseComponentId,
  readAbsorption,
} from "./absorptionContracts.js";

export type ReclaimAbsorptionReturnType = {
  absorptionId: bigint;
  absorberId: bigint;
  /** The absorber's provider, and the ERA wei it got back. */
  refundedTo: Address;
  compensation: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Returns an unapproved absorption's escrow to the absorber's provider, once its window has passed (anyone may ask;
 * the hub sends). Before anything is sent: UNKNOWN_ABSORPTION, ABSORPTION_NOT_PENDING (approved or reclaimed, with
 * `status`), ABSORPTION_WINDOW_OPEN with `reclaimableAt` (unix seconds) while the window is open.
 */
export async function reclaimAbsorption(
  absorptionIdInput: string | bigint,
  hub: HubServices,
): Promise<ReclaimAbsorptionReturnType> {
  const absorptionId = parseComponentId(absorptionIdInput, "absorptionId");
  const absorption = await readAbsorption(hub, absorptionId);
  if (absorption.statusName !== "REQUESTED") throw absorptionNotPending(absorptionId, absorption.statusName);
  const registry = componentRegistryOf(hub);
  const [window, now] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "absorptionWindow" })),
    chainNow(hub),
  ]);
  const reclaimableAt = absorption.requestedAt + window;
  if (now < reclaimableAt)
    throw circulationError(
      "ABSORPTION_WINDOW_OPEN",
      `Absorption ${absorptionId}'s escrow can be reclaimed from ${new Date(Number(reclaimableAt) * 1000).toISOString()}, once its window has passed without approval`,
      { absorptionId, reclaimableAt },
    );
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The reclaim of absorption ${absorptionId}`,
    call: {
      address: registry.address,
      abi: registry.abi,
      functionName: "reclaimAbsorption",
      args: [absorptionId],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "AbsorptionReclaimed");
  return {
    absorptionId,
    absorberId: absorption.absorberId,
    refundedTo: args.refundedTo,
    compensation: args.compensation,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
