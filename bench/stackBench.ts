import { readdir, readFile } from "node:fs/promises";
import postgres from "postgres";
import { parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { eraTokenAbi } from "../contracts/generated/abis.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveCoreQuality } from "../prover/proveCoreQuality.js";
import { startSubgraph } from "../resolvers/startSubgraph.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { certifyCoreAs } from "../test/support/certifyAs.js";
import { sensorDataset } from "../test/support/sensorDataset.js";
import { graphql, startTestStack, type TestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile, throughput } from "./measure.js";

const CERTIFICATES = 50;

const NESTED = `query { certificates(first: 50) { edges { node { id domain thresholds { integrityBps }
  provider { address name eraBalance certificates(first: 5) { totalCount edges { node { id } } } } } } } }`;

const ms = (v: number) => `${v.toFixed(0)} ms`;

export const stackBench: BenchSuite = {
  name: "stack",
  run: async () => {
    const rows: BenchRow[] = [];
    const stack = await startTestStack();
    const memory = sampleStackMemory(stack);
    try {
      rows.push(...(await proofRows()));
      rows.push(...(await certifyRows(stack)));
      rows.push(await eventLatencyRow(stack));
      rows.push(await sqlStatementsRow(stack));
      rows.push(await gatewayRatioRow(stack));
      const peak = await memory.stop();
      rows.push({
        row: "peak memory of the whole stack (sum of PSS)",
        target: "≤ 1.5 GB",
        measured: `${(peak / 1024 ** 3).toFixed(2)} GB`,
        met: peak <= 1.5 * 1024 ** 3,
      });
    } finally {
      await memory.stop();
      await stack.teardown();
    }
    return rows;
  },
};

async function proofRows(): Promise<BenchRow[]> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { windowStart, slotSeconds, deadlineSeconds, readings } = sensorDataset({ offset: 100 + i });
    const toSeconds = (iso: string) => Date.parse(iso) / 1000;
    const prepared = prepareCoreClaim({
      dataset: {
        windowStart: toSeconds(windowStart),
        slotSeconds,
        deadlineSeconds,
        readings: readings.map((r) => ({
          observedAt: toSeconds(r.observedAt),
          value: r.value,
          deliveredAt: toSeconds(r.deliveredAt),
        })),
      },
      domain: 1,
    });
    const { proveMs } = await proveCoreQuality({
      prepared,
      provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      chainId: 31337,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    });
    times.push(proveMs);
  }
  return [
    {
      row: "core-quality proof time p50 / p95 (13.3k constraints)",
      target: "report",
      measured: `${ms(percentile(times, 50))} / ${ms(percentile(times, 95))}`,
      met: null,
    },
  ];
}

async function certifyRows(stack: TestStack): Promise<BenchRow[]> {
  const latencies: number[] = [];
  const gas: number[] = [];
  const provider = stack.hub.walletClient.account.address;
  for (let i = 0; i < CERTIFICATES; i++) {
    const started = performance.now();
    const input = {
      provider,
      domain: i % 2 === 0 ? "AGRICULTURAL" : "INDUSTRIAL",
      ...sensorDataset({ offset: i, missing: [i % 96] }),
    };
    // As a frontend does: typed data, the provider's signature (the dev provider's key), the mutation.
    const result = await certifyCoreAs(stack.gatewayUrl, ANVIL_DEV_KEYS[0], input);
    if (!result.data) throw new Error(`certifyCore failed: ${JSON.stringify(result.errors)}`);
    const id = result.data.certifyCore.certificate.id;
    const read = await graphql<{ certificate: { id: string } | null }>(
      stack.gatewayUrl,
      `query($id: ID!) { certificate(id: $id) { id } }`,
      { id },
    );
    if (read.data?.certificate?.id !== id)
      throw new Error(`certificate ${id} not readable through the gateway`);
    latencies.push(performance.now() - started);
    gas.push(Number(result.data.certifyCore.gasUsed));
  }
  const p50 = percentile(latencies, 50);
  const maxGas = Math.max(...gas);
  return [
    {
      row: "certifyCore → readable through the gateway, p50",
      target: "≤ 3 s",
      measured: ms(p50),
      met: p50 <= 3000,
    },
    {
      row: "gas per certificate transaction (max)",
      target: "≤ 350k",
      measured: `${(maxGas / 1000).toFixed(1)}k`,
      met: maxGas <= 350_000,
    },
  ];
}

