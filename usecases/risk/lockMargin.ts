import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, parseAccount, parseAmount } from "../circulation/circulationContracts.js";
import { prepareEraPermit } from "../circulation/prepareEraPermit.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { relayEraPull } from "../circulation/relayEraPull.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { marginVaultOf } from "./riskContracts.js";

export type LockMarginInput = { provider: Address | string; amount: bigint | string };

function checkInput(input: LockMarginInput) {
  return { provider: parseAccount(input.provider, "provider"), amount: parseAmount(input.amount, "amount") };
}

/**
 * The LockMargin typed data the provider signs (its next vault nonce) and an EraToken permit to the vault for the
 * amount with the same deadline (to pay without a separate `approve`). Nothing is sent.
 */
export async function prepareLockMargin(
  input: LockMarginInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  const prepared = await prepareSignedAction({
    hub,
    action: "LockMargin",
    signer: content.provider,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.provider,
    spender: marginVaultOf(hub).address,
    value: content.amount,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData };
}

export type LockMarginParameters = LockMarginInput & {
  authorization: SignedAuthorization;
  /** The provider's signature over the permit typed data (value `amount`); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type LockMarginReturnType = {
  provider: Address;
  amount: bigint;
  /** The provider's locked margin after it. */
  locked: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Locks the provider's ERA in the MarginVault on its signature (NOT_AUTHORIZED), after checking its balance and
 * allowance or permit (INSUFFICIENT_FUNDS); the ERA stays the provider's. Returns once indexed. Locking more is
 * allowed while the margin is frozen (it only adds to what a case can seize).
 */
export async function lockMargin(
  { authorization, permit, ...input }: LockMarginParameters,
  hub: HubServices,
): Promise<LockMarginReturnType> {
  const content = checkInput(input);
  const vault = marginVaultOf(hub);
  const receipt = await relayEraPull({
    hub,
    action: "LockMargin",
    signer: content.provider,
    content,
    authorization,
    permit,
    what: `locking ${content.amount} ERA wei of margin`,
    spender: vault.address,
    amount: content.amount,
    permitValue: content.amount,
    send: (request, signature, contractPermit) =>
      sendAndWaitIndexed({
        hub,
        what: `The margin lock of ${content.provider}`,
        call: {
          ...vault,
          functionName: "lockMargin",
          args: [content.provider, content.amount, request.deadline, signature, contractPermit],
        },
      }),
  });
  const { args } = eventOf(receipt, vault.abi, "MarginLocked");
  return {
    provider: content.provider,
    amount: args.amount,
    locked: args.locked,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
