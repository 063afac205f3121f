import { generatePrivateKey } from "viem/accounts";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { type ProveCoreQualityParameters, proveCoreQuality } from "../prover/proveCoreQuality.js";
import { certifyCoreAs, registerProviderAs } from "../test/support/certifyAs.js";
import { sensorDataset } from "../test/support/sensorDataset.js";
import { startTestStack, type TestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { openLoop, percentile, sleep } from "./measure.js";

/** Proofs in flight while the queries are measured. */
const PROOFS = 4;
/** Each sample: a cheap query through the gateway at a fixed rate (open loop, from a child process). */
const SAMPLE = { rate: 25, seconds: 8, timeoutMs: 30_000 } as const;
/** Idle and pooled windows alternate this many times; the median ratio is kept, so one stall elsewhere on a shared
 *  machine does not decide the row. */
const ROUNDS = 3;
const QUERY = `query($a: Address!) { provider(address: $a) { name certificateCount } }`;

const ms = (v: number) => `${v.toFixed(0)} ms`;

/**
 * `stack/proving`: what proving costs the request loop. The stack's prover pool (default size) proves in worker
 * threads; the gateway's query p99 while PROOFS proofs run in it is compared with its idle p99, then the same during
 * PROOFS whole certifyCore mutations, and with the proofs run on the request loop as before the pool. Also one
 * proof's time and CPU, pool vs direct.
 */
export const provingBench: BenchSuite = {
  name: "stack/proving",
  run: async () => {
    const stack = await startTestStack();
    try {
      const providers = Array.from({ length: PROOFS }, () => generatePrivateKey());
      for (const [i, key] of providers.entries()) {
        const registered = await registerProviderAs(stack.gatewayUrl, key, `Bench farm ${i}`);
        if (registered.errors)
          throw new Error(`registerProvider failed: ${JSON.stringify(registered.errors)}`);
      }
      const queryBody = {
        query: QUERY,
        variables: { a: stack.hub.walletClient.account.address },
      };
      const sample = async () => {
        const result = await openLoop({ url: stack.gatewayUrl, body: queryBody, ...SAMPLE });
        if (result.errors > 0) throw new Error(`queries failed: ${JSON.stringify(result.errorKinds)}`);
        return percentile(result.latenciesMs, 99);
      };
      const rows: BenchRow[] = [await proofRow(stack)];

      await sample(); // warm-up: connections, query plans
      const inPool = () => {
        const { running, queued } = stack.hub.prover.stats();
        return running + queued > 0;
      };
      const workers = stack.hub.prover.stats().workers;

      // What the pool is for: PROOFS proofs in the stack's prover pool, and nothing else going on; alternating with
      // idle windows.
      const rounds: { idle: number; pooled: number; coverage: number }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const idleP99 = await sample();
        const jobs = Array.from({ length: PROOFS }, (_, i) => proofJob(200 + PROOFS * round + i));
        const proofs = Promise.all(jobs.map((job) => stack.hub.prover.proveCoreQuality(job)));
        const pooled = await whileBusy(inPool, sample);
        await proofs;
        rounds.push({ idle: idleP99, pooled: pooled.result, coverage: pooled.coverage });
      }
      const ratios = rounds.map((r) => r.pooled / r.idle);
      const median = percentile(ratios, 50);
      const idle = percentile(
        rounds.map((r) => r.idle),
        50,
      );
      const ratioOf = (p99: number, coverage: number) =>
        `${(p99 / idle).toFixed(2)}× (${ms(p99)} vs ${ms(idle)}; proofs in flight ${coverage}% of the window)`;

      // As it happens: PROOFS certifications through the gateway, measured while their proofs are in the pool (their
      // transactions, the chain and the indexer run meanwhile too).
      const certifications = providers.map((key, i) =>
        certifyCoreAs(stack.gatewayUrl, key, {
          domain: "AGRICULTURAL",
          ...sensorDataset({ offset: 200 + i }),
        }),
      );
      while (!inPool()) await sleep(5);
      const certifying = await whileBusy(inPool, sample);
      for (const result of await Promise.all(certifications))
        if (result.errors) throw new Error(`certifyCore failed: ${JSON.stringify(result.errors)}`);

      // Before the pool: the same number of proofs on the request loop itself.
      let direct = true;
      const onLoop = Promise.all(
        Array.from({ length: PROOFS }, (_, i) => proveCoreQuality(proofJob(300 + i))),
      ).finally(() => {
        direct = false;
      });
      const before = await whileBusy(() => direct, sample);
      await onLoop;

      rows.push(
        {
          row: `gateway query p99 while ${PROOFS} proofs run in the prover pool (${workers} worker(s)) ÷ idle p99`,
          target: "≤ 1.5×",
          measured: `${median.toFixed(2)}× (median of ${ROUNDS}: ${rounds
            .map((r) => `${ms(r.pooled)}/${ms(r.idle)}`)
            .join(
              ", ",
            )} pooled/idle; proofs in flight ≥ ${Math.min(...rounds.map((r) => r.coverage))}% of each window)`,
          met: median <= 1.5,
        },
        {
          row: `the same while ${PROOFS} certifyCore mutations run (proofs in the pool, transactions, indexing)`,
          target: "report",
          measured: ratioOf(certifying.result, certifying.coverage),
          met: null,
        },
        {
          row: `the same with the ${PROOFS} proofs on the request loop (before the pool)`,
          target: "report",
          measured: ratioOf(before.result, before.coverage),
          met: null,
        },
      );
      return rows;
    } finally {
      await stack.teardown();
    }
  },
};

