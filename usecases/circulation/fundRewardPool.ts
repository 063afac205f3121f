import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { eventOf, marketOf, parseAccount, parseAmount } from "./circulationContracts.js";
import { prepareEraPermit } from "./prepareEraPermit.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { relayEraPull } from "./relayEraPull.js";

export type FundRewardPoolInput = { funder: Address | string; amount: bigint | string };

function checkInput(input: FundRewardPoolInput) {
  return { funder: parseAccount(input.funder, "funder"), amount: parseAmount(input.amount, "amount") };
}

/**
 * The PoolFunding typed data the funder signs (its next market nonce) and an EraToken permit to the market for the
 * amount with the same deadline (to pay without a separate `approve`). Nothing is sent.
 */
export async function prepareFundRewardPool(
  input: FundRewardPoolInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  const prepared = await prepareSignedAction({
    hub,
    action: "PoolFunding",
    signer: content.funder,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.funder,
    spender: marketOf(hub).address,
    value: content.amount,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData };
}

export type FundRewardPoolParameters = FundRewardPoolInput & {
  authorization: SignedAuthorization;
  /** The funder's signature over the permit typed data (value `amount`); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type FundRewardPoolReturnType = {
  funder: Address;
  amount: bigint;
  /** The pool's balance after it. */
  poolBalance: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Moves ERA from the funder into the reward pool on its signature (NOT_AUTHORIZED), after checking its balance and
 * allowance or permit (INSUFFICIENT_FUNDS); returns once indexed. Owed rewards become claimable as far as it goes.
 */
export async function fundRewardPool(
  { authorization, permit, ...input }: FundRewardPoolParameters,
  hub: HubServices,
): Promise<FundRewardPoolReturnType> {
  const content = checkInput(input);
  const market = marketOf(hub);
  const receipt = await relayEraPull({
    hub,
    action: "PoolFunding",
    signer: content.funder,
    content,
    authorization,
    permit,
    what: `funding the reward pool with ${content.amount} ERA wei`,
    spender: market.address,
    amount: content.amount,
    permitValue: content.amount,
    send: (request, signature, contractPermit) =>
      sendAndWaitIndexed({
        hub,
        what: `Funding the reward pool by ${content.funder}`,
        call: { ...market, functionName: "fundPool", args: [request, signature, contractPermit] },
      }),
  });
  const { args } = eventOf(receipt, market.abi, "PoolFunded");
  return {
    funder: content.funder,
    amount: content.amount,
    poolBalance: args.poolBalance,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
