import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { groth16 } from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configKey } from "../../models/kernel/createKernel.js";
import { createProverPool, type ProverPool } from "../../prover/createProverPool.js";
import { fromSolidityProof } from "../../prover/fromSolidityProof.js";
import { loadCircuitArtifacts } from "../../prover/loadCircuitArtifacts.js";
import type { ProveOptions } from "../../prover/proverConfiguration.js";
import { releaseProver } from "../../prover/releaseProver.js";
import type { TelemetryEntry, TelemetryRecorder } from "../../services/createTelemetryRecorder.js";
import { coreDayJob } from "../../test/support/coreDay.js";
import { createTunedProver, type KernelLogRecord, type ProverImprovement } from "./createTunedProver.js";

const coreJob = (offset: number) => coreDayJob((i) => 28 + 3 * Math.cos(i / 11) + offset);

/** Telemetry kept in memory: the rows the hub's recorder would write. */
const memoryTelemetry = () => {
  const rows: TelemetryEntry[] = [];
  const recorder: TelemetryRecorder = {
    record: (entry) => {
      rows.push(entry);
    },
    flush: async () => {},
    close: async () => {},
    stats: () => ({ recorded: rows.length, written: 0, dropped: 0, failedWrites: 0, buffered: rows.length }),
  };
  // What the hub's loadKernelLog reads back: the run's observed rows, in the order they were recorded.
  const logOf = (run: string): KernelLogRecord[] =>
    rows
      .filter((row) => row.kernel === run)
      .map((row) => ({
        configKey: row.configKey as string,
        latencyMs: row.latencyMs,
        compliant: row.compliant,
        decisionStep: row.decisionStep as number,
        observedAfter: row.observedAfter as number,
        at: Math.floor((row.at as Date).getTime() / 1000),
      }));
  return { rows, recorder, logOf };
};

/** A stand-in pool (the unit around the kernel): proofs whose latency depends on the configuration. */
function standInPool(): ProverPool {
  const latency = (options: ProveOptions | undefined) =>
    options?.configuration?.host === "process"
      ? options.configuration.schedule === "overlapped"
        ? 1_500
        : 1_800
      : options?.configuration?.witness === "reused"
        ? 2_700
        : 2_800;
  let n = 0;
  return {
    proveCoreQuality: async (_: unknown, options?: ProveOptions) => {
      n += 1;
      // Finish out of order: a few ms apart, shuffled by the proof's number.
      await new Promise((resolve) => setTimeout(resolve, (n * 7) % 5));
      return {
        proof: {},
        publicSignals: ["1"],
        proveMs: latency(options) * (1 + ((n * 13) % 7) / 100),
        verified: true,
      };
    },
    stats: () => ({ workers: 1, running: 0, queued: 0, capacity: 8 }),
    terminate: async () => {},
  } as unknown as ProverPool;
}

const component = { componentId: 1n, name: "core-prover" };
let dir: string;
const pools: ProverPool[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "caldera-tuned-prover-"));
  // A process host that cannot load: every proof asked of it really fails.
  writeFileSync(join(dir, "broken.mjs"), `throw new Error("this prover cannot load");`);
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.terminate()));
  await releaseProver();
  rmSync(dir, { recursive: true, force: true });
});

