import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  type Hex,
  http,
  numberToHex,
  type PublicClient,
  parseAbi,
  parseAbiItem,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { eraTokenAbi } from "../contracts/generated/abis.js";
import { SOLC_SETTINGS } from "../scripts/buildContracts.js";
import { indexedBlock } from "../services/indexedBlock.js";
import { deployContracts } from "../stack/deployContracts.js";
import { getFreePort } from "../stack/getFreePort.js";
import { ANVIL_DEV_KEYS, DEV_CHAIN_ID } from "../stack/resolveSigner.js";
import { startAnvil } from "../stack/startAnvil.js";
import { type IndexerHandle, startIndexer } from "../stack/startIndexer.js";
import { removeDataDir } from "../test/support/removeDataDir.js";
import { startTestPostgres } from "../test/support/startTestPostgres.js";
import type { BenchSuite } from "./BenchRow.js";
import { percentile, sleep } from "./measure.js";

/** At least 100,000 ERC-20 transfers, many to a block: a busy token's history, not one transaction per block. */
const BACKFILL_TRANSFERS = Number(process.env.CALDERA_BACKFILL_TRANSFERS ?? 100_000);
/** 1,000 transfers a block: 10 transactions of 100 transfers each (see `sendTransfers` for why not 1,000 of 1). */
const TRANSACTIONS_PER_BLOCK = 10;
const TRANSFERS_PER_TRANSACTION = 100;
/** An L2's pace: 4 blocks a second, 50 transfers in each. */
const LIVE_BLOCKS_PER_SECOND = 4;
const LIVE_TRANSFERS_PER_BLOCK = 50;
const LIVE_SECONDS = 45;
/** Distinct recipients: balances are upserted, so some accounts get many transfers, as on a real token. */
const RECIPIENTS = 5_000;

const BARE_INDEXER_DIR = fileURLToPath(new URL("./bareIndexer/", import.meta.url));
const transferEvent = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

/**
 * Backfill at volume: a dev chain with ≥ 100,000 EraToken transfers packed 1,000 to a block (`sendTransfers`),
 * indexed from scratch by our handlers (`indexer/`) and by a bare one-insert handler (`bench/bareIndexer/`) in the
 * same run, on the same chain and database (each ponder in its own schema). ponder's
 * start-up (build, schema, RPC checks) is excluded: the time runs from ponder's "Started fetching backfill JSON-RPC
 * data" log line to its `/ready` (so the backfill's RPC fetching, its sync-store writes, the indexing and the
 * indexes ponder creates at the end are all in). The live path's take-over of the last 30 (empty) blocks up to the
 * head is reported beside it, not counted: its length depends on ponder's polling, not on the events.
 */
export const backfillBench: BenchSuite = {
  name: "indexer/backfill",
  run: async () => {
    const env = await startBenchChain();
    try {
      const head = await sendTransfers(env, BACKFILL_TRANSFERS);
      const events = await countTransfers(env, head);
      const bare = await timeBackfill(env, head, "bench_bare", BARE_INDEXER_DIR);
      const ours = await timeBackfill(env, head, "bench_ours");
      const oursRate = events / ours.seconds;
      const bareRate = events / bare.seconds;
      const ratio = oursRate / bareRate;
      return [
        {
          row: `backfill: our handlers vs a bare one-insert handler (${events.toLocaleString("en")} transfers, ${TRANSACTIONS_PER_BLOCK * TRANSFERS_PER_TRANSACTION}/block)`,
          target: "≥ 0.8×",
          measured: `${ratio.toFixed(2)}× (${oursRate.toFixed(0)} vs ${bareRate.toFixed(0)} events/s)`,
          met: ratio >= 0.8,
        },
        {
          row: "backfill events/s with our handlers, excluding ponder's start-up",
          target: "≥ 5,000 events/s",
          measured: `${oursRate.toFixed(0)} events/s (${ours.seconds.toFixed(1)} s; not counted: start-up ${ours.startupSeconds.toFixed(1)} s, live handover to the head ${ours.handoverSeconds.toFixed(1)} s; load average ${loadavg()[0]?.toFixed(1)})`,
          met: oursRate >= 5_000,
        },
        {
          row: "backfill with our handlers: time in the handlers and in writing their rows",
          target: "report",
          measured: `handlers ${ours.handlerSeconds.toFixed(1)} s (${((ours.handlerSeconds / events) * 1e6).toFixed(0)} µs/event), row writes ${ours.flushSeconds.toFixed(1)} s, of ${ours.seconds.toFixed(1)} s; bare: ${bare.handlerSeconds.toFixed(1)} s + ${bare.flushSeconds.toFixed(1)} s of ${bare.seconds.toFixed(1)} s`,
          met: null,
        },
      ];
    } finally {
      await env.stop();
    }
  },
};

