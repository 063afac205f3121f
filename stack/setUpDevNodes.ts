import {
  type Account,
  type Chain,
  createWalletClient,
  custom,
  type PublicClient,
  parseEther,
  parseSignature,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { eraTokenAbi, nodeStakingAbi } from "../contracts/generated/abis.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { ANVIL_DEV_KEYS, DEV_CHAIN_ID } from "./resolveSigner.js";

/** ERA each dev node stakes: 10x the proposal threshold, so any one node can propose and two reach any quorum. */
export const DEV_NODE_STAKE = parseEther("100000");
/** The dev nodes are anvil accounts 1 to 3 (account 0 is the hub's signer and the treasury). */
export const DEV_NODE_KEYS = ANVIL_DEV_KEYS.slice(1, 4);

export type SetUpDevNodesParameters = {
  publicClient: PublicClient;
  /** The treasury (the deployer), which funds the nodes. */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  deployment: DeploymentManifest;
  log: (line: string) => void;
};

/**
 * On the dev chain, three nodes (anvil accounts 1–3) each get `DEV_NODE_STAKE` ERA from the treasury and stake it
 * into NodeStaking with an EIP-2612 permit (one transaction per node, signed with the node's own dev key), so a
 * fresh stack has voting power for governance demos. Idempotent: a node already staking `DEV_NODE_STAKE` is left
 * alone, and ERA already sent to a node is not sent twice. Refuses any chain but 31337 (the keys are public).
 */
export async function setUpDevNodes({
  publicClient,
  walletClient,
  deployment,
  log,
}: SetUpDevNodesParameters) {
  const chainId = await publicClient.getChainId();
  if (chainId !== DEV_CHAIN_ID) throw new Error(`dev nodes use public anvil keys: refusing chain ${chainId}`);
  const era = { address: deployment.contracts.EraToken.address, abi: eraTokenAbi } as const;
  const staking = { address: deployment.contracts.NodeStaking.address, abi: nodeStakingAbi } as const;
  const chain = walletClient.chain;

  for (const key of DEV_NODE_KEYS) {
    const node = privateKeyToAccount(key);
    const staked = await publicClient.readContract({
      ...staking,
      functionName: "stakeOf",
      args: [node.address],
    });
    if (staked >= DEV_NODE_STAKE) continue;
    const amount = DEV_NODE_STAKE - staked;

    const balance = await publicClient.readContract({
      ...era,
      functionName: "balanceOf",
      args: [node.address],
    });
    if (balance < amount) {
      const hash = await walletClient.writeContract({
        ...era,
        functionName: "transfer",
        args: [node.address, amount - balance],
        chain,
      });
      await expectSuccess(publicClient, hash, `funding dev node ${node.address}`);
    }

    // The permit's deadline follows the chain's clock, which a demo may have moved ahead of the wall clock.
    const { timestamp } = await publicClient.getBlock();
    const deadline = timestamp + 3_600n;
    const nonce = await publicClient.readContract({ ...era, functionName: "nonces", args: [node.address] });
    const signature = await node.signTypedData({
      domain: { name: "Caldera ERA", version: "1", chainId, verifyingContract: era.address },
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner: node.address, spender: staking.address, value: amount, nonce, deadline },
    });
    const { r, s, yParity } = parseSignature(signature);
    const nodeWallet = createWalletClient({ account: node, chain, transport: custom(publicClient) });
    const hash = await nodeWallet.writeContract({
      ...staking,
      functionName: "stakeWithPermit",
      args: [amount, deadline, 27 + yParity, r, s],
      chain,
    });
    await expectSuccess(publicClient, hash, `staking for dev node ${node.address}`);
    log(`dev node ${node.address} staked ${amount / 10n ** 18n} ERA`);
  }
}

async function expectSuccess(publicClient: PublicClient, hash: `0x${string}`, what: string) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} reverted (${hash})`);
}
