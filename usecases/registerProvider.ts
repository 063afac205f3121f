import type { Address } from "viem";
import { coreCertificateRegistryAbi } from "../contracts/generated/abis.js";
import {
  DEFAULT_SIGNATURE_TTL_SECONDS,
  providerRegistrationTypedData,
  type SignedAuthorization,
} from "./certificationTypedData.js";
import { BadUserInputError, ProviderAlreadyRegisteredError } from "./errors.js";
import { fromChainError } from "./fromChainError.js";
import type { HubServices } from "./HubServices.js";
import { sendAndWaitIndexed } from "./sendAndWaitIndexed.js";
import { chainNow, verifySignedAuthorization } from "./verifySignedAuthorization.js";

export type RegisterProviderInput = { provider: Address; name: string };
export type RegisterProviderParameters = RegisterProviderInput & {
  /** The provider's EIP-712 signature over `registerProviderTypedData`'s typed data, and its deadline. */
  authorization: SignedAuthorization;
};
export type RegisterProviderReturnType = { address: Address; transactionHash: `0x${string}` };

export type RegisterProviderTypedDataReturnType = {
  typedData: ReturnType<typeof providerRegistrationTypedData>;
  nonce: bigint;
  deadline: bigint;
};

const MAX_NAME_BYTES = 200;

/** The name as the registry checks it (1 to 200 bytes of UTF-8, not blank), the provider not yet registered. */
async function prepareRegistration({ provider, name }: RegisterProviderInput, hub: HubServices) {
  const bytes = new TextEncoder().encode(name).length;
  if (name.trim().length === 0 || bytes > MAX_NAME_BYTES)
    throw new BadUserInputError("name", `must be 1 to ${MAX_NAME_BYTES} bytes of UTF-8, not blank`);
  const registry = {
    address: hub.deployment.contracts.CoreCertificateRegistry.address,
    abi: coreCertificateRegistryAbi,
  } as const;
  const [isProvider, nonce, now] = await Promise.all([
    hub.publicClient.readContract({ ...registry, functionName: "isProvider", args: [provider] }),
    hub.publicClient.readContract({ ...registry, functionName: "nonces", args: [provider] }),
    chainNow(hub),
  ]).catch((error: unknown) => {
    throw fromChainError(error);
  });
  if (isProvider) throw new ProviderAlreadyRegisteredError(provider);
  const typedDataFor = (n: bigint, deadline: bigint) =>
    providerRegistrationTypedData({
      chainId: hub.deployment.chainId,
      registry: registry.address,
      provider,
      name,
      nonce: n,
      deadline,
    });
  return { registry, nonce, now, typedDataFor };
}

/**
 * The EIP-712 typed data `provider` signs to register itself under `name` through the hub (the registry's
 * `registerProviderFor`); nothing is sent. A provider with its own funded key may instead call `registerProvider`
 * on the registry itself.
 */
export async function registerProviderTypedData(
  input: RegisterProviderInput,
  hub: HubServices,
  { deadline }: { deadline?: number | bigint | null | undefined } = {},
): Promise<RegisterProviderTypedDataReturnType> {
  const r = await prepareRegistration(input, hub);
  const until =
    deadline === undefined || deadline === null
      ? r.now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS)
      : BigInt(deadline);
  if (until <= r.now) throw new BadUserInputError("deadline", `must be after the chain's time (${r.now})`);
  return { typedData: r.typedDataFor(r.nonce, until), nonce: r.nonce, deadline: until };
}

/**
 * Registers `provider` on its signature: checks the name and that it is not registered, verifies the signature
 * (deadline ahead, its next nonce, EOA or ERC-1271) before sending anything, then relays `registerProviderFor`
 * with the hub's key paying the gas and waits for the indexer.
 */
export async function registerProvider(
  { authorization, ...input }: RegisterProviderParameters,
  hub: HubServices,
): Promise<RegisterProviderReturnType> {
  const r = await prepareRegistration(input, hub);
  await verifySignedAuthorization({
    hub,
    signer: input.provider,
    authorization,
    nonce: r.nonce,
    now: r.now,
    typedDataFor: (n) => r.typedDataFor(n, authorization.deadline),
    what: `the registration as "${input.name}"`,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: "The provider registration",
    call: {
      ...r.registry,
      functionName: "registerProviderFor",
      args: [input.provider, input.name, authorization.deadline, authorization.signature],
    },
  });
  return { address: input.provider, transactionHash: receipt.transactionHash };
}
