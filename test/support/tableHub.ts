import type { Address, TransactionReceipt } from "viem";
import type { HubServices } from "../../usecases/HubServices.js";

export type TableHubParameters = {
  /** The manifest's contracts the use cases under test address. */
  contracts: Record<string, { address: Address }>;
  /** The chain's state as a table: each contract read the test allows, by function name. */
  reads: Record<string, (...args: never[]) => unknown>;
  /** What every sent transaction (and receipt lookup) returns. */
  receipt: () => TransactionReceipt | Record<string, unknown>;
  /** The chain's time. */
  now: bigint;
};

/**
 * A hub for unit tests of the write path around the chain: reads answer from a table (an unlisted read fails the
 * test), the indexer is live at block 12, and the sender records each call's function name in `sent` instead of
 * sending — so a test asserts both a refusal's code and that nothing was sent. The real contracts, indexer and
 * subgraph are exercised by the stack tests.
 */
export function tableHub({ contracts, reads, receipt, now }: TableHubParameters) {
  const sent: string[] = [];
  const hub = {
    deployment: { chainId: 31337, contracts },
    publicClient: {
      readContract: async ({ functionName, args = [] }: { functionName: string; args?: unknown[] }) => {
        const read = reads[functionName];
        if (read === undefined) throw new Error(`the test has no ${functionName}`);
        return read(...(args as never[]));
      },
      getBlock: async () => ({ timestamp: now }),
      getTransactionReceipt: async () => receipt(),
    },
    indexer: {
      status: async () => ({
        reachable: true,
        live: true,
        indexedBlock: 12n,
        headBlock: 12n,
        lagBlocks: 0,
        maxLagBlocks: 2,
      }),
      waitForBlock: async () => {},
    },
    sender: {
      send: async ({ call }: { call: { functionName: string } }) => {
        sent.push(call.functionName);
        return receipt();
      },
      resync: () => {},
    },
  } as unknown as HubServices;
  return { hub, sent };
}
