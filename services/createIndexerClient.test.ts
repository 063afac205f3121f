import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFreePort } from "../stack/getFreePort.js";
import { type AnvilHandle, startAnvil } from "../stack/startAnvil.js";
import { chainRpc } from "../test/support/chainRpc.js";
import { createIndexerClient } from "./createIndexerClient.js";

/**
 * The chain is a real anvil; ponder is stood in for by its `/status` answer alone (what the client reads), so the
 * test can hold it on a block of a branch a reorg replaced — the moment between the reorg and ponder noticing it.
 */

const dataDir = mkdtempSync(join(tmpdir(), "caldera-indexer-client-"));
let anvil: AnvilHandle;
let publicClient: PublicClient;
let server: Server;
let url: string;
/** What the stand-in `/status` reports: ponder's last indexed block. */
let status: { number: number; timestamp: number } = { number: -1, timestamp: 0 };

const rpc = <T = unknown>(method: string, params?: unknown[]) => chainRpc<T>(anvil.rpcUrl, method, params);

const blockAt = async (number: bigint) => {
  const block = await publicClient.getBlock({ blockNumber: number });
  return { number: Number(block.number), timestamp: Number(block.timestamp) };
};

beforeAll(async () => {
  anvil = await startAnvil({
    port: await getFreePort(),
    logFile: join(dataDir, "anvil.log"),
    log: () => {},
    onGiveUp: () => {},
  });
  publicClient = createPublicClient({ transport: http(anvil.rpcUrl) });
  server = createServer((_, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ caldera: { id: 31337, block: status } }));
  });
  const port = await getFreePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await anvil?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("createIndexerClient.waitForBlock", () => {
  it("resolves once the indexer has the block, on the chain as it is", async () => {
    await rpc("anvil_mine", ["0x5"]);
    status = await blockAt(5n);
    const client = createIndexerClient({ url, publicClient, maxLagBlocks: 2 });
    await expect(client.waitForBlock(5n, 2_000)).resolves.toBeUndefined();
    await expect(client.waitForBlock(4n, 2_000)).resolves.toBeUndefined();
    await expect(client.waitForBlock(6n, 300)).rejects.toThrow(/did not reach block 6/);
  });

  it("does not resolve on a block number the indexer passed on a branch a reorg replaced", async () => {
    const snapshot = await rpc<string>("evm_snapshot");
    const base = await publicClient.getBlockNumber({ cacheTime: 0 });
    // Later timestamps for the old branch, so its blocks differ from the replacements in what /status shows.
    await rpc("evm_increaseTime", [1_000]);
    await rpc("anvil_mine", ["0x3"]);
    // ponder indexed the old branch up to base + 3 …
    status = await blockAt(base + 3n);
    await rpc("evm_revert", [snapshot]);
    // … and the chain now has one new block at base + 1, holding the hub's transaction.
    await rpc("anvil_mine", ["0x1"]);
    const client = createIndexerClient({ url, publicClient, maxLagBlocks: 2 });
    // By number alone the indexer is past base + 1; it has not seen the new block though.
    await expect(client.waitForBlock(base + 1n, 500)).rejects.toThrow(/did not reach/);
    // Nor once the new branch is as high as the old one: its block base + 3 is another block than ponder's.
    await rpc("anvil_mine", ["0x2"]);
    expect((await blockAt(base + 3n)).timestamp).not.toBe(status.timestamp);
    await expect(client.waitForBlock(base + 1n, 500)).rejects.toThrow(/did not reach/);
    // ponder notices the reorg, rolls back and indexes the new branch: now it resolves.
    const waiting = client.waitForBlock(base + 1n, 5_000);
    status = await blockAt(base + 3n);
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe("createIndexerClient.status", () => {
  it("is not live while ponder re-indexes after a restart, even within the lag budget, and is once it is back", async () => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    // Before the restart ponder had indexed the head; its /status still says so while it re-indexes.
    status = await blockAt(head);
    let progress: { target: bigint; reached: bigint } | undefined = { target: head, reached: head - 1n };
    const client = createIndexerClient({ url, publicClient, maxLagBlocks: 2, catchUp: () => progress });

    // One block short of where it was: inside a 2-block lag budget, but the last block's rows are not back yet.
    expect(await client.status()).toMatchObject({
      reachable: true,
      indexedBlock: head - 1n,
      lagBlocks: 1,
      catchingUp: true,
      live: false,
    });

    progress = undefined;
    expect(await client.status()).toMatchObject({
      indexedBlock: head,
      lagBlocks: 0,
      catchingUp: false,
      live: true,
    });
  });

  it("is live within the lag budget when nothing restarted", async () => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    status = await blockAt(head - 2n);
    const client = createIndexerClient({ url, publicClient, maxLagBlocks: 2 });
    expect(await client.status()).toMatchObject({ lagBlocks: 2, catchingUp: false, live: true });
  });
});
