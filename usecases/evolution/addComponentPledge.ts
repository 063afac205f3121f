import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { checkEraPull } from "../circulation/checkEraPull.js";
import { eventOf, parseAccount, parseAmount, parseId } from "../circulation/circulationContracts.js";
import { prepareEraPermit } from "../circulation/prepareEraPermit.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  assertProvider,
  componentRegistryOf,
  prepareEvolutionAction,
  readComponent,
  verifyEvolutionAction,
} from "./evolutionContracts.js";

export type AddComponentPledgeInput = {
  provider: Address | string;
  component: bigint | string;
  /** ERA wei added to the pledge. */
  amount: bigint | string;
};

function checkInput(input: AddComponentPledgeInput) {
  return {
    provider: parseAccount(input.provider, "provider"),
    componentId: parseId(input.component, "component"),
    amount: parseAmount(input.amount, "amount"),
  };
}

/** The AddPledge typed data the provider signs and an EraToken permit to the registry for the amount. */
export async function prepareAddComponentPledge(
  input: AddComponentPledgeInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  assertProvider(content.componentId, await readComponent(hub, content.componentId), content.provider);
  const prepared = await prepareEvolutionAction({
    hub,
    action: "AddPledge",
    signer: content.provider,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.provider,
    spender: componentRegistryOf(hub).address,
    value: content.amount,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData };
}

export type AddComponentPledgeParameters = AddComponentPledgeInput & {
  authorization: SignedAuthorization;
  permit?: SignedAuthorization | null | undefined;
};

export type AddComponentPledgeReturnType = {
  componentId: string;
  amount: bigint;
  /** The component's pledge after it. */
  pledge: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Adds to a component's pledge on its provider's signature (UNKNOWN_COMPONENT, NOT_AUTHORIZED), after checking the
 * provider's balance and allowance or permit (INSUFFICIENT_FUNDS), all before sending. Returns once indexed.
 */
export async function addComponentPledge(
  { authorization, permit, ...input }: AddComponentPledgeParameters,
  hub: HubServices,
): Promise<AddComponentPledgeReturnType> {
  const content = checkInput(input);
  assertProvider(content.componentId, await readComponent(hub, content.componentId), content.provider);
  const registry = componentRegistryOf(hub);
  const { request, now } = await verifyEvolutionAction({
    hub,
    action: "AddPledge",
    signer: content.provider,
    content,
    authorization,
    what: `adding ${content.amount} ERA wei to the pledge of component ${content.componentId}`,
  });
  const contractPermit = await checkEraPull({
    hub,
    owner: content.provider,
    spender: registry.address,
    amount: content.amount,
    permit,
    permitValue: content.amount,
    now,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The pledge of component ${content.componentId}`,
    call: {
      ...registry,
      functionName: "addPledge",
      args: [content.componentId, content.amount, request.deadline, authorization.signature, contractPermit],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "PledgeAdded");
  return {
    componentId: args.componentId.toString(),
    amount: args.amount,
    pledge: args.pledge,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
