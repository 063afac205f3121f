import { loadavg } from "node:os";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { nestedFragmentChain } from "../test/gateway/abuse-matrix/hostileQueries.js";
import { certifyCoreAs } from "../test/support/certifyAs.js";
import { sensorDataset } from "../test/support/sensorDataset.js";
import { startTestStack, type TestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { openLoop, percentile, sleep } from "./measure.js";

/** Offered load, about doubling, 5 s each, until more than 1% of the requests fail (10 req/s: a busy machine). */
const RATES = [10, 25, 50, 100, 200, 400, 800];
const SECONDS_PER_RATE = 5;
const TIMEOUT_MS = 2_000;
const MAX_ERROR_RATE = 0.01;
const CERTIFICATES = 12;
const HOSTILE_REPETITIONS = 40;

/** What a frontend's list page asks: a page of certificates with their provider and the provider's recent ones. */
export const NESTED_QUERY = `query { certificates(first: 20) { edges { node { id domain thresholds { integrityBps }
  provider { address name eraBalance certificates(first: 5) { totalCount edges { node { id } } } } } } } }`;

const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

/**
 * The gateway under open-loop load (`openLoop`: fixed arrival rate, driver in its own process) with the nested
 * certificates → provider query, at rising rates until errors (time-outs of 2 s included) pass 1%; and the time the
 * gateway takes to refuse the hostile fragment chains of the abuse matrix.
 */
export const loadBench: BenchSuite = {
  name: "stack/load",
  run: async () => {
    const stack = await startTestStack();
    try {
      await seedCertificates(stack);
      // Hostile queries first: requests that the load's time-outs abandoned are still being answered afterwards.
      const hostile = await hostileRows(stack);
      return [...(await rateRows(stack)), ...hostile];
    } finally {
      await stack.teardown();
    }
  },
};

/** A dozen real certificates (proved, signed, sent, indexed), so the query resolves providers and pages. */
export async function seedCertificates(stack: TestStack, count = CERTIFICATES): Promise<void> {
  const provider = stack.hub.walletClient.account.address;
  for (let i = 0; i < count; i++) {
    const input = {
      provider,
      domain: i % 2 === 0 ? "AGRICULTURAL" : "INDUSTRIAL",
      ...sensorDataset({ offset: 300 + i, missing: [i % 96] }),
    };
    const result = await certifyCoreAs(stack.gatewayUrl, ANVIL_DEV_KEYS[0], input);
    if (!result.data) throw new Error(`certifyCore failed: ${JSON.stringify(result.errors)}`);
  }
}

async function rateRows(stack: TestStack): Promise<BenchRow[]> {
  const body = { query: NESTED_QUERY };
  // Warm-up: query plans, prepared statements, connections.
  await openLoop({ url: stack.gatewayUrl, body, rate: 20, seconds: 2, timeoutMs: TIMEOUT_MS });
  // The same query one at a time: what a request costs with no queue, to read the rates against.
  const alone: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const response = await fetch(stack.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.text();
    alone.push(performance.now() - started);
  }
  const rows: BenchRow[] = [
    {
      row: "nested query through the gateway, one request at a time, p50 / p99 (20 requests)",
      target: "report",
      measured: `${ms(percentile(alone, 50))} / ${ms(percentile(alone, 99))}`,
      met: null,
    },
  ];
  let sustained = 0;
  for (const rate of RATES) {
    const result = await openLoop({
      url: stack.gatewayUrl,
      body,
      rate,
      seconds: SECONDS_PER_RATE,
      timeoutMs: TIMEOUT_MS,
    });
    const errorRate = result.errors / result.sent;
    const kinds = Object.entries(result.errorKinds)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(", ");
    rows.push({
      row: `nested query through the gateway at ${rate} req/s (open loop, ${SECONDS_PER_RATE} s), p50 / p99`,
      target: "report",
      measured: `${ms(percentile(result.latenciesMs, 50))} / ${ms(percentile(result.latenciesMs, 99))}, errors ${(errorRate * 100).toFixed(1)}%${kinds ? ` (${kinds})` : ""}`,
      met: null,
    });
    if (errorRate > MAX_ERROR_RATE) break;
    sustained = rate;
    await sleep(1_000);
  }
  rows.push({
    row: "nested query through the gateway: highest rate sustained with ≤ 1% errors",
    target: "report",
    // The machine's load says whether other work shared the 2 CPUs with the hub during the run.
    measured: `${sustained === 0 ? `none (over 1% errors already at ${RATES[0]} req/s)` : `${sustained} req/s`} (load average ${loadavg()[0]?.toFixed(1)})`,
    met: null,
  });
  return rows;
}

/**
 * The 200- and 500-fragment chains of the abuse matrix (20 KB and 50 KB): refused with a typed
 * `QUERY_LIMIT_EXCEEDED` before the query planner runs. Sent one at a time: the time is the gateway's, not a queue's.
 */
async function hostileRows(stack: TestStack): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const fragments of [200, 500]) {
    const body = JSON.stringify({ query: nestedFragmentChain(fragments) });
    const times: number[] = [];
    let refused = 0;
    for (let i = 0; i < HOSTILE_REPETITIONS + 3; i++) {
      const started = performance.now();
      const response = await fetch(stack.gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const answer = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      const elapsed = performance.now() - started;
      if (i < 3) continue; // warm-up
      times.push(elapsed);
      if (response.status === 400 && answer.errors?.[0]?.extensions?.code === "QUERY_LIMIT_EXCEEDED")
        refused += 1;
    }
    const p99 = percentile(times, 99);
    rows.push({
      row: `hostile chain of ${fragments} nested fragments: time to refuse, p50 / p99 (${HOSTILE_REPETITIONS} requests)`,
      target: "< 100 ms, refused (QUERY_LIMIT_EXCEEDED)",
      measured: `${ms(percentile(times, 50))} / ${ms(p99)}, ${refused}/${HOSTILE_REPETITIONS} refused`,
      met: p99 < 100 && refused === HOSTILE_REPETITIONS,
    });
  }
  return rows;
}
