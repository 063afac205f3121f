import {
  type Account,
  type Chain,
  type Hash,
  type PublicClient,
  type SimulateContractParameters,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
  BaseError as ViemBaseError,
  type WalletClient,
} from "viem";
import { BaseError } from "../errors/BaseError.js";

/** The hub's transaction left the chain (reorg, eviction, restarted chain) and could not be resent in time. */
export class TransactionDroppedError extends BaseError {
  override name = "TransactionDroppedError";
  constructor(what: string, transactionHash: Hash, reason: string) {
    super(`${what}: the hub's transaction ${transactionHash} ${reason}`, {
      code: "TRANSACTION_DROPPED",
      details: { transactionHash, reason },
    });
  }
}

export type TransactionSendParameters = {
  /** The call, simulated before every (re)send: a revert surfaces as its custom error and nothing is sent. */
  call: Omit<SimulateContractParameters, "account" | "chain">;
  /** What the transaction does, for messages ("The certificate"). */
  what: string;
  /** Deadline of the whole send — simulate, send, mined, a resend included. */
  timeoutMs?: number | undefined;
};

export type TransactionSender = {
  /**
   * Simulates `call`, sends it with the signer's next nonce and resolves with its receipt once mined. A transaction
   * the node forgot (reorg, eviction, restarted chain) or one stuck behind a nonce gap is re-simulated and resent
   * once; when that is not possible in time, `TransactionDroppedError` (TRANSACTION_DROPPED). Errors of viem are
   * thrown as they are (`fromChainError` types them).
   */
  send: (parameters: TransactionSendParameters) => Promise<TransactionReceipt>;
  /** Forgets the local nonce view, so the next send takes the chain's: after a reorg removed a mined transaction. */
  resync: () => void;
};

export type CreateTransactionSenderParameters = {
  publicClient: Pick<
    PublicClient,
    "simulateContract" | "getTransactionCount" | "getTransaction" | "getTransactionReceipt"
  >;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  /** Default deadline of one send (ms). */
  timeoutMs?: number | undefined;
  /** How often a sent transaction is looked at while waiting for it to be mined (ms). */
  pollingIntervalMs?: number | undefined;
  /** Resends of a dropped transaction per send. */
  maxResends?: number | undefined;
};

/** Send errors that mean "another transaction already has this nonce", i.e. our view of the nonce was stale. */
const NONCE_CONFLICT =
  /nonce too low|nonce too high|replacement transaction underpriced|replacement underpriced|already known|known transaction|transaction already imported|nonce has already been used/i;

/**
 * The hub signer's one way to send, created once per process (in `HubServices`). Choosing a nonce, signing and
 * handing the transaction to the node run one at a time, so concurrent mutations get consecutive nonces; everything
 * else (simulation, waiting for the receipt) runs concurrently.
 *
 * The nonce comes from the chain (`pending`) before every send — one `eth_getTransactionCount` inside the lock, far
 * below the cost of the send itself. The local count wins only when the chain counts fewer transactions than the
 * hub sent *and* the node still knows the last one (a load-balanced RPC that has not seen it yet); when it does not
 * know it, the chain dropped it, and the chain's count is the truth. So a reorg that removed a mined transaction, an
 * evicted one or a chain restarted from an older state never leaves the hub sending into a nonce gap. Several hubs
 * (subgraph replicas) may share one key: "nonce too low", "replacement underpriced" or "already known" from the node
 * resync and retry.
 */
