import { createPrng } from "../models/createPrng.js";
import { createKernel } from "../models/kernel/createKernel.js";
import { createProverPool } from "../prover/createProverPool.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import type { ProveCoreQualityParameters } from "../prover/proveCoreQuality.js";
import {
  DEFAULT_PROVER_CONFIGURATION,
  PROVER_TUNABLES,
  type ProverConfiguration,
  toProverConfiguration,
} from "../prover/proverConfiguration.js";
import { sensorDataset } from "../test/support/sensorDataset.js";
import { createTunedProver, PROVER_KERNEL_OPTIONS } from "../usecases/evolution/createTunedProver.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile } from "./measure.js";

/** Proofs the kernel may take to settle before the bench gives up on it (the row then says so). */
const MAX_TUNING_PROOFS = 60;
/** Default and tuned rounds alternate, so a change in the machine's load falls on both. */
const ROUNDS = 3;
const PER_ROUND = 3;
/** The kernel's own cost is timed on synthetic telemetry: this many decide + observe pairs. */
const OVERHEAD_INVOCATIONS = 2_000;

const ms = (v: number) => `${v.toFixed(0)} ms`;

/**
 * `evolution/prover`: the kernel tunes the real prover. In one run: the tuned prover (seed 7, the hub's kernel
 * options) proves a burst of core-quality proofs, one at a time, until exploration closes; then rounds of proofs with
 * the default configuration (what landed: a worker thread, snarkjs's fullProve) alternate with rounds using the
 * kernel's incumbent, and their p50/p95 are compared. Also the kernel's cost per invocation (decide + observe).
 */
export const kernelProverBench: BenchSuite = {
  name: "evolution/prover",
  run: async () => {
    const pool = createProverPool();
    try {
      const tuned = await createTunedProver({
        pool,
        components: { coreQuality: { componentId: 1n, name: "core-prover" } },
        seed: 7,
      });
      const kernel = tuned.kernel("coreQuality");
      if (kernel === undefined) throw new Error("no kernel for coreQuality");
      let offset = 0;
      // Warm-up outside the measurement: each host loads the circuit (and the process host starts) once.
      for (const host of PROVER_TUNABLES.host)
        await pool.proveCoreQuality(proofJob(offset++), {
          configuration: { host, witness: "perProof", schedule: "sequential" },
        });

      const tuningStarted = performance.now();
      let tuningProofs = 0;
      while (kernel.exploring() && tuningProofs < MAX_TUNING_PROOFS) {
        const { proveMs } = await tuned.proveCoreQuality(proofJob(offset++));
        tuningProofs += 1;
        const decision = kernel.trace().at(-1);
        process.stderr.write(
          `  evolution/prover: tuning ${tuningProofs} ${decision?.configKey} ${ms(proveMs)}\n`,
        );
      }
      const settled = !kernel.exploring();
      // Progress on stderr, as bench/main.ts's own lines: on a busy machine this suite takes minutes.
      process.stderr.write(`  evolution/prover: ${tuningProofs} tuning proofs, settled: ${settled}\n`);
      const tuningSeconds = (performance.now() - tuningStarted) / 1000;
      const incumbent: ProverConfiguration = toProverConfiguration(kernel.currentConfig());
      const explored = new Map<string, number>();
      for (const decision of kernel.trace())
        explored.set(decision.configKey, (explored.get(decision.configKey) ?? 0) + 1);

      const times = { default: [] as number[], tuned: [] as number[] };
      for (let round = 0; round < ROUNDS; round++)
        for (const [side, configuration] of [
          ["default", DEFAULT_PROVER_CONFIGURATION],
          ["tuned", incumbent],
        ] as const)
          for (let i = 0; i < PER_ROUND; i++) {
            const { proveMs } = await pool.proveCoreQuality(proofJob(offset++), {
              configuration,
              verify: true,
            });
            times[side].push(proveMs);
            process.stderr.write(`  evolution/prover: round ${round + 1} ${side} ${ms(proveMs)}\n`);
          }
      const p = (side: keyof typeof times, q: number) => percentile(times[side], q);
      const faster = 1 - p("tuned", 50) / p("default", 50);
      const overhead = kernelOverhead();
      const label = (c: ProverConfiguration) => `${c.host}/${c.witness}/${c.schedule}`;
      return [
        {
          row: `kernel settles on the real prover (core-quality proofs until exploration closes; ${label(incumbent)})`,
          target: "report",
          measured: `${settled ? `settled after ${tuningProofs} proofs` : `did not settle in ${MAX_TUNING_PROOFS} proofs`}, ${tuningSeconds.toFixed(0)} s; tried ${[
            ...explored,
          ]
            .map(([key, n]) => `${label(toProverConfiguration(JSON.parse(key)))} ×${n}`)
            .join(", ")}; drift alarms at steps [${kernel.driftAlarms().join(", ")}]`,
          met: null,
        },
        {
          row: `core-quality proof p50 / p95: default (${label(DEFAULT_PROVER_CONFIGURATION)}) vs kernel-tuned (${label(incumbent)}), ${ROUNDS}×${PER_ROUND} alternating`,
          target: "tuned ≥ 35% faster (p50)",
          measured: `${ms(p("default", 50))} / ${ms(p("default", 95))} vs ${ms(p("tuned", 50))} / ${ms(p("tuned", 95))}: tuned ${(faster * 100).toFixed(1)}% faster (p50), ${((1 - p("tuned", 95) / p("default", 95)) * 100).toFixed(0)}% (p95); ratio ${(p("tuned", 50) / p("default", 50)).toFixed(2)}`,
          met: faster >= 0.35,
        },
        {
          row: `kernel decision overhead per invocation (decide + observe, ${kernel.arms.length} arms, the hub's kernel options)`,
          target: "report",
          measured: `p50 ${overhead.p50.toFixed(1)} µs, p99 ${overhead.p99.toFixed(1)} µs (${OVERHEAD_INVOCATIONS} invocations)`,
          met: null,
        },
      ] satisfies BenchRow[];
    } finally {
      await pool.terminate();
    }
  },
};

/** decide + observe on the prover's kernel, with telemetry drawn like the prover's (log-normal latency per arm). */
function kernelOverhead(): { p50: number; p99: number } {
  const kernel = createKernel({ seed: 7, tunables: PROVER_TUNABLES, ...PROVER_KERNEL_OPTIONS });
  const prng = createPrng(7);
  const base: Record<string, number> = { thread: 2_800, process: 1_850 };
  const hostOf = new Map(kernel.arms.map((arm) => [arm.key, String(arm.config.host)]));
  const samples: number[] = [];
  for (let i = 0; i < OVERHEAD_INVOCATIONS; i++) {
    const noise = Math.exp(prng.normal(0, 0.1));
    const started = performance.now();
    const decision = kernel.decide();
    kernel.observe({
      invocationId: `${i}`,
      configKey: decision.configKey,
      latencyMs: (base[hostOf.get(decision.configKey) ?? "thread"] ?? 2_000) * noise,
      accuracy: 1,
      compliant: true,
      at: i,
    });
    samples.push((performance.now() - started) * 1000);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

function proofJob(offset: number): ProveCoreQualityParameters {
  const { windowStart, slotSeconds, deadlineSeconds, readings } = sensorDataset({ offset: 500 + offset });
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
