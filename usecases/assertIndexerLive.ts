import { IndexerUnavailableError } from "./errors.js";
import type { HubServices } from "./HubServices.js";

/**
 * Refuses up front when the indexer is down or lagging: every mutation that waits for the indexer calls this
 * before proving or sending, so a dead indexer costs a client one fast typed error, not a transaction and a
 * 30-second wait.
 */
export async function assertIndexerLive({ indexer }: Pick<HubServices, "indexer">): Promise<void> {
  const status = await indexer.status();
  if (status.live) return;
  const detail = !status.reachable
    ? "it does not answer"
    : status.catchingUp
      ? `it is re-indexing after a restart (at block ${status.indexedBlock})`
      : status.lagBlocks === undefined
        ? "the chain head is unknown"
        : `${status.lagBlocks} blocks behind the chain head, more than ${status.maxLagBlocks}`;
  throw new IndexerUnavailableError(detail, {
    indexedBlock: status.indexedBlock.toString(),
    ...(status.lagBlocks === undefined ? {} : { lagBlocks: status.lagBlocks }),
    maxLagBlocks: status.maxLagBlocks,
  });
}
