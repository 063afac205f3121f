import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import { coreCertificateRegistryAbi } from "../contracts/generated/abis.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { setUpDevNodes } from "./setUpDevNodes.js";

export type RegisterDevProviderParameters = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  deployment: DeploymentManifest;
  log: (line: string) => void;
};

/**
 * Dev-chain setup: the hub's signer is registered as a provider, so `certifyCore` works on a fresh stack, and three
 * dev nodes stake ERA (`setUpDevNodes`), so governance has voting power. Both steps are idempotent.
 */
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
  if (!(await publicClient.readContract({ ...registry, functionName: "isProvider", args: [provider] }))) {
    const hash = await walletClient.writeContract({
      ...registry,
      functionName: "registerProvider",
      args: ["Caldera dev provider"],
      chain: walletClient.chain,
    });
    await publicClient.waitForTransactionReceipt({ hash });
    log(`registered the dev signer ${provider} as provider "Caldera dev provider"`);
  }
  await setUpDevNodes({ publicClient, walletClient, deployment, log });
}
