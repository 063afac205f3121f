import { BlockNotFoundError, type PublicClient } from "viem";
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
  /**
   * Re-indexing after a restart and not yet back at the block it had reached before: it serves fewer rows than it
   * did, so it is not live however small the lag (its last blocks may hold data already shown to clients).
   */
  catchingUp: boolean;
  /**
   * Reachable, not catching up, and no more than `maxLagBlocks` behind the head: safe to send a transaction and
   * wait for it, and to serve reads.
   */
  live: boolean;
};

export type IndexerClient = {
  url: string;
  maxLagBlocks: number;
  status: () => Promise<IndexerStatus>;
  /**
   * Resolves once every block up to `blockNumber` is indexed, from the chain as it is now (not from a branch a
   * reorg replaced); rejects after `timeoutMs`.
   */
  waitForBlock: (blockNumber: bigint, timeoutMs?: number) => Promise<void>;
};

export type CreateIndexerClientParameters = {
  url: string;
  publicClient: Pick<PublicClient, "getBlockNumber" | "getBlock">;
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
  const indexedBlockNow = async (head?: bigint): Promise<{ indexed: bigint; catchingUp: boolean }> => {
    const reported = await indexedBlock(url);
    const progress = catchUp?.();
    if (progress === undefined || reported < 0n) return { indexed: reported, catchingUp: false };
    const target = head !== undefined && head < progress.target ? head : progress.target;
    if (progress.reached >= target) return { indexed: reported, catchingUp: false };
    // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min takes numbers only
    return { indexed: progress.reached < reported ? progress.reached : reported, catchingUp: true };
  };
  return {
    url,
    maxLagBlocks,
    status: async () => {
      const head = await publicClient.getBlockNumber({ cacheTime: 0 }).catch(() => undefined);
      const { indexed, catchingUp } = await indexedBlockNow(head);
      const reachable = indexed >= 0n;
      const lagBlocks = reachable && head !== undefined ? Math.max(0, Number(head - indexed)) : undefined;
      return {
        reachable,
        indexedBlock: indexed,
        headBlock: head,
        lagBlocks,
        maxLagBlocks,
        catchingUp,
        live: !catchingUp && lagBlocks !== undefined && lagBlocks <= maxLagBlocks,
      };
    },
    waitForBlock: async (blockNumber, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while ((await indexedBlockNow()).indexed < blockNumber || !(await onTheChain(url, publicClient))) {
        if (Date.now() > deadline)
          throw new Error(`the indexer did not reach block ${blockNumber} in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/**
 * Whether the block ponder last indexed is still the chain's block at that height. Right after a reorg (or a chain
 * restarted from older state) ponder may not have noticed yet: its `/status` still shows a height it reached on the
 * old branch, where the same block number held other transactions — a certificate id the chain has since given to
 * another certificate. `/status` has no block hash, so the block's timestamp stands in for it (a replacement block
 * is mined later; only one in the same second would pass). A chain that does not answer does not hold the wait up.
 */
async function onTheChain(url: string, publicClient: Pick<PublicClient, "getBlock">): Promise<boolean> {
  const checkpoint = await checkpointBlock(url);
  if (checkpoint === undefined) return false;
  try {
    const block = await publicClient.getBlock({ blockNumber: checkpoint.number });
    return Number(block.timestamp) === checkpoint.timestamp;
  } catch (error) {
    return !(error instanceof BlockNotFoundError);
  }
}

/** ponder's latest checkpoint block (number and timestamp) of its one chain, from `/status`. */
async function checkpointBlock(url: string): Promise<{ number: bigint; timestamp: number } | undefined> {
  const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) }).catch(
    () => undefined,
  );
  if (!response?.ok) return undefined;
  const status = (await response.json().catch(() => ({}))) as Record<
    string,
    { block?: { number?: number; timestamp?: number } }
  >;
  const blocks = Object.values(status).flatMap((chain) =>
    chain.block?.number === undefined || chain.block.timestamp === undefined
      ? []
      : [{ number: BigInt(chain.block.number), timestamp: chain.block.timestamp }],
  );
  return blocks.length === 1 ? blocks[0] : undefined;
}
