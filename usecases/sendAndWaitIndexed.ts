import type { Abi, ContractFunctionName, SimulateContractParameters, TransactionReceipt } from "viem";
import { assertIndexerLive } from "./assertIndexerLive.js";
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
 * The one way a use case changes the chain: check the indexer is live, simulate, send with the hub's signer, wait
 * for the receipt, then wait until the indexer has processed that block so the caller can read its own write.
 * Errors come back typed: a revert by its custom error, an unreachable chain as CHAIN_UNAVAILABLE, a lagging
 * indexer before sending as INDEXER_UNAVAILABLE and after sending as INDEXER_BEHIND (the action did happen).
 */
export async function sendAndWaitIndexed<abi extends Abi, functionName extends ContractFunctionName<abi>>({
  hub,
  call,
  what,
  indexTimeoutMs = 30_000,
  onMined,
}: SendAndWaitIndexedParameters<abi, functionName>): Promise<SendAndWaitIndexedReturnType> {
  await assertIndexerLive(hub);
  const { publicClient, walletClient } = hub;
  let receipt: TransactionReceipt;
  try {
    const { request } = await publicClient.simulateContract({
      ...(call as SimulateContractParameters),
      account: walletClient.account,
    });
    const hash = await walletClient.writeContract(request);
    receipt = await publicClient.waitForTransactionReceipt({ hash });
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
  return { receipt };
}