async function eventLatencyRow(stack: TestStack): Promise<BenchRow> {
  const token = { address: stack.deployment.contracts.EraToken.address, abi: eraTokenAbi } as const;
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const recipient = privateKeyToAccount(`0x${(1000 + i).toString(16).padStart(64, "0")}`).address;
    const started = performance.now();
    const hash = await stack.hub.walletClient.writeContract({
      ...token,
      functionName: "transfer",
      args: [recipient, parseEther("1")],
      chain: stack.hub.walletClient.chain,
    });
    await stack.hub.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 5 });
    const mined = performance.now();
    for (;;) {
      const r = await graphql<{ provider: { eraBalance: string } }>(
        stack.gatewayUrl,
        `query($a: Address!) { provider(address: $a) { eraBalance } }`,
        { a: recipient },
      );
      if (r.data?.provider.eraBalance === parseEther("1").toString()) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    samples.push(performance.now() - mined);
    void started;
  }
  const p50 = percentile(samples, 50);
  return {
    row: "new block's events → visible through the gateway, p50",
    target: "≤ 300 ms",
    measured: ms(p50),
    met: p50 <= 300,
  };
}

async function sqlStatementsRow(stack: TestStack): Promise<BenchRow> {
  let statements = 0;
  const sql = postgres(stack.postgresUrl, {
    transform: postgres.camel,
    max: 4,
    debug: () => {
      statements += 1;
    },
    onnotice: () => {},
  });
  const subgraph = await startSubgraph({ sql, viewsSchema: "caldera", hub: stack.hub, port: 0 });
  try {
    await graphql(subgraph.url, NESTED); // warm-up (prepared statements, connection)
    statements = 0;
    const result = await graphql<{ certificates: { edges: unknown[] } }>(subgraph.url, NESTED);
    const items = result.data?.certificates.edges.length ?? 0;
    // Levels × entity types in NESTED: certificates; provider + ERA balance; the providers' certificate pages.
    const budget = 4;
    return {
      row: `SQL statements per GraphQL request (${items}-item nested query)`,
      target: `≤ 1 per entity type per level (${budget})`,
      measured: String(statements),
      met: statements <= budget,
    };
  } finally {
    await subgraph.stop();
    await sql.end();
  }
}

async function gatewayRatioRow(stack: TestStack): Promise<BenchRow> {
  const run = (url: string) =>
    throughput(300, 8, async () => {
      const r = await graphql(url, NESTED);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    });
  await run(stack.subgraphUrl);
  const direct = await run(stack.subgraphUrl);
  const viaGateway = await run(stack.gatewayUrl);
  const ratio = viaGateway / direct;
  return {
    row: "gateway vs direct-subgraph throughput, nested query",
    target: "≥ 0.35×",
    measured: `${ratio.toFixed(2)}× (${viaGateway.toFixed(0)} vs ${direct.toFixed(0)} req/s)`,
    met: ratio >= 0.35,
  };
}

/**
 * Peak memory of the stack: this process (subgraph, gateway, prover), its children (anvil, ponder) and the
 * embedded Postgres processes. Summed as PSS, i.e. resident pages with shared ones split among their sharers:
 * summing plain RSS would count Postgres's shared buffers once per backend. Sampled asynchronously from /proc so
 * the sampling does not slow what it measures.
 */
function sampleStackMemory(stack: TestStack) {
  let peak = 0;
  let running = true;
  const pssOf = async (pid: number) => {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
    return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
  };
  const sample = async () => {
    const processes = await Promise.all(
      (await readdir("/proc"))
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const [stat, cmdline] = await Promise.all([
            readFile(`/proc/${name}/stat`, "utf8").catch(() => ""),
            readFile(`/proc/${name}/cmdline`, "utf8").catch(() => ""),
          ]);
          return {
            pid: Number(name),
            ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]),
            cmdline,
          };
        }),
    );
    const members = new Set<number>([process.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of processes)
        if (!members.has(p.pid) && (members.has(p.ppid) || p.cmdline.includes(stack.dataDir))) {
          members.add(p.pid);
          grew = true;
        }
    }
    const total = (await Promise.all([...members].map(pssOf))).reduce((sum, pss) => sum + pss, 0);
    peak = Math.max(peak, total);
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}
