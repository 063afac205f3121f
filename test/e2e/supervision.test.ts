import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { certifyCoreAs } from "../support/certifyAs.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

let stack: TestStack;
let sql: postgres.Sql;

beforeAll(async () => {
  stack = await startTestStack();
  sql = postgres(stack.postgresUrl, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await stack?.teardown();
});

const readyStatus = async (graphqlUrl: string) =>
  (await fetch(new URL("/ready", graphqlUrl)).catch(() => undefined))?.status ?? 0;

/** Polls until `check` holds; returns the milliseconds it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

/** Signed by the dev provider (the hub's own signer), as any provider would: typed data, signature, mutation. */
async function certify(offset: number) {
  return certifyCoreAs(stack.gatewayUrl, ANVIL_DEV_KEYS[0], {
    domain: "AGRICULTURAL",
    ...sensorDataset({ offset }),
  });
}

const nonce = () =>
  stack.hub.publicClient.getTransactionCount({ address: stack.hub.walletClient.account.address });

describe("the supervisor keeps the indexer alive and /ready tells the truth", () => {
  it("reports the whole path ready, with the indexer's lag, on both servers", async () => {
    for (const url of [stack.subgraphUrl, stack.gatewayUrl]) {
      const response = await fetch(new URL("/ready", url));
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.ready).toBe(true);
    }
    const body = (await (await fetch(new URL("/ready", stack.subgraphUrl))).json()) as {
      postgres: { ok: boolean };
      chain: { ok: boolean };
      indexer: { ok: boolean; lagBlocks: number; maxLagBlocks: number };
    };
    expect(body.postgres.ok).toBe(true);
    expect(body.chain.ok).toBe(true);
    expect(body.indexer).toMatchObject({ ok: true, maxLagBlocks: 2 });
    expect(body.indexer.lagBlocks).toBeLessThanOrEqual(2);
    expect((await fetch(new URL("/health", stack.subgraphUrl))).status).toBe(200);
  });

  it("refuses certifyCore with INDEXER_UNAVAILABLE while the indexer does not answer, sending nothing", async () => {
    const pid = stack.indexer.process.pid() as number;
    process.kill(pid, "SIGSTOP");
    try {
      await within(5_000, async () => (await readyStatus(stack.subgraphUrl)) === 503);
      const before = await nonce();
      const result = await certify(40);
      expect(result.errors?.[0]?.extensions?.code).toBe("INDEXER_UNAVAILABLE");
      expect(await nonce()).toBe(before);
      // /health is liveness only: the subgraph process itself is fine.
      expect((await fetch(new URL("/health", stack.subgraphUrl))).status).toBe(200);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await within(15_000, async () => (await readyStatus(stack.subgraphUrl)) === 200);
  });

  it("restarts ponder after SIGKILL: /ready 503 within 5 s, 200 again, data before and after served once", async () => {
    const before = await certify(41);
    expect(before.errors).toBeUndefined();
    const beforeId = before.data?.certifyCore.certificate.id as string;

    const killed = stack.indexer.process.pid() as number;
    process.kill(killed, "SIGKILL");
    const toNotReady = await within(5_000, async () => (await readyStatus(stack.gatewayUrl)) === 503);
    expect(toNotReady).toBeLessThan(5_000);
    await within(60_000, async () => (await readyStatus(stack.gatewayUrl)) === 200);
    // ponder rolls back to its finalized checkpoint on restart and re-indexes: ready must mean the data is back.
    const rightAfter = await graphql<{ certificate: { id: string } | null }>(
      stack.gatewayUrl,
      `query($id: ID!) { certificate(id: $id) { id } }`,
      { id: beforeId },
    );
    expect(rightAfter.data?.certificate).toEqual({ id: beforeId });
    expect(stack.indexer.process.pid()).not.toBe(killed);
    expect(stack.indexer.process.restarts()).toBe(1);
    expect(stack.parts().find((p) => p.part === "indexer")?.state).toBe("running");
    expect(stack.lines.some((l) => /indexer: exited unexpectedly with signal SIGKILL/.test(l))).toBe(true);

    const after = await certify(42);
    expect(after.errors).toBeUndefined();
    const afterId = after.data?.certifyCore.certificate.id as string;

    const read = await graphql<{ certificates: { totalCount: number; edges: { node: { id: string } }[] } }>(
      stack.gatewayUrl,
      `{ certificates(first: 50) { totalCount edges { node { id } } } }`,
    );
    const ids = read.data?.certificates.edges.map((e) => e.node.id) ?? [];
    expect(ids).toContain(beforeId);
    expect(ids).toContain(afterId);
    expect(new Set(ids).size).toBe(ids.length);
    const rows =
      await sql`select id, count(*)::int as n from caldera.certificate group by id having count(*) > 1`;
    expect(rows).toEqual([]);
    const [{ certificates, transfers, distinctTransfers }] = (await sql`
      select (select count(*)::int from caldera.certificate) as certificates,
             (select count(*)::int from caldera.token_transfer) as transfers,
             (select count(distinct id)::int from caldera.token_transfer) as "distinctTransfers"`) as unknown as [
      { certificates: number; transfers: number; distinctTransfers: number },
    ];
    expect(certificates).toBe(read.data?.certificates.totalCount);
    expect(transfers).toBe(distinctTransfers);
  });
});