/** One core-quality proof in the pool (single-threaded in a worker) vs on this thread (snarkjs's own threads). */
async function proofRow(stack: TestStack): Promise<BenchRow> {
  const measure = async (prove: (job: ProveCoreQualityParameters) => Promise<{ proveMs: number }>) => {
    const times: number[] = [];
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < 3; i++) times.push((await prove(proofJob(100 + i))).proveMs);
    const used = process.cpuUsage(cpu);
    return {
      p50: percentile(times, 50),
      cpus: (used.user + used.system) / 1000 / (performance.now() - started),
    };
  };
  await stack.hub.prover.proveCoreQuality(proofJob(99)); // warm-up: the worker loads the circuit
  await proveCoreQuality(proofJob(98));
  const pool = await measure((job) => stack.hub.prover.proveCoreQuality(job));
  const direct = await measure((job) => proveCoreQuality(job));
  return {
    row: "one core-quality proof: in the pool vs on the request loop (p50 of 3, CPUs busy)",
    target: "report",
    measured: `${ms(pool.p50)} using ${pool.cpus.toFixed(1)} CPU vs ${ms(direct.p50)} using ${direct.cpus.toFixed(1)} CPU`,
    met: null,
  };
}

function proofJob(offset: number): ProveCoreQualityParameters {
  const { windowStart, slotSeconds, deadlineSeconds, readings } = sensorDataset({ offset });
  const seconds = (iso: string) => Date.parse(iso) / 1000;
  return {
    prepared: prepareCoreClaim({
      dataset: {
        windowStart: seconds(windowStart),
        slotSeconds,
        deadlineSeconds,
        readings: readings.map((r) => ({
          observedAt: seconds(r.observedAt),
          value: r.value,
          deliveredAt: seconds(r.deliveredAt),
        })),
      },
      domain: 1,
    }),
    provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    chainId: 31337,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  };
}

/**
 * Runs `measure` and says for what share (%) of it `busy()` held: polled, so on a blocked loop the end is seen when
 * the loop frees, which is when the proofs stopped blocking it.
 */
async function whileBusy<T>(
  busy: () => boolean,
  measure: () => Promise<T>,
): Promise<{ result: T; coverage: number }> {
  const started = performance.now();
  let idleFrom: number | undefined;
  const timer = setInterval(() => {
    if (idleFrom === undefined && !busy()) idleFrom = performance.now();
  }, 20);
  try {
    const result = await measure();
    const ended = performance.now();
    const coverage = Math.round((100 * (Math.min(idleFrom ?? ended, ended) - started)) / (ended - started));
    return { result, coverage };
  } finally {
    clearInterval(timer);
  }
}
