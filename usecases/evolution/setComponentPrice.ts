import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, parseAccount, parseAmount, parseId } from "../circulation/circulationContracts.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  assertProvider,
  componentRegistryOf,
  prepareEvolutionAction,
  readComponent,
  verifyEvolutionAction,
} from "./evolutionContracts.js";

export type SetComponentPriceInput = {
  provider: Address | string;
  component: bigint | string;
  /** ERA wei per paid invocation (0: free). */
  price: bigint | string;
};

function checkInput(input: SetComponentPriceInput) {
  return {
    provider: parseAccount(input.provider, "provider"),
    componentId: parseId(input.component, "component"),
    price: parseAmount(input.price, "price", { zero: true }),
  };
}

async function checkComponent(hub: HubServices, content: ReturnType<typeof checkInput>) {
  assertProvider(content.componentId, await readComponent(hub, content.componentId), content.provider);
}

/** The SetComponentPrice typed data the component's provider signs. UNKNOWN_COMPONENT / NOT_AUTHORIZED first. */
export async function prepareSetComponentPrice(
  input: SetComponentPriceInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  await checkComponent(hub, content);
  return prepareEvolutionAction({
    hub,
    action: "SetComponentPrice",
    signer: content.provider,
    content,
    deadline,
  });
}

export type SetComponentPriceParameters = SetComponentPriceInput & { authorization: SignedAuthorization };

export type SetComponentPriceReturnType = {
  componentId: string;
  price: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Sets a component's price per invocation on its provider's signature: the component exists (UNKNOWN_COMPONENT),
 * the signer is its provider and the signature is over this price with its next nonce (NOT_AUTHORIZED). Callers
 * who signed a lower `maxPrice` are then refused (PRICE_CHANGED). Returns once indexed.
 */
export async function setComponentPrice(
  { authorization, ...input }: SetComponentPriceParameters,
  hub: HubServices,
): Promise<SetComponentPriceReturnType> {
  const content = checkInput(input);
  await checkComponent(hub, content);
  const registry = componentRegistryOf(hub);
  const { request } = await verifyEvolutionAction({
    hub,
    action: "SetComponentPrice",
    signer: content.provider,
    content,
    authorization,
    what: `setting the price of component ${content.componentId}`,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The price of component ${content.componentId}`,
    call: {
      ...registry,
      functionName: "setComponentPrice",
      args: [content.componentId, content.price, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "ComponentPriceSet");
  return {
    componentId: args.componentId.toString(),
    price: args.price,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
