import { type Address, createWalletClient, type Hash, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BaseError } from "../errors/BaseError.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { type StartTestChainReturnType, startTestChain } from "../test/support/startTestChain.js";
import { createTransactionSender, type TransactionSender } from "./createTransactionSender.js";
import { fromChainError } from "./fromChainError.js";

let chain: StartTestChainReturnType;
let publicClient: StartTestChainReturnType["publicClient"];
/** The hub's signer exactly as `caldera up` makes it (its own nonce manager). */
let walletClient: StartTestChainReturnType["walletClient"];
let token: StartTestChainReturnType["token"];
let rpc: StartTestChainReturnType["rpc"];
const OTHER = privateKeyToAccount(ANVIL_DEV_KEYS[5]);
const recipient = (i: number) =>
  privateKeyToAccount(`0x${(7000 + i).toString(16).padStart(64, "0")}`).address;

const hubAddress = () => walletClient.account.address;
const pendingNonce = () => publicClient.getTransactionCount({ address: hubAddress(), blockTag: "pending" });
const transfer = (to: Address, amount = 1n) =>
  ({ ...token, functionName: "transfer", args: [to, amount] }) as const;
const balanceOf = (who: Address) =>
  publicClient.readContract({ ...token, functionName: "balanceOf", args: [who] });

/** The hub's transactions in the node's pool (not mined yet), by nonce. */
async function poolOfHub(): Promise<Record<string, { hash: Hash }>> {
  const content = await rpc<{ pending: Record<string, Record<string, { hash: Hash }>> }>("txpool_content");
  return content.pending[hubAddress().toLowerCase()] ?? {};
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  chain = await startTestChain();
  ({ publicClient, walletClient, token, rpc } = chain);
});

afterAll(async () => {
  await chain?.stop();
});

beforeEach(async () => {
  await rpc("evm_setAutomine", [true]);
});

const newSender = (options: Partial<Parameters<typeof createTransactionSender>[0]> = {}): TransactionSender =>
  createTransactionSender({ publicClient, walletClient, timeoutMs: 10_000, ...options });

