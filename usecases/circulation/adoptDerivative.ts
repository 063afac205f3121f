import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { checkUsage } from "./checkUsage.js";
import { eventOf, marketOf, parseAccount, parseId } from "./circulationContracts.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { verifySignedAction } from "./verifySignedAction.js";

export type AdoptDerivativeInput = { derivative: string | bigint; adopter: Address | string };

function checkInput(input: AdoptDerivativeInput) {
  return {
    derivativeId: parseId(input.derivative, "derivative"),
    adopter: parseAccount(input.adopter, "adopter"),
  };
}

/**
 * The Adoption typed data the adopter signs (its next market nonce), after the checks the market will make
 * (UNKNOWN_DERIVATIVE, WRONG_USAGE_KIND, LICENCE_REQUIRED, ALREADY_ADOPTED). Nothing is sent.
 */
export async function prepareAdoptDerivative(
  input: AdoptDerivativeInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  await checkUsage({ hub, derivativeId: content.derivativeId, account: content.adopter, usage: "adoption" });
  return prepareSignedAction({ hub, action: "Adoption", signer: content.adopter, content, deadline });
}

export type AdoptDerivativeParameters = AdoptDerivativeInput & { authorization: SignedAuthorization };

export type AdoptDerivativeReturnType = {
  derivativeId: string;
  adopter: Address;
  /** The licence the adoption used. */
  licenceId: string;
  /** Whether it counts toward the adopters' reward threshold (an account governance admitted). */
  counted: boolean;
  /** The derivative's counted adopters after it. */
  countedAdopters: number;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Records a licensed account's adoption of a planting plan or market forecast (once per account) on its signature,
 * and returns once indexed. Crossing the adopters' threshold makes the reward owed to the derivative's payee.
 */
export async function adoptDerivative(
  { authorization, ...input }: AdoptDerivativeParameters,
  hub: HubServices,
): Promise<AdoptDerivativeReturnType> {
  const content = checkInput(input);
  await checkUsage({ hub, derivativeId: content.derivativeId, account: content.adopter, usage: "adoption" });
  const { request } = await verifySignedAction({
    hub,
    action: "Adoption",
    signer: content.adopter,
    content,
    authorization,
    what: `the adoption of derivative ${content.derivativeId}`,
  });
  const market = marketOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The adoption of derivative ${content.derivativeId} by ${content.adopter}`,
    call: { ...market, functionName: "recordAdoption", args: [request, authorization.signature] },
  });
  const { args } = eventOf(receipt, market.abi, "AdoptionRecorded");
  return {
    derivativeId: content.derivativeId.toString(),
    adopter: content.adopter,
    licenceId: args.licenceId.toString(),
    counted: args.counted,
    countedAdopters: Number(args.countedAdopters),
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
