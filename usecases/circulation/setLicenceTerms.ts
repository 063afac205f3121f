import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  eventOf,
  fromChain,
  marketOf,
  parseAmount,
  parseId,
  readDerivative,
} from "./circulationContracts.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { verifySignedAction } from "./verifySignedAction.js";

/** IDerivativeMarket.LicenceMode: a number of uses (adoptions or invocations), or a time span in seconds. */
export const licenceModes = { PER_USE: 1, TIME_LIMITED: 2 } as const;
export type LicenceModeName = keyof typeof licenceModes;

const MAX_UINT64 = 2n ** 64n - 1n;

export type SetLicenceTermsInput = {
  derivative: string | bigint;
  /** ERA wei per licence; 0 gives licences away. */
  price: bigint | string;
  mode: LicenceModeName;
  /** Uses (PER_USE) or seconds (TIME_LIMITED), 1 to 2^64 − 1. */
  quantity: bigint | string;
  /** Inactive terms sell nothing (default: active). */
  active?: boolean | null | undefined;
};

function checkInput(input: SetLicenceTermsInput) {
  const derivativeId = parseId(input.derivative, "derivative");
  const price = parseAmount(input.price, "price", { zero: true });
  const mode = licenceModes[input.mode];
  if (mode === undefined) throw new BadUserInputError("mode", "must be PER_USE or TIME_LIMITED");
  const quantity = parseAmount(input.quantity, "quantity");
  if (quantity > MAX_UINT64) throw new BadUserInputError("quantity", "must be at most 2^64 − 1");
  return { derivativeId, price, mode, quantity, active: input.active ?? true };
}

/** The derivative exists, and who signs its terms: its provider (also while the vault holds the unit). */
async function providerOf(hub: HubServices, derivativeId: bigint): Promise<Address> {
  await readDerivative(hub, derivativeId);
  return fromChain(
    hub.publicClient.readContract({ ...marketOf(hub), functionName: "providerOf", args: [derivativeId] }),
  );
}

/**
 * The LicenceTerms typed data the derivative's provider signs (its next market nonce); UNKNOWN_DERIVATIVE for an
 * unknown derivative, BAD_USER_INPUT for bad terms. Nothing is sent.
 */
export async function prepareSetLicenceTerms(
  input: SetLicenceTermsInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  const provider = await providerOf(hub, content.derivativeId);
  const prepared = await prepareSignedAction({
    hub,
    action: "LicenceTerms",
    signer: provider,
    content,
    deadline,
  });
  return { ...prepared, provider };
}

export type SetLicenceTermsParameters = SetLicenceTermsInput & {
  /** The provider's signature over `prepareSetLicenceTerms`' typed data, and its deadline. */
  authorization: SignedAuthorization;
};

export type SetLicenceTermsReturnType = {
  derivativeId: string;
  provider: Address;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Sets a derivative's licence terms on its provider's signature (checked before sending: NOT_AUTHORIZED) and returns
 * once indexed. Licences already sold keep the terms they were bought under.
 */
export async function setLicenceTerms(
  { authorization, ...input }: SetLicenceTermsParameters,
  hub: HubServices,
): Promise<SetLicenceTermsReturnType> {
  const content = checkInput(input);
  const provider = await providerOf(hub, content.derivativeId);
  const { request } = await verifySignedAction({
    hub,
    action: "LicenceTerms",
    signer: provider,
    content,
    authorization,
    what: `the licence terms of derivative ${content.derivativeId}`,
  });
  const market = marketOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The licence terms of derivative ${content.derivativeId}`,
    call: { ...market, functionName: "setLicenceTerms", args: [request, authorization.signature] },
  });
  eventOf(receipt, market.abi, "LicenceTermsSet");
  return {
    derivativeId: content.derivativeId.toString(),
    provider,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
