import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseError } from "../errors/BaseError.js";
import type { IndexerClient } from "../services/createIndexerClient.js";
import { type StartTestChainReturnType, startTestChain } from "../test/support/startTestChain.js";
import { createTransactionSender } from "./createTransactionSender.js";
import type { HubServices } from "./HubServices.js";
import { sendAndWaitIndexed } from "./sendAndWaitIndexed.js";

/**
 * A real anvil; the indexer is stood in for by `waitForBlock` alone, which lets the test reorg the chain at the one
 * moment that matters: after the receipt came back, before the indexer reached its block.
 */

let chain: StartTestChainReturnType;
let publicClient: StartTestChainReturnType["publicClient"];
let walletClient: StartTestChainReturnType["walletClient"];
let token: StartTestChainReturnType["token"];
let rpc: StartTestChainReturnType["rpc"];
const recipient = (i: number) =>
  privateKeyToAccount(`0x${(8000 + i).toString(16).padStart(64, "0")}`).address;

beforeAll(async () => {
  chain = await startTestChain();
  ({ publicClient, walletClient, token, rpc } = chain);
});

afterAll(async () => {
  await chain?.stop();
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
      catchingUp: false,
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
