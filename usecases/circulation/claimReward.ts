import type { Address, Hex } from "viem";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { eventOf, fromChain, marketOf, parseId, readDerivative } from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";

/** IDerivativeMarket's metrics: 1 = distinct adopters, 2 = distinct invoking enterprises. */
export const rewardMetrics = { ADOPTERS: 1, ENTERPRISES: 2 } as const;
export type RewardMetricName = keyof typeof rewardMetrics;

export type ClaimRewardParameters = { derivative: string | bigint; metric: RewardMetricName };

export type ClaimRewardReturnType = {
  derivativeId: string;
  metric: RewardMetricName;
  payee: Address;
  /** ERA wei sent now. */
  paid: bigint;
  /** What the pool still owes on this reward (it was short), paid by a later claim. */
  debt: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Pays a derivative's payee its claimable reward on one metric, as far as the pool holds it. Unsigned: anyone may
 * claim, the ERA only goes to the payee. NOTHING_TO_CLAIM (not earned, or paid in full) and POOL_EMPTY (owed, pool
 * empty: it stays owed) before anything is sent.
 */
export async function claimReward(
  { derivative, metric: metricName }: ClaimRewardParameters,
  hub: HubServices,
): Promise<ClaimRewardReturnType> {
  const derivativeId = parseId(derivative, "derivative");
  const metric = rewardMetrics[metricName];
  if (metric === undefined) throw new BadUserInputError("metric", "must be ADOPTERS or ENTERPRISES");
  await readDerivative(hub, derivativeId);
  const market = marketOf(hub);
  const [claimable, pool] = await Promise.all([
    fromChain(
      hub.publicClient.readContract({ ...market, functionName: "claimable", args: [derivativeId, metric] }),
    ),
    fromChain(hub.publicClient.readContract({ ...market, functionName: "poolBalance" })),
  ]);
  if (claimable === 0n)
    throw circulationError(
      "NOTHING_TO_CLAIM",
      `Derivative ${derivativeId} has no claimable ${metricName.toLowerCase()} reward (threshold not crossed, or paid in full)`,
      { derivativeId, metric: metricName },
    );
  if (pool === 0n)
    throw circulationError(
      "POOL_EMPTY",
      `Derivative ${derivativeId} is owed ${claimable} ERA wei but the reward pool is empty; it stays owed until the pool is funded`,
      { derivativeId, metric: metricName, owed: claimable },
    );
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The ${metricName.toLowerCase()} reward of derivative ${derivativeId}`,
    call: { ...market, functionName: "claimReward", args: [derivativeId, metric] },
  });
  const { args } = eventOf(receipt, market.abi, "RewardClaimed");
  return {
    derivativeId: derivativeId.toString(),
    metric: metricName,
    payee: args.payee,
    paid: args.amount,
    debt: args.debt,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
