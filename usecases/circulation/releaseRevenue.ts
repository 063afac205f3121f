import type { Address, Hex } from "viem";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { eventOf, fromChain, marketOf, parseAccount } from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";

export type ReleaseRevenueParameters = { account: Address | string };

export type ReleaseRevenueReturnType = {
  account: Address;
  amount: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Sends an account all licence revenue the market owes it (pull payment). Unsigned: anyone may trigger it, the ERA
 * only goes to the account. NOTHING_TO_CLAIM when nothing is owed, before anything is sent.
 */
export async function releaseRevenue(
  { account: raw }: ReleaseRevenueParameters,
  hub: HubServices,
): Promise<ReleaseRevenueReturnType> {
  const account = parseAccount(raw, "account");
  const market = marketOf(hub);
  const owed = await fromChain(
    hub.publicClient.readContract({ ...market, functionName: "revenueOf", args: [account] }),
  );
  if (owed === 0n)
    throw circulationError("NOTHING_TO_CLAIM", `The market owes ${account} no revenue`, { account });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The revenue of ${account}`,
    call: { ...market, functionName: "releaseRevenue", args: [account] },
  });
  const { args } = eventOf(receipt, market.abi, "RevenueReleased");
  return { account, amount: args.amount, transactionHash: receipt.transactionHash, gasUsed: receipt.gasUsed };
}