describe("createTunedProver", () => {
  it("on the real prover: settles on a configuration that proves, never on one that fails, and every request gets a valid proof", async () => {
    const pool = createProverPool({ workers: 1, processUrl: pathToFileURL(join(dir, "broken.mjs")) });
    pools.push(pool);
    const { rows, recorder, logOf } = memoryTelemetry();
    // Two configurations, so a short run can settle: one that proves, one whose host cannot start.
    const kernel = {
      tunables: { host: ["thread", "process"], witness: ["reused"], schedule: ["overlapped"] },
      // The default (thread, perProof) is not among these two, so no baseline run of it.
      baseline: undefined,
      minEvidence: 2,
      refreshEvery: 1,
      confidenceToClose: 0.8,
    };
    const tuned = await createTunedProver({
      pool,
      telemetry: recorder,
      components: { coreQuality: component },
      seed: 7,
      kernel,
    });
    const { vkey } = await loadCircuitArtifacts("coreQuality");
    const live = tuned.kernel("coreQuality");
    for (let i = 0; i < 16 && live?.exploring(); i++) {
      const job = coreJob(i);
      const { proof, publicSignals } = await tuned.proveCoreQuality(job);
      expect(BigInt(publicSignals[0] as string)).toBe(BigInt(job.prepared.claim.datasetCommitment));
      expect(await groth16.verify(vkey, publicSignals, fromSolidityProof(proof))).toBe(true);
    }
    expect(live?.exploring()).toBe(false);
    expect(live?.currentConfig()).toEqual({ host: "thread", witness: "reused", schedule: "overlapped" });

    // The failing configuration was tried, recorded non-compliant, and the request was served by the fallback.
    const failed = rows.filter(
      (row) => row.configKey === configKey({ host: "process", witness: "reused", schedule: "overlapped" }),
    );
    expect(failed.length).toBeGreaterThan(0);
    for (const row of failed)
      expect(row).toMatchObject({
        compliant: false,
        success: true,
        errorCode: "INTERNAL_SERVER_ERROR",
        details: { fallback: { host: "thread", witness: "reused", schedule: "overlapped" } },
      });
    for (const row of rows.filter((r) => !failed.includes(r)))
      expect(row).toMatchObject({ compliant: true, success: true, scenario: "circuit:coreQuality" });
    expect(rows.map((row) => row.decisionStep)).toEqual(rows.map((_, i) => i));

    // Same seed + log: a restarted hub rebuilds the same kernel, and decides next exactly as this one would.
    const run = tuned.kernelRun("coreQuality") as string;
    const replayed = await createTunedProver({
      pool,
      components: { coreQuality: component },
      seed: 7,
      kernel,
      loadLog: async (c, r) => (c === component && r === run ? logOf(run) : []),
    });
    expect(replayed.kernelRun("coreQuality")).toBe(run);
    expect(replayed.kernel("coreQuality")?.decisionTraceHash()).toBe(live?.decisionTraceHash());
    expect(replayed.kernel("coreQuality")?.decide()).toEqual(live?.decide());
  }, 240_000);

  it("replays interleaved proofs (several in flight) from the log, and reports an improvement once when it settles", async () => {
    const pool = standInPool();
    const { recorder, logOf } = memoryTelemetry();
    const improvements: ProverImprovement[] = [];
    const tuned = await createTunedProver({
      pool,
      telemetry: recorder,
      components: { coreQuality: component },
      seed: 11,
      onImprovement: (improvement) => improvements.push(improvement),
    });
    const live = tuned.kernel("coreQuality");
    for (let burst = 0; burst < 40 && live?.exploring(); burst++)
      await Promise.all([0, 1, 2].map((i) => tuned.proveCoreQuality(coreJob(i))));
    expect(live?.exploring()).toBe(false);
    expect(live?.currentConfig().host).toBe("process");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(improvements).toHaveLength(1);
    expect(improvements[0]).toMatchObject({
      component: "core-prover",
      componentId: 1n,
      configuration: { host: "process" },
      previousConfiguration: { host: "thread", witness: "perProof", schedule: "sequential" },
      decisionLogHash: live?.decisionTraceHash(),
    });
    expect(improvements[0]?.report.efficiencyImprovementBps).toBeGreaterThan(3_000);

    // Without a recorder the kernel learns all the same.
    const unrecorded = await createTunedProver({ pool, components: { coreQuality: component }, seed: 11 });
    for (let burst = 0; burst < 40 && unrecorded.kernel("coreQuality")?.exploring(); burst++)
      await Promise.all([0, 1, 2].map((i) => unrecorded.proveCoreQuality(coreJob(i))));
    expect(unrecorded.kernel("coreQuality")?.currentConfig().host).toBe("process");

    const run = tuned.kernelRun("coreQuality") as string;
    const log = logOf(run);
    // The log is really interleaved: some observation arrived after a later decision had been made.
    expect(log.some((r) => r.observedAfter > r.decisionStep + 1)).toBe(true);
    const replayed = await createTunedProver({
      pool,
      components: { coreQuality: component },
      seed: 11,
      loadLog: async () => log,
    });
    expect(replayed.kernel("coreQuality")?.decisionTraceHash()).toBe(live?.decisionTraceHash());
    // Another seed cannot have written this log: it starts a run of its own instead of pretending.
    const lines: string[] = [];
    const other = await createTunedProver({
      pool,
      components: { coreQuality: component },
      seed: 12,
      loadLog: async () => log,
      log: (line) => lines.push(line),
    });
    expect(other.kernelRun("coreQuality")).not.toBe(run);
    expect(lines.join("\n")).toMatch(/does not replay/);
  });

  it("keeps one run per replica: replicas sharing the telemetry table each continue their own after a restart", async () => {
    const pool = standInPool();
    const { recorder, logOf } = memoryTelemetry();
    const start = (replica: string | undefined) =>
      createTunedProver({
        pool,
        telemetry: recorder,
        components: { coreQuality: component },
        seed: 11,
        replica,
        loadLog: async (c, run) => (c === component ? logOf(run) : []),
      });
    const [a, b] = [await start("subgraph-0"), await start("subgraph-1")];
    // Both prove at once into the same table, as two replicas behind one gateway do.
    for (let round = 0; round < 6; round++)
      await Promise.all([a, b].flatMap((tuned) => [0, 1].map((i) => tuned.proveCoreQuality(coreJob(i)))));
    const [runA, runB] = [a.kernelRun("coreQuality"), b.kernelRun("coreQuality")] as [string, string];
    expect(runA).toMatch(/^core-prover@subgraph-0:/);
    expect(runB).toMatch(/^core-prover@subgraph-1:/);
    expect(logOf(runA)).toHaveLength(12);
    expect(logOf(runB)).toHaveLength(12);
    // Restarted, each replays its own run: the same run id and the same decisions.
    const [a2, b2] = [await start("subgraph-0"), await start("subgraph-1")];
    expect(a2.kernelRun("coreQuality")).toBe(runA);
    expect(a2.kernel("coreQuality")?.decisionTraceHash()).toBe(a.kernel("coreQuality")?.decisionTraceHash());
    expect(b2.kernelRun("coreQuality")).toBe(runB);
    expect(b2.kernel("coreQuality")?.decisionTraceHash()).toBe(b.kernel("coreQuality")?.decisionTraceHash());
    // One process alone (`caldera up`) keeps the run named after the component only.
    expect((await start(undefined)).kernelRun("coreQuality")).toMatch(/^core-prover:[0-9a-f]{12}$/);
  });
});
