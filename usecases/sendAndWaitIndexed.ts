import {
  type Abi,
  type ContractFunctionName,
  type SimulateContractParameters,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { assertIndexerLive } from "./assertIndexerLive.js";
import {
  createTransactionSender,
  TransactionDroppedError,
  type TransactionSender,
  type TransactionSendParameters,
} from "./createTransactionSender.js";
import { ChainRejectedError, IndexerBehindError } from "./errors.js";
import { fromChainError } from "./fromChainError.js";
import type { HubServices } from "./HubServices.js";

export type SendAndWaitIndexedParameters<abi extends Abi, functionName extends ContractFunctionName<abi>> = {
  hub: HubServices;
  /** The call, simulated first: a revert surfaces as its custom error and nothing is sent. */
  call: Omit<SimulateContractParameters<abi, functionName>, "account" | "chain">;
  /** What the transaction does, for messages ("Certificate 12"). */
  what: string;
  indexTimeoutMs?: number;
  /**
   * Runs once the transaction succeeded, before waiting for the indexer: off-chain records that belong to the
   * on-chain fact (the certified dataset) are kept even when the indexer then lags.
   */
  onMined?: ((receipt: TransactionReceipt) => Promise<void>) | undefined;
};

export type SendAndWaitIndexedReturnType = { receipt: TransactionReceipt };

/**
 * The one way a use case changes the chain: check the indexer is live, then through the hub signer's sender
 * (`createTransactionSender`: simulate, send with a nonce taken from the chain, wait for the receipt, resend once if
 * the chain dropped it), then wait until the indexer has processed that block so the caller can read its own write.
 * A reorg that removes the block after the receipt came back is caught too: once the indexer has the block number,
 * the receipt must still be on the chain, else the action is sent once more (re-simulated) or fails as
 * TRANSACTION_DROPPED. Errors come back typed: a revert by its custom error, an unreachable chain as
 * CHAIN_UNAVAILABLE, a lagging indexer before sending as INDEXER_UNAVAILABLE and after sending as INDEXER_BEHIND
 * (the action did happen).
 */
export async function sendAndWaitIndexed<abi extends Abi, functionName extends ContractFunctionName<abi>>({
  hub,
  call,
  what,
  indexTimeoutMs = 30_000,
  onMined,
}: SendAndWaitIndexedParameters<abi, functionName>): Promise<SendAndWaitIndexedReturnType> {
  await assertIndexerLive(hub);
  for (let attempt = 0; ; attempt++) {
    let receipt: TransactionReceipt;
    try {
      receipt = await senderOf(hub).send({ call: call as TransactionSendParameters["call"], what });
    } catch (error) {
      throw fromChainError(error);
    }
    if (receipt.status !== "success")
      throw new ChainRejectedError(`${what}: transaction ${receipt.transactionHash} reverted`, {
        transactionHash: receipt.transactionHash,
      });
    await onMined?.(receipt);
    await hub.indexer.waitForBlock(receipt.blockNumber, indexTimeoutMs).catch(() => {
      throw new IndexerBehindError(what, receipt.transactionHash);
    });
    const still = await hub.publicClient
      .getTransactionReceipt({ hash: receipt.transactionHash })
      .catch((error) => (error instanceof TransactionReceiptNotFoundError ? undefined : receipt));
    if (still?.blockHash === receipt.blockHash) return { receipt };
    if (still !== undefined) {
      // Re-mined in another block (a node that returns reorged transactions to its pool): wait for that one.
      await hub.indexer.waitForBlock(still.blockNumber, indexTimeoutMs).catch(() => {
        throw new IndexerBehindError(what, still.transactionHash);
      });
      return { receipt: still };
    }
    // A reorg took the block away after the receipt came back: the action did not happen (yet).
    senderOf(hub).resync();
    if (attempt >= 1)
      throw new TransactionDroppedError(
        what,
        receipt.transactionHash,
        "was mined, then removed by a reorg, twice; nothing happened — retry the request",
      );
  }
}

/** One sender per wallet client (so per signer and process) for a `HubServices` built without one. */
const senders = new WeakMap<HubServices["walletClient"], TransactionSender>();

function senderOf(hub: HubServices): TransactionSender {
  if (hub.sender !== undefined) return hub.sender;
  let sender = senders.get(hub.walletClient);
  if (sender === undefined) {
    sender = createTransactionSender({ publicClient: hub.publicClient, walletClient: hub.walletClient });
    senders.set(hub.walletClient, sender);
  }
  return sender;
}