/**
 * The indexer on a live chain at an L2's pace: 4 blocks a second with 50 transfers each, for 45 s. The lag (chain
 * head − the block ponder's `/status` reports indexed) is sampled every 50 ms.
 */
export const liveBench: BenchSuite = {
  name: "indexer/live",
  run: async () => {
    const env = await startBenchChain();
    let indexer: IndexerHandle | undefined;
    try {
      indexer = await startOurIndexer(env, "bench_live");
      const result = await driveLiveChain(env, indexer.url);
      const p99 = percentile(result.lags, 99);
      return [
        {
          row: `live: lag behind a chain of ${LIVE_BLOCKS_PER_SECOND} blocks/s × ${LIVE_TRANSFERS_PER_BLOCK} transfers (${LIVE_SECONDS} s), p50 / p99 / max`,
          target: "p99 ≤ 2 blocks",
          measured: `${percentile(result.lags, 50)} / ${p99} / ${Math.max(...result.lags)} blocks (${result.blocks} blocks, ${result.lags.length} samples, chain kept ${result.achievedBlocksPerSecond.toFixed(2)} blocks/s; load average ${loadavg()[0]?.toFixed(1)})`,
          met: p99 <= 2 && result.achievedBlocksPerSecond >= LIVE_BLOCKS_PER_SECOND * 0.95,
        },
      ];
    } finally {
      await indexer?.stop();
      await env.stop();
    }
  },
};

type BenchChain = {
  dir: string;
  postgresUrl: string;
  rpcUrl: string;
  manifestPath: string;
  token: Address;
  sender: Address;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  rpc: (calls: { method: string; params: unknown[] }[]) => Promise<unknown[]>;
  stop: () => Promise<void>;
};

/**
 * Postgres, anvil (without a state file: dumping 100k transactions every 2 s would slow the chain) and the
 * contracts, in a throwaway folder. No hub: only the chain and the indexers are measured.
 */
