import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  type Abi,
  type Account,
  type Chain,
  concat,
  type Hex,
  keccak256,
  type PublicClient,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import {
  coreCertificateRegistryAbi,
  coreQualityVerifierAbi,
  eraTokenAbi,
} from "../contracts/generated/abis.js";
import {
  coreCertificateRegistryBytecode,
  coreQualityVerifierBytecode,
  eraTokenBytecode,
} from "../contracts/generated/bytecode.js";
import type { DeployedContractName, DeploymentManifest } from "../services/deployment.js";

/** Fixed ERA supply minted to the deployer (the treasury) at deployment: 1 billion ERA. */
export const ERA_INITIAL_SUPPLY = parseEther("1000000000");

export type DeployContractsParameters = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  manifestPath: string;
  log: (line: string) => void;
};

export type DeployContractsReturnType = { manifest: DeploymentManifest; deployed: boolean };

/**
 * Deploys verifier, token and registry unless the manifest already describes this exact code on this exact chain,
 * so a second `caldera up` resumes instead of redeploying.
 */
export async function deployContracts({
  publicClient,
  walletClient,
  manifestPath,
  log,
}: DeployContractsParameters): Promise<DeployContractsReturnType> {
  const chainId = await publicClient.getChainId();
  const bytecodeHash = keccak256(
    concat([coreQualityVerifierBytecode, eraTokenBytecode, coreCertificateRegistryBytecode]),
  );
  const previous = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, "utf8")) as DeploymentManifest)
    : undefined;
  if (
    previous !== undefined &&
    previous.chainId === chainId &&
    previous.bytecodeHash === bytecodeHash &&
    (await isDeployedOn(publicClient, previous))
  ) {
    log(`contracts unchanged on chain ${chainId}: reusing ${manifestPath}`);
    return { manifest: previous, deployed: false };
  }

  const deployer = walletClient.account.address;
  const deploy = async (name: DeployedContractName, abi: Abi, bytecode: Hex, args: readonly unknown[]) => {
    const hash = await walletClient.deployContract({ abi, bytecode, args, chain: walletClient.chain });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress)
      throw new Error(`deploying ${name} reverted (${hash})`);
    log(
      `deployed ${name} at ${receipt.contractAddress} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`,
    );
    return {
      address: receipt.contractAddress,
      startBlock: Number(receipt.blockNumber),
      transactionHash: hash,
    };
  };
  const verifier = await deploy(
    "CoreQualityVerifier",
    coreQualityVerifierAbi,
    coreQualityVerifierBytecode,
    [],
  );
  const token = await deploy("EraToken", eraTokenAbi, eraTokenBytecode, [deployer, ERA_INITIAL_SUPPLY]);
  const registry = await deploy(
    "CoreCertificateRegistry",
    coreCertificateRegistryAbi,
    coreCertificateRegistryBytecode,
    [verifier.address],
  );
  const manifest: DeploymentManifest = {
    chainId,
    deployer,
    bytecodeHash,
    contracts: { CoreQualityVerifier: verifier, EraToken: token, CoreCertificateRegistry: registry },
  };
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, deployed: true };
}

/**
 * The manifest describes this chain when its registry deployment is part of it. (Block 0 cannot tell: anvil
 * regenerates its genesis block whenever it reloads a state file.)
 */
async function isDeployedOn(publicClient: PublicClient, manifest: DeploymentManifest): Promise<boolean> {
  const { transactionHash, address } = manifest.contracts.CoreCertificateRegistry;
  const receipt = await publicClient.getTransactionReceipt({ hash: transactionHash }).catch(() => undefined);
  return receipt?.contractAddress?.toLowerCase() === address.toLowerCase();
}