describe("createTransactionSender", () => {
  it("sends 5 concurrent transactions with consecutive nonces, all mined", async () => {
    const sender = newSender();
    const first = await pendingNonce();
    const receipts = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => sender.send({ call: transfer(recipient(i)), what: `transfer ${i}` })),
    );
    expect(receipts.map((r) => r.status)).toEqual(Array(5).fill("success"));
    const nonces = await Promise.all(
      receipts.map(async (r) => (await publicClient.getTransaction({ hash: r.transactionHash })).nonce),
    );
    expect([...nonces].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4].map((i) => first + i));
  });

  it("after a reorg removed its mined transaction, sends with the chain's nonce instead of into a gap", async () => {
    const sender = newSender();
    const before = await sender.send({ call: transfer(recipient(10)), what: "warm-up" });
    const nonce = (await publicClient.getTransaction({ hash: before.transactionHash })).nonce;
    const mined = await sender.send({ call: transfer(recipient(11)), what: "reorged away" });
    expect((await publicClient.getTransaction({ hash: mined.transactionHash })).nonce).toBe(nonce + 1);
    // The block holding it is replaced by an empty one: the chain now expects nonce + 1 again.
    await rpc("anvil_reorg", [1, []]);
    expect(await pendingNonce()).toBe(nonce + 1);
    const after = await sender.send({ call: transfer(recipient(12)), what: "after the reorg" });
    expect(after.status).toBe("success");
    expect((await publicClient.getTransaction({ hash: after.transactionHash })).nonce).toBe(nonce + 1);
    expect(await balanceOf(recipient(11))).toBe(0n);
    expect(await balanceOf(recipient(12))).toBe(1n);
    // The signer's own nonce manager (deployment, dev set-up) was reset with it: it does not send into a gap either.
    const direct = await walletClient.writeContract(transfer(recipient(13)));
    expect((await publicClient.waitForTransactionReceipt({ hash: direct, timeout: 10_000 })).status).toBe(
      "success",
    );
  });

  it("resends a transaction the node dropped from its pool, once, and it is mined once", async () => {
    const sender = newSender();
    await rpc("evm_setAutomine", [false]);
    const sending = sender.send({ call: transfer(recipient(20), 5n), what: "dropped once" });
    const dropped = await until(
      "the first send in the pool",
      async () => Object.values(await poolOfHub())[0],
    );
    await rpc("anvil_dropTransaction", [dropped.hash]);
    await rpc("evm_setAutomine", [true]);
    // With automine back on the resend is mined as it arrives.
    const receipt = await sending;
    expect(receipt.status).toBe("success");
    // The resend is the same signed transaction (same nonce, fees, data), so it has the same hash.
    expect(receipt.transactionHash).toBe(dropped.hash);
    expect(await balanceOf(recipient(20))).toBe(5n);
  });

  it("fails with TRANSACTION_DROPPED when the resend is dropped too, and the next send is not blocked", async () => {
    const sender = newSender();
    await rpc("evm_setAutomine", [false]);
    const sending = sender.send({ call: transfer(recipient(30)), what: "dropped twice" });
    const failure = sending.then(
      () => undefined,
      (error: unknown) => error,
    );
    const first = await until("the first send in the pool", async () => Object.values(await poolOfHub())[0]);
    await rpc("anvil_dropTransaction", [first.hash]);
    // The resend (re-signed with the same nonce: the same transaction) comes back to the pool.
    const second = await until("the resend in the pool", async () => Object.values(await poolOfHub())[0]);
    await rpc("anvil_dropTransaction", [second.hash]);
    const error = await failure;
    expect(error).toBeInstanceOf(BaseError);
    expect((error as BaseError).code).toBe("TRANSACTION_DROPPED");
    expect((error as BaseError).details.transactionHash).toBe(second.hash);
    await rpc("evm_setAutomine", [true]);
    expect(await balanceOf(recipient(30))).toBe(0n);
    const next = await sender.send({ call: transfer(recipient(31)), what: "after a drop" });
    expect(next.status).toBe("success");
  });

  it("re-simulates before resending: a call that now reverts surfaces as its typed error", async () => {
    // The hub moves OTHER's tokens under OTHER's allowance; while the hub's transaction is out of the pool, OTHER
    // revokes the allowance, so the resend must not go out.
    const wallet = createWalletClient({
      account: OTHER,
      chain: walletClient.chain,
      transport: http(chain.rpcUrl),
    });
    const setUp = newSender();
    await setUp.send({ call: transfer(OTHER.address, 100n), what: "fund OTHER" });
    await publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({ ...token, functionName: "approve", args: [hubAddress(), 100n] }),
    });
    // Slow polling: the drop is noticed only after two looks a second apart, time to revoke and mine in between.
    const sender = newSender({ pollingIntervalMs: 1_000 });
    await rpc("evm_setAutomine", [false]);
    const sending = sender.send({
      call: { ...token, functionName: "transferFrom", args: [OTHER.address, recipient(40), 100n] },
      what: "spend the allowance",
    });
    const failure = sending.then(
      () => undefined,
      (error: unknown) => error,
    );
    const hubTx = await until("the hub's send in the pool", async () => Object.values(await poolOfHub())[0]);
    // An explicit gas limit: the node's estimate for clearing an allowance ignores the refund and runs out of gas.
    await wallet.writeContract({
      ...token,
      functionName: "approve",
      args: [hubAddress(), 0n],
      gas: 100_000n,
    });
    await rpc("anvil_dropTransaction", [hubTx.hash]);
    await rpc("anvil_mine", ["0x1"]);
    await rpc("evm_setAutomine", [true]);
    const outcome = await failure;
    const typed = fromChainError(outcome) as BaseError;
    expect(typed).toBeInstanceOf(BaseError);
    expect(typed.code).toBe("INSUFFICIENT_FUNDS");
    expect(typed.details.revert).toBe("ERC20InsufficientAllowance");
    expect(await balanceOf(recipient(40))).toBe(0n);
  });

  it("fails with TRANSACTION_DROPPED at its deadline when the transaction is not mined", async () => {
    const sender = newSender();
    await rpc("evm_setAutomine", [false]);
    const error = await sender
      .send({ call: transfer(recipient(50)), what: "never mined", timeoutMs: 1_500 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((error as BaseError).code).toBe("TRANSACTION_DROPPED");
    expect((error as BaseError).details.reason).toMatch(/deadline/);
    // Mined later after all: the next send comes after it.
    await rpc("anvil_mine", ["0x1"]);
    await rpc("evm_setAutomine", [true]);
    expect(await balanceOf(recipient(50))).toBe(1n);
    expect((await sender.send({ call: transfer(recipient(51)), what: "next" })).status).toBe("success");
  });

  it("two hubs sharing one key (subgraph replicas) resync on nonce conflicts and all their sends go through", async () => {
    const replicaA = newSender();
    const replicaB = newSender();
    const receipts = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        (i % 2 === 0 ? replicaA : replicaB).send({
          call: transfer(recipient(60 + i)),
          what: `replica send ${i}`,
        }),
      ),
    );
    expect(receipts.map((r) => r.status)).toEqual(Array(6).fill("success"));
    for (const i of [0, 1, 2, 3, 4, 5]) expect(await balanceOf(recipient(60 + i))).toBe(1n);
  });
});