async function startBenchChain(): Promise<BenchChain> {
  const dir = mkdtempSync(join(tmpdir(), "caldera-bench-indexer-"));
  const stops: (() => Promise<void>)[] = [async () => removeDataDir(dir)];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
    stops.length = 0;
  };
  try {
    const pg = await startTestPostgres();
    stops.push(pg.teardown);
    const anvil = await startAnvil({
      port: await getFreePort(),
      logFile: join(dir, "logs", "anvil.log"),
      log: () => {},
      onGiveUp: () => {},
    });
    stops.push(anvil.stop);
    const account = privateKeyToAccount(ANVIL_DEV_KEYS[0]);
    const chain = defineChain({
      id: DEV_CHAIN_ID,
      name: "bench chain",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
    const walletClient = createWalletClient({ chain, account, transport: http(anvil.rpcUrl) });
    const manifestPath = join(dir, "deployment.json");
    const { manifest } = await deployContracts({ publicClient, walletClient, manifestPath, log: () => {} });
    let id = 0;
    const rpc = async (calls: { method: string; params: unknown[] }[]) => {
      const response = await fetch(anvil.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(calls.map((c) => ({ jsonrpc: "2.0", id: id++, ...c }))),
      });
      const answers = (await response.json()) as {
        id: number;
        result?: unknown;
        error?: { message: string };
      }[];
      const failed = answers.find((a) => a.error);
      if (failed) throw new Error(`anvil: ${failed.error?.message}`);
      return answers.sort((a, b) => a.id - b.id).map((a) => a.result);
    };
    // Blocks of 1,000 transfers use ~40M gas; a 200M limit keeps them under the base-fee target (half the limit),
    // so the base fee falls instead of compounding 12.5% a block.
    await rpc([{ method: "anvil_setBlockGasLimit", params: [numberToHex(200_000_000)] }]);
    return {
      dir,
      postgresUrl: pg.url,
      rpcUrl: anvil.rpcUrl,
      manifestPath,
      token: manifest.contracts.EraToken.address,
      sender: account.address,
      publicClient,
      walletClient,
      rpc,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const recipient = (i: number): Address =>
  `0x${(0xca1de7a0000 + (i % RECIPIENTS)).toString(16).padStart(40, "0")}`;

/**
 * Sends 1 wei of a token to each recipient: many real Transfer events of that token (emitted by the token itself,
 * through its own `transfer`) in one transaction. Compiled at run time with the solc npm package.
 */
const TRANSFER_BATCHER_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
interface IERC20 { function transfer(address to, uint256 value) external returns (bool); }
contract TransferBatcher {
    function send(IERC20 token, address[] calldata recipients) external {
        for (uint256 i = 0; i < recipients.length; i++) require(token.transfer(recipients[i], 1), "transfer");
    }
}`;
const transferBatcherAbi = parseAbi(["function send(address token, address[] recipients)"]);

function compileTransferBatcher(): Hex {
  const solc = createRequire(import.meta.url)("solc") as { compile: (input: string) => string };
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "TransferBatcher.sol": { content: TRANSFER_BATCHER_SOURCE } },
        settings: { ...SOLC_SETTINGS, outputSelection: { "*": { "*": ["evm.bytecode.object"] } } },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
  };
  const error = output.errors?.find((e) => e.severity === "error");
  if (error) throw new Error(`TransferBatcher does not compile: ${error.formattedMessage}`);
  return `0x${output.contracts["TransferBatcher.sol"]?.TransferBatcher?.evm.bytecode.object}`;
}

/** Deploys the batcher and gives it the treasury's ERA to send (one more Transfer event). */
async function deployTransferBatcher(env: BenchChain): Promise<Address> {
  const hash = await env.walletClient.deployContract({
    abi: transferBatcherAbi,
    bytecode: compileTransferBatcher(),
    chain: env.walletClient.chain,
  });
  const { contractAddress } = await env.publicClient.waitForTransactionReceipt({ hash });
  if (!contractAddress) throw new Error("TransferBatcher was not deployed");
  const funded = await env.walletClient.writeContract({
    address: env.token,
    abi: eraTokenAbi,
    functionName: "transfer",
    args: [contractAddress, parseEther("1000")],
    chain: env.walletClient.chain,
  });
  await env.publicClient.waitForTransactionReceipt({ hash: funded });
  return contractAddress;
}

/**
 * ≥ `count` real EraToken transfers, 1,000 to a block. Each transaction is a `TransferBatcher.send` of 100
 * transfers: anvil answers `eth_getBlockByNumber` with full transactions (which ponder fetches for every block with
 * events) in ~0.6 s for a block of 1,000 transactions, one request at a time, so blocks of 1,000 single-transfer
 * transactions would measure anvil, not the indexer; a production node answers it in milliseconds. Transactions come
 * from anvil's unlocked dev account 0 (anvil signs them: no minutes of signing in JS) with explicit nonces and gas
 * (no look-ups, no estimates); automine is off and each block's transactions go in one JSON-RPC batch, then one
 * `anvil_mine`. Returns the head block.
 */
async function sendTransfers(env: BenchChain, count: number): Promise<bigint> {
  const batcher = await deployTransferBatcher(env);
  const [nonceHex] = (await env.rpc([
    { method: "eth_getTransactionCount", params: [env.sender, "pending"] },
  ])) as Hex[];
  let nonce = Number(nonceHex);
  const perBlock = TRANSACTIONS_PER_BLOCK * TRANSFERS_PER_TRANSACTION;
  await env.rpc([{ method: "evm_setAutomine", params: [false] }]);
  try {
    for (let sent = 0; sent < count; sent += perBlock) {
      await env.rpc(
        Array.from({ length: TRANSACTIONS_PER_BLOCK }, (_, t) => {
          const first = sent + t * TRANSFERS_PER_TRANSACTION;
          const recipients = Array.from({ length: TRANSFERS_PER_TRANSACTION }, (_, k) =>
            recipient(first + k),
          );
          return {
            method: "eth_sendTransaction",
            params: [
              {
                from: env.sender,
                to: batcher,
                data: encodeFunctionData({
                  abi: transferBatcherAbi,
                  functionName: "send",
                  args: [env.token, recipients],
                }),
                gas: numberToHex(8_000_000),
                gasPrice: numberToHex(10_000_000_000),
                nonce: numberToHex(nonce++),
              },
            ],
          };
        }),
      );
      await mineAll(env);
    }
    // ponder treats the last 30 blocks of a dev chain as unfinalized and indexes them block by block on its live
    // path: empty blocks on top make every transfer part of the backfill.
    await env.rpc([{ method: "anvil_mine", params: [numberToHex(32)] }]);
  } finally {
    await env.rpc([{ method: "evm_setAutomine", params: [true] }]);
  }
  const [head] = (await env.rpc([{ method: "eth_blockNumber", params: [] }])) as Hex[];
  return BigInt(head as Hex);
}

/** One transfer of 1 wei from the treasury, as its own transaction (the live chain's shape). */
function transferCall(env: BenchChain, i: number, nonce: number) {
  return {
    from: env.sender,
    to: env.token,
    data: encodeFunctionData({ abi: eraTokenAbi, functionName: "transfer", args: [recipient(i), 1n] }),
    gas: numberToHex(80_000),
    gasPrice: numberToHex(10_000_000_000),
    nonce: numberToHex(nonce),
  };
}

/** Mines until the pool is empty (a block that hit the gas limit leaves the rest pending). */
async function mineAll(env: BenchChain): Promise<void> {
  for (;;) {
    await env.rpc([{ method: "anvil_mine", params: [numberToHex(1)] }]);
    const [status] = (await env.rpc([{ method: "txpool_status", params: [] }])) as { pending: Hex }[];
    if (Number(status?.pending ?? 0) === 0) return;
  }
}

/** Transfer events of the token up to `head`, counted on the chain: what both indexers must index. */
async function countTransfers(env: BenchChain, head: bigint): Promise<number> {
  const client = createPublicClient({ transport: http(env.rpcUrl) });
  let total = 0;
  // A few blocks per call: anvil caps the size of a response.
  for (let from = 0n; from <= head; from += 5n) {
    const to = from + 4n > head ? head : from + 4n;
    const logs = await client.getLogs({
      address: env.token,
      event: transferEvent,
      fromBlock: from,
      toBlock: to,
    });
    // Transfer is emitted only by a transfer that succeeded: a reverted one would be missing here.
    total += logs.length;
  }
  if (total < BACKFILL_TRANSFERS)
    throw new Error(`only ${total} Transfer events on the chain; expected ≥ ${BACKFILL_TRANSFERS}`);
  return total;
}

type BackfillTime = {
  /** From ponder's first backfill request to its `/ready`: every event indexed, its indexes built. */
  seconds: number;
  /** From `/ready` to `/status` at the chain head: ponder's live path taking over the unfinalized blocks. */
  handoverSeconds: number;
  /** From launch to the backfill's first request (build, schema, RPC checks): not counted. */
  startupSeconds: number;
  /** Time in the indexing functions and in flushing their rows to Postgres (ponder's metrics, in ms). */
  handlerSeconds: number;
  flushSeconds: number;
};

/** Indexes the chain from scratch with one ponder project; the backfill time excludes ponder's start-up. */
async function timeBackfill(
  env: BenchChain,
  head: bigint,
  viewsSchema: string,
  indexerDir?: string,
): Promise<BackfillTime> {
  const logFile = join(env.dir, "logs", `${viewsSchema}.log`);
  const launched = Date.now();
  const indexer = await startIndexer({
    databaseUrl: env.postgresUrl,
    rpcUrl: env.rpcUrl,
    manifestPath: env.manifestPath,
    viewsSchema,
    port: await getFreePort(),
    logFile,
    readyTimeoutMs: 900_000,
    ...(indexerDir ? { indexerDir } : {}),
  });
  let reachedAt: number;
  let metrics: string;
  try {
    while ((await indexedBlock(indexer.url, 1_000)) < head) {
      if (Date.now() - launched > 900_000)
        throw new Error(`${viewsSchema}: ponder did not reach block ${head}`);
      await sleep(20);
    }
    reachedAt = Date.now();
    metrics = await (await fetch(`${indexer.url}/metrics`)).text();
  } finally {
    await indexer.stop();
  }
  // Read once ponder stopped: the supervisor writes its log through a stream that is flushed on stop.
  const started = ponderLogTime(logFile, (e) => e.msg === "Started fetching backfill JSON-RPC data");
  const ready = ponderLogTime(
    logFile,
    (e) => e.msg === "Started returning 200 responses" && e.endpoint === "/ready",
  );
  return {
    seconds: (ready - started) / 1000,
    handoverSeconds: (reachedAt - ready) / 1000,
    startupSeconds: (started - launched) / 1000,
    handlerSeconds: metricSum(metrics, "ponder_indexing_function_duration_sum") / 1000,
    flushSeconds: metricSum(metrics, "ponder_indexing_cache_query_duration_sum", 'method="flush"') / 1000,
  };
}

/** Sum over labels of one of ponder's Prometheus metrics (`/metrics`), optionally only series with `label`. */
function metricSum(metrics: string, name: string, label = ""): number {
  let sum = 0;
  for (const line of metrics.split("\n"))
    if (line.startsWith(`${name}{`) && line.includes(label))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  return sum;
}

type PonderLogEntry = { msg?: string; time?: number; endpoint?: string };

/** The time (ms epoch, ponder's own clock) of the first JSON log line of ponder that matches. */
function ponderLogTime(logFile: string, matches: (entry: PonderLogEntry) => boolean): number {
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as PonderLogEntry;
    if (entry.time !== undefined && matches(entry)) return entry.time;
  }
  throw new Error(`ponder's log lacks an expected line (see ${logFile})`);
}

async function startOurIndexer(env: BenchChain, viewsSchema: string): Promise<IndexerHandle> {
  return startIndexer({
    databaseUrl: env.postgresUrl,
    rpcUrl: env.rpcUrl,
    manifestPath: env.manifestPath,
    viewsSchema,
    port: await getFreePort(),
    logFile: join(env.dir, "logs", `${viewsSchema}.log`),
  });
}

/**
 * Mines a block of 50 transfers every 250 ms (on a fixed schedule, so a slow block does not push the next ones back)
 * while sampling the lag every 50 ms.
 */
async function driveLiveChain(env: BenchChain, indexerUrl: string) {
  const [nonceHex] = (await env.rpc([
    { method: "eth_getTransactionCount", params: [env.sender, "pending"] },
  ])) as Hex[];
  let nonce = Number(nonceHex);
  // Keeping up is measured from a synced indexer: ponder answers /status before it has indexed the setup blocks
  // (its first figure is block 0), and catching up with those is the backfill row's business, not this one's.
  const [setupHead] = (await env.rpc([{ method: "eth_blockNumber", params: [] }])) as Hex[];
  const syncedBy = performance.now() + 60_000;
  while ((await indexedBlock(indexerUrl, 1_000)) < BigInt(setupHead as Hex)) {
    if (performance.now() > syncedBy) throw new Error("the indexer did not reach the chain head within 60 s");
    await sleep(50);
  }
  const lags: number[] = [];
  let blocks = 0;
  let running = true;
  await env.rpc([{ method: "evm_setAutomine", params: [false] }]);
  const sampling = (async () => {
    while (running) {
      const [[head], indexed] = await Promise.all([
        env.rpc([{ method: "eth_blockNumber", params: [] }]) as Promise<Hex[]>,
        indexedBlock(indexerUrl, 1_000),
      ]);
      if (indexed >= 0n) lags.push(Math.max(0, Number(BigInt(head as Hex) - indexed)));
      await sleep(50);
    }
  })();
  const started = performance.now();
  const interval = 1000 / LIVE_BLOCKS_PER_SECOND;
  try {
    for (let b = 0; b < LIVE_SECONDS * LIVE_BLOCKS_PER_SECOND; b++) {
      const due = started + b * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await env.rpc(
        Array.from({ length: LIVE_TRANSFERS_PER_BLOCK }, (_, k) => ({
          method: "eth_sendTransaction",
          params: [transferCall(env, b * LIVE_TRANSFERS_PER_BLOCK + k, nonce++)],
        })),
      );
      // A separate call: anvil need not run a batch's calls in order.
      await env.rpc([{ method: "anvil_mine", params: [numberToHex(1)] }]);
      blocks += 1;
    }
  } finally {
    running = false;
    await sampling;
    await env.rpc([{ method: "evm_setAutomine", params: [true] }]);
  }
  const seconds = (performance.now() - started) / 1000;
  return { lags, blocks, achievedBlocksPerSecond: blocks / seconds };
}