export function createTransactionSender({
  publicClient,
  walletClient,
  timeoutMs: defaultTimeoutMs = 30_000,
  pollingIntervalMs = 50,
  maxResends = 1,
}: CreateTransactionSenderParameters): TransactionSender {
  const account = walletClient.account;
  const address = account.address;
  /** The nonce after the hub's last send, and that send's hash; undefined when the chain must be asked. */
  let local: { next: number; lastHash: Hash } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const resync = () => {
    local = undefined;
    const chainId = walletClient.chain?.id;
    if (chainId !== undefined) account.nonceManager?.reset({ address, chainId });
  };

  const pendingCount = () => publicClient.getTransactionCount({ address, blockTag: "pending" });

  const lookUp = (hash: Hash) =>
    publicClient.getTransaction({ hash }).catch((error) => {
      if (isViem(error, TransactionNotFoundError)) return undefined;
      throw error;
    });

  async function nextNonce(): Promise<number> {
    const pending = await pendingCount();
    if (local === undefined || pending >= local.next) return pending;
    // The chain counts fewer of our transactions than we sent: either it dropped some, or this node has not seen
    // our last one yet. Only in the second case is our count right.
    if ((await lookUp(local.lastHash)) !== undefined) return local.next;
    resync();
    return pending;
  }

  async function broadcast(request: Record<string, unknown>): Promise<{ hash: Hash; nonce: number }> {
    return exclusive(async () => {
      for (let attempt = 0; ; attempt++) {
        const nonce = await nextNonce();
        try {
          const hash = await walletClient.writeContract({ ...request, nonce } as Parameters<
            typeof walletClient.writeContract
          >[0]);
          local = { next: nonce + 1, lastHash: hash };
          return { hash, nonce };
        } catch (error) {
          // Whatever failed, the node may or may not have taken the transaction: ask the chain next time.
          resync();
          if (attempt < 3 && isNonceConflict(error)) continue;
          throw error;
        }
      }
    });
  }

  type Outcome = TransactionReceipt | { lost: string };

  /**
   * Polls until the transaction is mined, the node no longer knows it (twice in a row, so a node that has not
   * indexed a fresh transaction yet is not mistaken for a drop), or it sits behind a nonce gap (known, not mined,
   * and the chain's pending count does not reach it: queued forever unless the gap fills).
   */
  async function mined(hash: Hash, nonce: number, deadline: number): Promise<Outcome> {
    let missing = 0;
    let gapped = 0;
    let unreachable: unknown;
    for (;;) {
      try {
        const receipt = await publicClient.getTransactionReceipt({ hash }).catch((error) => {
          if (isViem(error, TransactionReceiptNotFoundError)) return undefined;
          throw error;
        });
        if (receipt !== undefined) return receipt;
        const transaction = await lookUp(hash);
        missing = transaction === undefined ? missing + 1 : 0;
        if (missing >= 2)
          return {
            lost: "left the chain (reorg, eviction or restarted chain); nothing happened — retry the request",
          };
        if (transaction !== undefined && transaction.blockNumber === null) {
          gapped = (await pendingCount()) <= nonce ? gapped + 1 : 0;
          if (gapped >= 2)
            return {
              lost: `waits behind a nonce gap (nonce ${nonce}); nothing happened — retry the request`,
            };
        }
        unreachable = undefined;
      } catch (error) {
        // A restarting chain does not answer for a moment: keep looking until the deadline.
        unreachable = error;
      }
      if (Date.now() >= deadline) {
        if (unreachable !== undefined) throw unreachable;
        return {
          lost: "was not mined before the deadline; it may still be mined — a retry is refused if it was",
        };
      }
      await new Promise((resolve) => setTimeout(resolve, pollingIntervalMs));
    }
  }

  async function send({ call, what, timeoutMs = defaultTimeoutMs }: TransactionSendParameters) {
    const deadline = Date.now() + timeoutMs;
    for (let resends = 0; ; resends++) {
      const { request } = await publicClient.simulateContract({
        ...(call as SimulateContractParameters),
        account,
      });
      const { hash, nonce } = await broadcast(request as unknown as Record<string, unknown>);
      const outcome = await mined(hash, nonce, deadline);
      if ("lost" in outcome) {
        resync();
        if (resends < maxResends && Date.now() < deadline) continue;
        throw new TransactionDroppedError(what, hash, outcome.lost);
      }
      return outcome;
    }
  }

  return { send, resync };
}

function isViem(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  return error instanceof ViemBaseError && error.walk((e) => e instanceof type) instanceof type;
}

function isNonceConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause)
    messages.push(e.message, (e as { details?: string }).details ?? "");
  return NONCE_CONFLICT.test(messages.join("\n"));
}
