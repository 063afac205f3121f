import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import { coreCertificateRegistryAbi } from "../contracts/generated/abis.js";
import type { DeploymentManifest } from "../services/deployment.js";

export type RegisterDevProviderParameters = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  deployment: DeploymentManifest;
  log: (line: string) => void;
};

/** On the dev chain the hub's signer is registered as a provider, so `certifyCore` works on a fresh stack. */
export async function registerDevProvider({
  publicClient,
  walletClient,
  deployment,
  log,
}: RegisterDevProviderParameters) {
  const registry = {
    address: deployment.contracts.CoreCertificateRegistry.address,
    abi: coreCertificateRegistryAbi,
  } as const;
  const provider = walletClient.account.address;
  if (await publicClient.readContract({ ...registry, functionName: "isProvider", args: [provider] })) return;
  const hash = await walletClient.writeContract({
    ...registry,
    functionName: "registerProvider",
    args: ["Caldera dev provider"],
    chain: walletClient.chain,
  });
  await publicClient.waitForTransactionReceipt({ hash });
  log(`registered the dev signer ${provider} as provider "Caldera dev provider"`);
}
