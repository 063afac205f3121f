import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { eraTokenAbi } from "../../contracts/generated/abis.js";
import { eraTokenBytecode } from "../../contracts/generated/bytecode.js";
import { getFreePort } from "../../stack/getFreePort.js";
import { resolveSigner } from "../../stack/resolveSigner.js";
import { startAnvil } from "../../stack/startAnvil.js";
import { createChainClients } from "../../usecases/createChainClients.js";
import { chainRpc } from "./chainRpc.js";

export type StartTestChainReturnType = {
  rpcUrl: string;
  publicClient: PublicClient;
  /** The hub's signer exactly as `caldera up` makes it (its own nonce manager). */
  walletClient: WalletClient<Transport, Chain, Account>;
  /** An EraToken deployed by the hub's signer, which holds its whole supply. */
  token: { address: Address; abi: typeof eraTokenAbi };
  /** A JSON-RPC call to this chain (`chainRpc`). */
  rpc: <T = unknown>(method: string, params?: unknown[]) => Promise<T>;
  /** Stops anvil and removes its folder. */
  stop: () => Promise<void>;
};

/**
 * A real anvil on a free port with nothing else of the stack: the hub's chain clients over it (as `caldera up`
 * builds them) and an EraToken to send transactions to — for tests of sending and waiting that drive the chain
 * themselves (reorgs, dropped transactions, automine off).
 */
export async function startTestChain(): Promise<StartTestChainReturnType> {
  const dataDir = mkdtempSync(join(tmpdir(), "caldera-test-chain-"));
  const anvil = await startAnvil({
    port: await getFreePort(),
    logFile: join(dataDir, "anvil.log"),
    log: () => {},
    onGiveUp: () => {},
  }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    await anvil.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const { publicClient, walletClient } = createChainClients({
      rpcUrl: anvil.rpcUrl,
      chainId: 31337,
      account: resolveSigner({ chainId: 31337 }),
    });
    const hash = await walletClient.deployContract({
      abi: eraTokenAbi,
      bytecode: eraTokenBytecode,
      args: [walletClient.account.address, parseEther("1000000")],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return {
      rpcUrl: anvil.rpcUrl,
      publicClient,
      walletClient,
      token: { address: receipt.contractAddress as Address, abi: eraTokenAbi },
      rpc: (method, params) => chainRpc(anvil.rpcUrl, method, params),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
