import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eraTokenAbi } from "../contracts/generated/abis.js";
import { eraTokenBytecode } from "../contracts/generated/bytecode.js";
import { BaseError } from "../errors/BaseError.js";
import type { IndexerClient } from "../services/createIndexerClient.js";
import { getFreePort } from "../stack/getFreePort.js";
import { resolveSigner } from "../stack/resolveSigner.js";
import { type AnvilHandle, startAnvil } from "../stack/startAnvil.js";
import { createTransactionSender } from "./createTransactionSender.js";
import type { HubServices } from "./HubServices.js";
import { sendAndWaitIndexed } from "./sendAndWaitIndexed.js";

/**
 * A real anvil; the indexer is stood in for by `waitForBlock` alone, which lets the test reorg the chain at the one
 * moment that matters: after the receipt came back, before the indexer reached its block.
 */

const dataDir = mkdtempSync(join(tmpdir(), "caldera-send-indexed-"));
let anvil: AnvilHandle;
let publicClient: PublicClient;
let walletClient: WalletClient<Transport, Chain, Account>;
let token: { address: Address; abi: typeof eraTokenAbi };
const recipient = (i: number) =>
  privateKeyToAccount(`0x${(8000 + i).toString(16).padStart(64, "0")}`).address;

async function rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(anvil.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

beforeAll(async () => {
  anvil = await startAnvil({
    port: await getFreePort(),
    logFile: join(dataDir, "anvil.log"),
    log: () => {},
    onGiveUp: () => {},
  });
  const chain = defineChain({
    id: 31337,
    name: "send test chain",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
  walletClient = createWalletClient({
    chain,
    account: resolveSigner({ chainId: 31337 }),
    transport: http(anvil.rpcUrl),
  });
  const hash = await walletClient.deployContract({
    abi: eraTokenAbi,
    bytecode: eraTokenBytecode,
    args: [walletClient.account.address, parseEther("1000")],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  token = { address: receipt.contractAddress as Address, abi: eraTokenAbi };
});

afterAll(async () => {
  await anvil?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A hub whose indexer is live and reaches every block at once, after running `beforeReached` (the reorgs). */
function hubWith(beforeReached: (blockNumber: bigint, call: number) => Promise<void>) {
  let calls = 0;
  const indexer: IndexerClient = {
    url: "http://indexer.invalid",
    maxLagBlocks: 2,
    status: async () => ({
      reachable: true,
      indexedBlock: 0n,
      headBlock: 0n,
      lagBlocks: 0,
      maxLagBlocks: 2,
      live: true,
    }),
    waitForBlock: async (blockNumber) => beforeReached(blockNumber, calls++),
  };
  const hub = {
    publicClient,
    walletClient,
    sender: createTransactionSender({ publicClient, walletClient }),
    indexer,
  } as unknown as HubServices;
  return { hub, calls: () => calls };
}

const balanceOf = (who: Address) =>
  publicClient.readContract({ ...token, functionName: "balanceOf", args: [who] });

describe("sendAndWaitIndexed", () => {
  it("sends again when a reorg removed the block between the receipt and the indexer reaching it", async () => {
    const { hub, calls } = hubWith(async (_, call) => {
      if (call === 0) await rpc("anvil_reorg", [1, []]);
    });
    const to = recipient(1);
    const { receipt } = await sendAndWaitIndexed({
      hub,
      what: "A transfer",
      call: { ...token, functionName: "transfer", args: [to, 7n] },
    });
    expect(calls()).toBe(2);
    // The receipt returned is the chain's, and the transfer happened once.
    const now = await publicClient.getTransactionReceipt({ hash: receipt.transactionHash });
    expect(now.blockHash).toBe(receipt.blockHash);
    expect(await balanceOf(to)).toBe(7n);
  });

  it("fails with TRANSACTION_DROPPED when the resent transaction is reorged away too", async () => {
    let reorg = true;
    const { hub } = hubWith(async () => {
      if (reorg) await rpc("anvil_reorg", [1, []]);
    });
    const to = recipient(2);
    const error = await sendAndWaitIndexed({
      hub,
      what: "A transfer",
      call: { ...token, functionName: "transfer", args: [to, 7n] },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BaseError);
    expect((error as BaseError).code).toBe("TRANSACTION_DROPPED");
    expect(await balanceOf(to)).toBe(0n);
    // Nothing is left pending or gapped: the same hub's next send goes through at the chain's nonce.
    reorg = false;
    const { receipt } = await sendAndWaitIndexed({
      hub,
      what: "Another transfer",
      call: { ...token, functionName: "transfer", args: [to, 1n] },
    });
    expect(receipt.status).toBe("success");
  });
});
