import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  eventOf,
  fromChain,
  marketOf,
  parseAccount,
  parseAmount,
  parseId,
  readDerivative,
} from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";
import { prepareEraPermit } from "./prepareEraPermit.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { relayEraPull } from "./relayEraPull.js";

export type BuyLicenceInput = {
  derivative: string | bigint;
  licensee: Address | string;
  /** The most the licensee agrees to pay: terms may change between signing and sending (PRICE_CHANGED). */
  maxPrice: bigint | string;
};

function checkInput(input: BuyLicenceInput) {
  return {
    derivativeId: parseId(input.derivative, "derivative"),
    licensee: parseAccount(input.licensee, "licensee"),
    maxPrice: parseAmount(input.maxPrice, "maxPrice", { zero: true }),
  };
}

/** The terms now: for sale (NOT_FOR_SALE) at a price within `maxPrice` (PRICE_CHANGED). */
async function priceNow(hub: HubServices, derivativeId: bigint, maxPrice: bigint): Promise<bigint> {
  await readDerivative(hub, derivativeId);
  const terms = await fromChain(
    hub.publicClient.readContract({ ...marketOf(hub), functionName: "termsOf", args: [derivativeId] }),
  );
  if (!terms.active || terms.mode === 0)
    throw circulationError("NOT_FOR_SALE", `Derivative ${derivativeId} has no active licence terms`, {
      derivativeId,
    });
  if (terms.price > maxPrice)
    throw circulationError(
      "PRICE_CHANGED",
      `A licence for derivative ${derivativeId} costs ${terms.price} ERA wei, above the maxPrice ${maxPrice}`,
      { derivativeId, price: terms.price, maxPrice },
    );
  return terms.price;
}

/**
 * What the licensee signs to buy a licence at the current terms: the LicencePurchase (its next market nonce) and,
 * to pay without a separate `approve`, an EraToken permit to the market for `maxPrice` — the most it agreed to pay,
 * so the permit still holds if the price drops before the purchase is sent — with the same deadline. Also the price
 * now. NOT_FOR_SALE, PRICE_CHANGED or UNKNOWN_DERIVATIVE before anything is signed. Nothing is sent.
 */
export async function prepareBuyLicence(
  input: BuyLicenceInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  const price = await priceNow(hub, content.derivativeId, content.maxPrice);
  const prepared = await prepareSignedAction({
    hub,
    action: "LicencePurchase",
    signer: content.licensee,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.licensee,
    spender: marketOf(hub).address,
    value: content.maxPrice,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData, price };
}

export type BuyLicenceParameters = BuyLicenceInput & {
  /** The licensee's signature over the LicencePurchase, and its deadline. */
  authorization: SignedAuthorization;
  /** The licensee's signature over the permit typed data (value `maxPrice`); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type BuyLicenceReturnType = {
  licenceId: string;
  derivativeId: string;
  licensee: Address;
  pricePaid: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Sells a licence on the licensee's signature: checks the terms (NOT_FOR_SALE, PRICE_CHANGED), the signature
 * (NOT_AUTHORIZED), the permit if any, the licensee's balance and allowance (INSUFFICIENT_FUNDS), then relays
 * `buyLicence` with the permit in the same transaction and returns the licence once indexed.
 */
export async function buyLicence(
  { authorization, permit, ...input }: BuyLicenceParameters,
  hub: HubServices,
): Promise<BuyLicenceReturnType> {
  const content = checkInput(input);
  const price = await priceNow(hub, content.derivativeId, content.maxPrice);
  const market = marketOf(hub);
  const receipt = await relayEraPull({
    hub,
    action: "LicencePurchase",
    signer: content.licensee,
    content,
    authorization,
    permit,
    what: `the purchase of a licence for derivative ${content.derivativeId}`,
    spender: market.address,
    amount: price,
    permitValue: content.maxPrice,
    send: (request, signature, contractPermit) =>
      sendAndWaitIndexed({
        hub,
        what: `A licence for derivative ${content.derivativeId}`,
        call: { ...market, functionName: "buyLicence", args: [request, signature, contractPermit] },
      }),
  });
  const { args } = eventOf(receipt, market.abi, "LicencePurchased");
  return {
    licenceId: args.licenceId.toString(),
    derivativeId: content.derivativeId.toString(),
    licensee: content.licensee,
    pricePaid: args.pricePaid,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
