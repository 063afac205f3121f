import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { type Authorization, CERTIFY, certifyAs, signCertification } from "../support/certifyAs.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * Rate limits and idempotency keys through the gateway on the real stack: what a client sees (status, headers,
 * body) and what reached the chain (the hub signer's nonce, the indexed certificates).
 */

/** The hub's signer, also the dev provider the stack registers. */
const DEV_KEY = ANVIL_DEV_KEYS[0];
/** A signature that verifies for nobody: a mutation refused before anything is sent, still a mutation. */
const NO_SIGNATURE: Authorization = { signature: `0x${"00".repeat(65)}`, deadline: 4_102_444_800 };

let stack: TestStack;
let sql: postgres.Sql;
let provider: `0x${string}`;
let datasets = 0;

beforeAll(async () => {
  // Two mutations at once, then one a minute: a third within the test's time is always over the limit.
  stack = await startTestStack([], { rateLimits: { mutationsPerMinute: 1, burst: 2 } });
  sql = postgres(stack.postgresUrl, { max: 2, onnotice: () => {} });
  provider = stack.hub.walletClient.account.address;
  // The first certification of a channel schema also registers the schema (a transaction of its own): done here, so
  // each test below counts one transaction per certification. No API key: the loopback address's own bucket.
  await certifyAs(stack, DEV_KEY, { provider, domain: "AGRICULTURAL", ...sensorDataset({ offset: 99 }) });
});

afterAll(async () => {
  await sql?.end();
  await stack?.teardown();
});

type Sent = { status: number; retryAfter: string | null; body: string; json: Record<string, unknown> };

/** POSTs a GraphQL request to the gateway as a client with these headers. */
async function send(variables: Record<string, unknown>, headers: Record<string, string>): Promise<Sent> {
  const response = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: CERTIFY, variables }),
  });
  const body = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body,
    json: JSON.parse(body),
  };
}

/** A retrying client: the same request, the same key, again after `Retry-After` while it is still running (409). */
async function sendUntilDone(variables: Record<string, unknown>, headers: Record<string, string>) {
  for (;;) {
    const sent = await send(variables, headers);
    if (sent.status !== 409) return sent;
    await new Promise((resolve) => setTimeout(resolve, Number(sent.retryAfter ?? 1) * 1000));
  }
}

const codeOf = (sent: Sent) =>
  (sent.json.errors as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;

/** A new dataset, signed by the dev provider over fresh typed data: the variables of one certifyCore. */
async function signedCertification() {
  const input = { provider, domain: "AGRICULTURAL", ...sensorDataset({ offset: 100 + datasets++ }) };
  const signed = await signCertification(stack.gatewayUrl, DEV_KEY, input);
  if (!("authorization" in signed)) throw new Error(`no typed data: ${JSON.stringify(signed.errors)}`);
  return { input, authorization: signed.authorization };
}

/** What reached the chain and the indexer: the hub signer's transactions and the certificates indexed. */
async function onChain() {
  const transactions = await stack.hub.publicClient.getTransactionCount({ address: provider });
  const [row] = await sql<{ count: number }[]>`select count(*)::int as count from caldera.certificate`;
  return { transactions, certificates: row?.count ?? 0 };
}

/** Exactly `n` certifications reached the chain and the indexer since `before`: one transaction each. */
async function expectSentSince(before: Awaited<ReturnType<typeof onChain>>, n: number) {
  expect(await onChain(), await recentTransactions()).toEqual({
    transactions: before.transactions + n,
    certificates: before.certificates + n,
  });
}

/** The hub signer's transactions in the last `n` blocks (target, selector, outcome): what a failure shows. */
async function recentTransactions(n = 20) {
  const client = stack.hub.publicClient;
  const head = await client.getBlockNumber();
  const sent: string[] = [];
  for (let b = head > BigInt(n) ? head - BigInt(n) : 0n; b <= head; b++) {
    const block = await client.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions)
      if (tx.from.toLowerCase() === provider.toLowerCase()) {
        const receipt = await client.getTransactionReceipt({ hash: tx.hash });
        sent.push(`block ${b} nonce ${tx.nonce} → ${tx.to} ${tx.input.slice(0, 10)} ${receipt.status}`);
      }
  }
  return sent.join("\n");
}

describe("rate limits and idempotency keys through the gateway", () => {
  it("refuses a client over its rate with 429 RATE_LIMITED and Retry-After, sending nothing; another API key has its own bucket", {
    timeout: 300_000,
  }, async () => {
    const client = { "x-api-key": "client-rate-a" };
    const variables = await signedCertification();
    // Two mutations refused for their signature still take the client's two tokens.
    for (let i = 0; i < 2; i++) {
      const refused = await send({ ...variables, authorization: NO_SIGNATURE }, client);
      expect(codeOf(refused)).toBe("NOT_AUTHORIZED");
    }
    const before = await onChain();
    const limited = await send(variables, client);
    expect(limited.status).toBe(429);
    expect(limited.json).not.toHaveProperty("data");
    expect(limited.json.errors).toMatchObject([
      { extensions: { code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) } },
    ]);
    const retryAfter = (limited.json.errors as { extensions: { retryAfterSeconds: number } }[])[0]?.extensions
      .retryAfterSeconds;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.retryAfter).toBe(String(retryAfter));
    await expectSentSince(before, 0);
    // The same signed request from another API key: its own bucket, and it goes through.
    const other = await send(variables, { "x-api-key": "client-rate-b" });
    expect(other.json.errors).toBeUndefined();
    expect(other.status).toBe(200);
    await expectSentSince(before, 1);
  });

  it("sends one transaction for a mutation retried with the same Idempotency-Key, and replays its response", {
    timeout: 300_000,
  }, async () => {
    const client = { "x-api-key": "client-idem-seq", "idempotency-key": "6f1c2f0e-2d7e-4c55-9a52-seq" };
    const variables = await signedCertification();
    const before = await onChain();
    const first = await send(variables, client);
    expect(first.json.errors).toBeUndefined();
    const second = await send(variables, client);
    const third = await send(variables, client);
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect(third.body).toBe(first.body);
    await expectSentSince(before, 1);
    // The same key on other variables: 422, nothing sent.
    const other = await signedCertification();
    const reused = await send(other, client);
    expect(reused.status).toBe(422);
    expect(reused.json).not.toHaveProperty("data");
    expect(codeOf(reused)).toBe("IDEMPOTENCY_KEY_REUSED");
    await expectSentSince(before, 1);
  });

  it("sends one transaction for concurrent retries with the same key, all of them getting the same response", {
    timeout: 300_000,
  }, async () => {
    const client = { "x-api-key": "client-idem-concurrent", "idempotency-key": "concurrent-retry-1" };
    const variables = await signedCertification();
    const before = await onChain();
    const responses = await Promise.all(Array.from({ length: 4 }, () => sendUntilDone(variables, client)));
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body).toBe(responses[0]?.body);
    }
    expect(responses[0]?.json.errors).toBeUndefined();
    await expectSentSince(before, 1);
  });

  it("refuses a malformed Idempotency-Key with 400 BAD_USER_INPUT before anything runs", async () => {
    const variables = { ...(await signedCertification()) };
    const before = await onChain();
    const refused = await send(variables, {
      "x-api-key": "client-bad-key",
      "idempotency-key": "k".repeat(256),
    });
    expect(refused.status).toBe(400);
    expect(codeOf(refused)).toBe("BAD_USER_INPUT");
    await expectSentSince(before, 0);
  });
});
