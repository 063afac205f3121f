import type { Hash } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import {
  CERTIFY_COMMITMENT,
  type CertifiedCommitment,
  certifyCoreAs,
  registerProviderAs,
  type Signer,
} from "../support/certifyAs.js";
import { chainRpc } from "../support/chainRpc.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql } from "../support/startTestStack.js";
import { startTestStackWithSql, type TestStackWithSql } from "../support/startTestStackWithSql.js";

/**
 * The report this guards against: the dev chain reverted the one block holding the hub's own `certify`, three new
 * blocks were mined, and every later `certifyCore` hung for minutes — the hub kept counting nonces from its own
 * last send while the chain expected the dropped one again.
 */

let stack: TestStackWithSql;

beforeAll(async () => {
  stack = await startTestStackWithSql();
});

afterAll(async () => {
  await stack?.teardown();
});

async function certify(signer: Signer, offset: number) {
  return certifyCoreAs<CertifiedCommitment>(
    stack.gatewayUrl,
    signer,
    { domain: "AGRICULTURAL", ...sensorDataset({ offset }) },
    { query: CERTIFY_COMMITMENT },
  );
}

const rpc = <T = unknown>(method: string, params?: unknown[]) => chainRpc<T>(stack.rpcUrl, method, params);

const hubAddress = () => stack.hub.walletClient.account.address;
const pendingNonce = () =>
  stack.hub.publicClient.getTransactionCount({ address: hubAddress(), blockTag: "pending" });
const nonceOf = async (hash: Hash) => (await stack.hub.publicClient.getTransaction({ hash })).nonce;

async function indexedCommitments(): Promise<string[]> {
  const rows = await stack.sql<{ datasetCommitment: string }[]>`
    select dataset_commitment as "datasetCommitment" from caldera.certificate`;
  return rows.map((r) => r.datasetCommitment.toLowerCase());
}

async function servedCommitments(): Promise<string[]> {
  const result = await graphql<{ certificates: { edges: { node: { datasetCommitment: string } }[] } }>(
    stack.gatewayUrl,
    `{ certificates(first: 100) { edges { node { datasetCommitment } } } }`,
  );
  expect(result.errors).toBeUndefined();
  return (result.data?.certificates.edges ?? []).map((e) => e.node.datasetCommitment.toLowerCase());
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the hub's own transactions survive a reorg that drops them", () => {
  it("after the chain drops the block with the hub's certify (1 block reverted, 3 mined), certifyCore works again at the chain's nonce", async () => {
    const DEV = ANVIL_DEV_KEYS[0];
    // The first certification of a channel schema also registers the schema: done before, outside the reorg.
    expect((await certify(DEV, 300)).errors).toBeUndefined();

    const nonce = await pendingNonce();
    const dropped = await certify(DEV, 301);
    expect(dropped.errors).toBeUndefined();
    const droppedTx = dropped.data?.certifyCore.transactionHash as Hash;
    const commitment = String(dropped.data?.certifyCore.certificate.datasetCommitment).toLowerCase();
    expect(await nonceOf(droppedTx)).toBe(nonce);
    expect(await servedCommitments()).toContain(commitment);

    // The head block (holding only that certify) is replaced by an empty one, then three more are mined.
    await rpc("anvil_reorg", [1, []]);
    await rpc("anvil_mine", ["0x3"]);
    expect(
      await stack.hub.publicClient.getTransaction({ hash: droppedTx }).catch(() => undefined),
    ).toBeUndefined();
    expect(await pendingNonce()).toBe(nonce);
    await until("the indexer dropped the reorged certificate", async () => {
      return (
        !(await indexedCommitments()).includes(commitment) &&
        !(await servedCommitments()).includes(commitment)
      );
    });

    // The same dataset again (a fresh signature: the registry never kept the first one), then one more: no gap.
    const started = Date.now();
    const again = await certify(DEV, 301);
    expect(again.errors).toBeUndefined();
    const againTx = again.data?.certifyCore.transactionHash as Hash;
    expect(await nonceOf(againTx)).toBe(nonce);
    const next = await certify(DEV, 302);
    expect(next.errors).toBeUndefined();
    expect(await nonceOf(next.data?.certifyCore.transactionHash as Hash)).toBe(nonce + 1);
    // A sanity bound, not a speed target: the report's hang was 181 s per mutation.
    expect(Date.now() - started).toBeLessThan(150_000);
    expect(await indexedCommitments()).toContain(commitment);
    expect(await servedCommitments()).toContain(commitment);
  }, 240_000);

  it("after the reorg, 5 concurrent certifications (5 providers) all succeed with consecutive hub nonces", async () => {
    const keys = [4, 5, 6, 7, 8].map((i) => ANVIL_DEV_KEYS[i] as Signer);
    const registered = await Promise.all(
      keys.map((key, i) => registerProviderAs(stack.gatewayUrl, key, `farm ${i}`)),
    );
    expect(registered.map((r) => r.errors)).toEqual(Array(5).fill(undefined));
    const first = await pendingNonce();
    const results = await Promise.all(keys.map((key, i) => certify(key, 400 + i)));
    expect(results.map((r) => r.errors)).toEqual(Array(5).fill(undefined));
    const nonces = await Promise.all(
      results.map((r) => nonceOf(r.data?.certifyCore.transactionHash as Hash)),
    );
    expect([...nonces].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4].map((i) => first + i));
    const ids = new Set(results.map((r) => r.data?.certifyCore.certificate.id));
    expect(ids.size).toBe(5);
  }, 300_000);
});
