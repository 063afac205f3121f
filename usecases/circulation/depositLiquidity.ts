import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { eventOf, parseAccount, parseAmount, vaultOf } from "./circulationContracts.js";
import { prepareEraPermit } from "./prepareEraPermit.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { relayEraPull } from "./relayEraPull.js";

export type DepositLiquidityInput = { lender: Address | string; amount: bigint | string };

function checkInput(input: DepositLiquidityInput) {
  return { lender: parseAccount(input.lender, "lender"), amount: parseAmount(input.amount, "amount") };
}

/**
 * The Deposit typed data the lender signs (its next vault nonce) and an EraToken permit to the vault for the amount
 * with the same deadline (to pay without a separate `approve`). Nothing is sent.
 */
export async function prepareDepositLiquidity(
  input: DepositLiquidityInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  const prepared = await prepareSignedAction({
    hub,
    action: "Deposit",
    signer: content.lender,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.lender,
    spender: vaultOf(hub).address,
    value: content.amount,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData };
}

export type DepositLiquidityParameters = DepositLiquidityInput & {
  authorization: SignedAuthorization;
  /** The lender's signature over the permit typed data (value `amount`); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type DepositLiquidityReturnType = {
  lender: Address;
  amount: bigint;
  /** Pool shares minted for it (rounded down: rounding favours the pool). */
  shares: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Lends ERA to the credit pool on the lender's signature (NOT_AUTHORIZED) for pool shares, after checking its balance
 * and allowance or permit (INSUFFICIENT_FUNDS); returns once indexed.
 */
export async function depositLiquidity(
  { authorization, permit, ...input }: DepositLiquidityParameters,
  hub: HubServices,
): Promise<DepositLiquidityReturnType> {
  const content = checkInput(input);
  const vault = vaultOf(hub);
  const receipt = await relayEraPull({
    hub,
    action: "Deposit",
    signer: content.lender,
    content,
    authorization,
    permit,
    what: `a deposit of ${content.amount} ERA wei into the credit pool`,
    spender: vault.address,
    amount: content.amount,
    permitValue: content.amount,
    send: (request, signature, contractPermit) =>
      sendAndWaitIndexed({
        hub,
        what: `The deposit of ${content.lender}`,
        call: { ...vault, functionName: "deposit", args: [request, signature, contractPermit] },
      }),
  });
  const { args } = eventOf(receipt, vault.abi, "Deposited");
  return {
    lender: content.lender,
    amount: content.amount,
    shares: args.shares,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
