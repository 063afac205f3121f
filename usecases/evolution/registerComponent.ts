import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { checkEraPull } from "../circulation/checkEraPull.js";
import { eventOf, fromChain, parseAccount, parseAmount } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareEraPermit } from "../circulation/prepareEraPermit.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  type ComponentKindName,
  componentRegistryOf,
  parseBytes32,
  parseComponentKind,
  parseComponentName,
  prepareEvolutionAction,
  verifyEvolutionAction,
} from "./evolutionContracts.js";

export type RegisterComponentInput = {
  provider: Address | string;
  kind: ComponentKindName | string;
  /** At most 32 bytes of UTF-8 (stored as bytes32). */
  name: string;
  /** ERA wei per paid invocation (0: free). */
  price: bigint | string;
  /** ERA wei pulled from the provider; at least the registry's `minPledge`. */
  pledge: bigint | string;
  /** The content hash of the component's logic (e.g. `canonicalHash` of its configuration or module). */
  logicHash: Hex | string;
};

function checkInput(input: RegisterComponentInput) {
  return {
    provider: parseAccount(input.provider, "provider"),
    kind: parseComponentKind(input.kind, "kind"),
    name: parseComponentName(input.name, "name"),
    price: parseAmount(input.price, "price", { zero: true }),
    pledge: parseAmount(input.pledge, "pledge"),
    logicHash: parseBytes32(input.logicHash, "logicHash"),
  };
}

/** PLEDGE_TOO_LOW (with `pledge` and `minPledge`) before anything is signed or sent. */
async function assertPledge(hub: Pick<HubServices, "deployment" | "publicClient">, pledge: bigint) {
  const minPledge = await fromChain(
    hub.publicClient.readContract({ ...componentRegistryOf(hub), functionName: "minPledge" }),
  );
  if (pledge < minPledge)
    throw circulationError(
      "PLEDGE_TOO_LOW",
      `A component's pledge must be at least ${minPledge} ERA wei; ${pledge} was offered`,
      { pledge, minPledge },
    );
}

/**
 * The RegisterComponent typed data the provider signs (its next registry nonce) and an EraToken permit to the
 * registry for the pledge with the same deadline. Nothing is sent.
 */
export async function prepareRegisterComponent(
  input: RegisterComponentInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  await assertPledge(hub, content.pledge);
  const prepared = await prepareEvolutionAction({
    hub,
    action: "RegisterComponent",
    signer: content.provider,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.provider,
    spender: componentRegistryOf(hub).address,
    value: content.pledge,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData };
}

export type RegisterComponentParameters = RegisterComponentInput & {
  authorization: SignedAuthorization;
  /** The provider's signature over the permit typed data (value `pledge`); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type RegisterComponentReturnType = {
  componentId: string;
  provider: Address;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Registers a component on its provider's signature (NOT_AUTHORIZED), after checking the pledge reaches the
 * registry's minimum (PLEDGE_TOO_LOW) and the provider's balance and allowance or permit cover it
 * (INSUFFICIENT_FUNDS), all before sending. Returns once indexed.
 */
export async function registerComponent(
  { authorization, permit, ...input }: RegisterComponentParameters,
  hub: HubServices,
): Promise<RegisterComponentReturnType> {
  const content = checkInput(input);
  await assertPledge(hub, content.pledge);
  const registry = componentRegistryOf(hub);
  const { request, now } = await verifyEvolutionAction({
    hub,
    action: "RegisterComponent",
    signer: content.provider,
    content,
    authorization,
    what: `registering component ${input.name}`,
  });
  const contractPermit = await checkEraPull({
    hub,
    owner: content.provider,
    spender: registry.address,
    amount: content.pledge,
    permit,
    permitValue: content.pledge,
    now,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The registration of component ${input.name}`,
    call: {
      ...registry,
      functionName: "registerComponent",
      args: [
        content.provider,
        content.kind,
        content.name,
        content.price,
        content.pledge,
        content.logicHash,
        request.deadline,
        authorization.signature,
        contractPermit,
      ],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "ComponentRegistered");
  return {
    componentId: args.componentId.toString(),
    provider: content.provider,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
