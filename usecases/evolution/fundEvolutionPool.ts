import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../certificationTypedData.js";
import { checkEraPull } from "../circulation/checkEraPull.js";
import { eventOf, parseAmount } from "../circulation/circulationContracts.js";
import { prepareEraPermit } from "../circulation/prepareEraPermit.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { evolutionPoolOf } from "./evolutionContracts.js";

export type FundEvolutionPoolInput = { amount: bigint | string };

/**
 * The EraToken permit the hub's treasury (the hub signer: `EvolutionPool.fund` pulls from its caller) signs so the
 * pool can pull `amount`. Whoever holds the hub's key authorises the funding by signing it. Nothing is sent.
 */
export async function prepareFundEvolutionPool(
  input: FundEvolutionPoolInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const amount = parseAmount(input.amount, "amount");
  const now = await chainNow(hub);
  if (deadline !== undefined && deadline <= now)
    throw new BadUserInputError("deadline", "must be in the future (the chain's clock)");
  const until = deadline ?? now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: hub.walletClient.account.address,
    spender: evolutionPoolOf(hub).address,
    value: amount,
    deadline: until,
  });
  return { permitTypedData, deadline: until, funder: hub.walletClient.account.address };
}

export type FundEvolutionPoolParameters = FundEvolutionPoolInput & {
  /** The hub treasury's signature over `prepareFundEvolutionPool`'s permit: required, it is the authorisation. */
  permit: SignedAuthorization | null | undefined;
};

export type FundEvolutionPoolReturnType = {
  funder: Address;
  amount: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Funds the evolution reward pool from the hub's treasury. `EvolutionPool.fund` pulls from its caller — the hub —
 * so the mutation spends the hub's ERA only on a permit signed with the hub's own key (NOT_AUTHORIZED without one
 * or with anyone else's), and only what the treasury holds (INSUFFICIENT_FUNDS), both before sending. Anyone may
 * also call `fund` on the pool directly with their own ERA. Returns once indexed.
 */
export async function fundEvolutionPool(
  { permit, ...input }: FundEvolutionPoolParameters,
  hub: HubServices,
): Promise<FundEvolutionPoolReturnType> {
  const amount = parseAmount(input.amount, "amount");
  if (permit === null || permit === undefined)
    throw new BadUserInputError(
      "permit",
      "is required: the pool is funded from the hub's treasury, authorised by the treasury's signature over the permit",
    );
  const pool = evolutionPoolOf(hub);
  const funder = hub.walletClient.account.address;
  const contractPermit = await checkEraPull({
    hub,
    owner: funder,
    spender: pool.address,
    amount,
    permit,
    permitValue: amount,
    now: await chainNow(hub),
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `Funding the evolution pool with ${amount} ERA wei`,
    call: { ...pool, functionName: "fund", args: [amount, contractPermit] },
  });
  const { args } = eventOf(receipt, pool.abi, "PoolFunded");
  return { funder, amount: args.amount, transactionHash: receipt.transactionHash, gasUsed: receipt.gasUsed };
}
