import type { PublicClient } from "viem";
import { indexedBlock } from "./indexedBlock.js";

export type IndexerStatus = {
  /** The indexer answered its `/status`. */
  reachable: boolean;
  /** Highest block fully indexed (-1 when unreachable). */
  indexedBlock: bigint;
  /** The chain's head, when the chain answered. */
  headBlock: bigint | undefined;
  /** head − indexed, when both are known. */
  lagBlocks: number | undefined;
  maxLagBlocks: number;
  /** Reachable and no more than `maxLagBlocks` behind the head: safe to send a transaction and wait for it. */
  live: boolean;
};

export type IndexerClient = {
  url: string;
  maxLagBlocks: number;
  status: () => Promise<IndexerStatus>;
  /** Resolves once every block up to `blockNumber` is indexed; rejects after `timeoutMs`. */
  waitForBlock: (blockNumber: bigint, timeoutMs?: number) => Promise<void>;
};

export type CreateIndexerClientParameters = {
  url: string;
  publicClient: Pick<PublicClient, "getBlockNumber">;
  /** How far behind the chain head the indexer may be and still count as live (caldera.config.json). */
  maxLagBlocks: number;
  /**
   * When the process supervising ponder knows better than `/status` (ponder re-indexing after a restart, while
   * `/status` still shows its pre-restart block): the block it has really reached, and the one it is heading for.
   */
  catchUp?: (() => { target: bigint; reached: bigint } | undefined) | undefined;
};

/**
 * What the hub knows of the indexer: its HTTP endpoints, so it works the same in or out of process, corrected by
 * the supervisor's `catchUp` when it runs in the same process.
 */
export function createIndexerClient({
  url,
  publicClient,
  maxLagBlocks,
  catchUp,
}: CreateIndexerClientParameters): IndexerClient {
  /** `/status`, corrected by what the supervisor saw ponder really index. */
  const indexedBlockNow = async (head?: bigint) => {
    const reported = await indexedBlock(url);
    const progress = catchUp?.();
    if (progress === undefined || reported < 0n) return reported;
    const target = head !== undefined && head < progress.target ? head : progress.target;
    if (progress.reached >= target) return reported;
    return progress.reached < reported ? progress.reached : reported;
  };
  return {
    url,
    maxLagBlocks,
    status: async () => {
      const head = await publicClient.getBlockNumber({ cacheTime: 0 }).catch(() => undefined);
      const indexed = await indexedBlockNow(head);
      const reachable = indexed >= 0n;
      const lagBlocks = reachable && head !== undefined ? Math.max(0, Number(head - indexed)) : undefined;
      return {
        reachable,
        indexedBlock: indexed,
        headBlock: head,
        lagBlocks,
        maxLagBlocks,
        live: lagBlocks !== undefined && lagBlocks <= maxLagBlocks,
      };
    },
    waitForBlock: async (blockNumber, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while ((await indexedBlockNow()) < blockNumber) {
        if (Date.now() > deadline)
          throw new Error(`the indexer did not reach block ${blockNumber} in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
