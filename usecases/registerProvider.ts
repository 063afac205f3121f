import type { Address } from "viem";
import { coreCertificateRegistryAbi } from "../contracts/generated/abis.js";
import { BadUserInputError } from "./errors.js";
import type { HubServices } from "./HubServices.js";
import { sendAndWaitIndexed } from "./sendAndWaitIndexed.js";

export type RegisterProviderParameters = { name: string };
export type RegisterProviderReturnType = { address: Address; transactionHash: `0x${string}` };

/** Registers the hub's own signer as a provider under `name` (other providers register themselves on-chain). */
export async function registerProvider(
  { name }: RegisterProviderParameters,
  hub: HubServices,
): Promise<RegisterProviderReturnType> {
  if (name.trim().length === 0 || name.length > 200)
    throw new BadUserInputError("name", "must be 1 to 200 characters");
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: "The provider registration",
    call: {
      address: hub.deployment.contracts.CoreCertificateRegistry.address,
      abi: coreCertificateRegistryAbi,
      functionName: "registerProvider",
      args: [name],
    },
  });
  return { address: hub.walletClient.account.address, transactionHash: receipt.transactionHash };
}
