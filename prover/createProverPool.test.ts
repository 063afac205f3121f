import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { groth16 } from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseError } from "../errors/BaseError.js";
import { coreDayJob } from "../test/support/coreDay.js";
import { createProverPool, type ProverPool, ProverStoppedError } from "./createProverPool.js";
import { fromSolidityProof } from "./fromSolidityProof.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import { releaseProver } from "./releaseProver.js";

/** A day of 15-minute readings; distinct `offset`s give distinct commitments. */
const coreJob = (offset: number) => coreDayJob((i) => 31.5 + 4 * Math.sin(i / 15) + offset);

/**
 * A stand-in for proverWorker.mjs speaking the same messages, for what a real proof cannot do on demand: crash the
 * thread. The job's `parameters` say what to do: `{ crash: code }` exits the thread, `{ echo, waitMs }` answers.
 */
const STAND_IN_WORKER = `
import { parentPort } from "node:worker_threads";
parentPort.on("message", async ({ id, job }) => {
  const { crash, echo, waitMs = 0 } = job.parameters;
  if (crash !== undefined) process.exit(crash);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  parentPort.postMessage({ type: "done", id, result: { echo } });
});
parentPort.postMessage({ type: "ready" });
`;

/** The same stand-in as a process host (IPC instead of a parent port); it answers with its pid. */
const STAND_IN_PROCESS = `
process.on("disconnect", () => process.exit(0));
process.on("message", async ({ id, job, options }) => {
  const { crash, echo, waitMs = 0 } = job.parameters;
  if (crash !== undefined) process.exit(crash);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  process.send({ type: "done", id, result: { echo, pid: process.pid, options } });
});
process.send({ type: "ready" });
`;

let dir: string;
const pools: ProverPool[] = [];
const standInPool = (workers: number, maxQueue: number) => {
  const pool = createProverPool({ workers, maxQueue, workerUrl: pathToFileURL(join(dir, "standIn.mjs")) });
  pools.push(pool);
  // The stand-in reads its instructions from `parameters`; the pool passes them through untouched.
  const run = (parameters: Record<string, unknown>) =>
    pool.proveCoreQuality(parameters as never) as unknown as Promise<{ echo: unknown }>;
  return { pool, run };
};
const until = async (condition: () => boolean) => {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 60_000) throw new Error("condition not reached in 60 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "caldera-prover-pool-"));
  writeFileSync(join(dir, "standIn.mjs"), STAND_IN_WORKER);
  writeFileSync(join(dir, "standInProcess.mjs"), STAND_IN_PROCESS);
  writeFileSync(join(dir, "broken.mjs"), `throw new Error("this prover cannot load");`);
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.terminate()));
  await releaseProver(); // groth16.verify below built snarkjs's curve on this thread
  rmSync(dir, { recursive: true, force: true });
});

describe("createProverPool", () => {
  it("proves in a worker thread: valid proofs, typed errors kept, BUSY with retryAfterSeconds past the queue", async () => {
    const pool = createProverPool({ workers: 1, maxQueue: 1 });
    pools.push(pool);
    const [first, second] = [coreJob(0), coreJob(1)];
    const proofs = [pool.proveCoreQuality(first), pool.proveCoreQuality(second)];
    // One job per worker plus maxQueue are taken; the next is refused at once, before anything reaches a worker.
    const refused = await pool.proveCoreQuality(coreJob(2)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BaseError);
    expect(refused).toMatchObject({ code: "BUSY", details: { retryAfterSeconds: expect.any(Number) } });
    expect((refused as BaseError).details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(pool.stats()).toMatchObject({ workers: 1, capacity: 1 });
    expect(pool.stats().running + pool.stats().queued).toBe(2);

    const { vkey } = await loadCircuitArtifacts("coreQuality");
    for (const [i, result] of (await Promise.all(proofs)).entries()) {
      const prepared = [first, second][i]?.prepared;
      expect(BigInt(result.publicSignals[0] as string)).toBe(BigInt(prepared?.claim.datasetCommitment ?? 0));
      expect(result.proveMs).toBeGreaterThan(0);
      expect(await groth16.verify(vkey, result.publicSignals, fromSolidityProof(result.proof))).toBe(true);
    }
    expect(pool.stats()).toEqual({ workers: 1, running: 0, queued: 0, capacity: 1 });

    // A typed error thrown in the worker arrives typed: same code and details as in-process.
    await expect(
      pool.proveDerivationBinding({ prepared: first.prepared, channelMask: 0b10, bindingHash: 1n }),
    ).rejects.toMatchObject({ code: "INVALID_DATASET", details: { field: "channelMask" } });
  }, 240_000);

  it("fails the job of a worker that crashes with a typed error and replaces the worker", async () => {
    const { pool, run } = standInPool(1, 4);
    const crashed = run({ crash: 7 }).catch((error: unknown) => error);
    const behind = run({ echo: "after the crash" });
    const error = await crashed;
    expect(error).toBeInstanceOf(BaseError);
    expect(error).toMatchObject({ code: "INTERNAL_SERVER_ERROR", details: { exitCode: 7 } });
    // The job queued behind it runs on the replacement.
    expect(await behind).toEqual({ echo: "after the crash" });
    expect(pool.stats()).toEqual({ workers: 1, running: 0, queued: 0, capacity: 4 });
  }, 120_000);

  it("refuses with BUSY only when every worker is busy and the queue is full", async () => {
    const { pool, run } = standInPool(2, 1);
    const taken = [run({ echo: 1, waitMs: 60_000 }), run({ echo: 2, waitMs: 60_000 }), run({ echo: 3 })];
    const outcomes = taken.map((job) => job.catch((error: unknown) => error));
    await expect(run({ echo: 4 })).rejects.toMatchObject({ code: "BUSY" });
    await until(() => pool.stats().running === 2);
    expect(pool.stats()).toEqual({ workers: 2, running: 2, queued: 1, capacity: 1 });
    // terminate() fails what is waiting or running with a typed error and refuses what comes after.
    await pool.terminate();
    for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(ProverStoppedError);
    await expect(run({ echo: 5 })).rejects.toBeInstanceOf(ProverStoppedError);
    expect(pool.stats()).toEqual({ workers: 0, running: 0, queued: 0, capacity: 1 });
  }, 120_000);

  it("proves in the process host (multi-threaded curve, reused witness calculator, overlapped schedule) and verifies there", async () => {
    const pool = createProverPool({ workers: 1, maxQueue: 2 });
    pools.push(pool);
    const job = coreJob(3);
    expect(pool.stats().workers).toBe(1); // the process host starts with the first job asking for it
    // The tuned path end to end: process host, kept witness calculator, proveGroth16 with the zkey kept.
    const configuration = { host: "process", witness: "reused", schedule: "overlapped" } as const;
    const [first, second] = await Promise.all([
      pool.proveCoreQuality(job, { configuration, verify: true }),
      pool.proveCoreQuality(coreJob(4), { configuration, verify: true }),
    ]);
    expect(pool.stats()).toEqual({ workers: 2, running: 0, queued: 0, capacity: 2 });
    for (const result of [first, second]) expect(result?.verified).toBe(true);
    expect(BigInt(first.publicSignals[0] as string)).toBe(BigInt(job.prepared.claim.datasetCommitment));
    // Checked here too, against the verification key, not only by the host that made it.
    const { vkey } = await loadCircuitArtifacts("coreQuality");
    expect(await groth16.verify(vkey, first.publicSignals, fromSolidityProof(first.proof))).toBe(true);
    // Without options a job runs as it always did: in a worker thread, unverified.
    const plain = await pool.proveCoreQuality(coreJob(5));
    expect(plain.verified).toBeUndefined();
    // Typed errors cross the process boundary typed.
    await expect(
      pool.proveDerivationBinding(
        { prepared: job.prepared, channelMask: 0b10, bindingHash: 1n },
        { configuration: { host: "process", witness: "perProof", schedule: "sequential" } },
      ),
    ).rejects.toMatchObject({ code: "INVALID_DATASET", details: { field: "channelMask" } });
  }, 300_000);

  it("process host: a crash fails its job typed and the next job starts a new one; one that cannot load fails its jobs; terminate stops it", async () => {
    const pool = createProverPool({
      workers: 1,
      maxQueue: 4,
      workerUrl: pathToFileURL(join(dir, "standIn.mjs")),
      processUrl: pathToFileURL(join(dir, "standInProcess.mjs")),
    });
    pools.push(pool);
    const inProcess = {
      configuration: { host: "process", witness: "reused", schedule: "sequential" },
    } as const;
    const run = (parameters: Record<string, unknown>, options = inProcess) =>
      pool.proveCoreQuality(parameters as never, options) as unknown as Promise<{
        echo: unknown;
        pid: number;
        options: unknown;
      }>;
    const first = await run({ echo: 1 });
    expect(first).toMatchObject({ echo: 1, options: { witness: "reused" } });
    expect(first.pid).not.toBe(process.pid);
    // Thread jobs are not held up by a process job running.
    const slow = run({ echo: "slow", waitMs: 2_000 });
    expect(await run({ echo: "thread" }, {} as never)).toEqual({ echo: "thread" });
    expect((await slow).pid).toBe(first.pid);
    // A crash mid-job: typed error; the job behind it gets a new process.
    const crashed = run({ crash: 9 }).catch((error: unknown) => error);
    const behind = run({ echo: "after the crash" });
    expect(await crashed).toMatchObject({ code: "INTERNAL_SERVER_ERROR", details: { exitCode: 9 } });
    const after = await behind;
    expect(after.echo).toBe("after the crash");
    expect(after.pid).not.toBe(first.pid);
    await pool.terminate();
    expect(() => process.kill(after.pid, 0)).toThrow(); // gone

    const broken = createProverPool({
      workers: 1,
      workerUrl: pathToFileURL(join(dir, "standIn.mjs")),
      processUrl: pathToFileURL(join(dir, "broken.mjs")),
    });
    pools.push(broken);
    const tryBroken = () =>
      broken.proveCoreQuality({ echo: 1 } as never, inProcess).catch((error: unknown) => error);
    for (const outcome of await Promise.all([tryBroken(), tryBroken()]))
      expect(outcome).toMatchObject({ code: "INTERNAL_SERVER_ERROR", details: { exitCode: 1 } });
    // Tried again by the next job (and failing again), while thread jobs carry on.
    expect(await tryBroken()).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(await broken.proveCoreQuality({ echo: 2 } as never)).toEqual({ echo: 2 });
    expect(broken.stats()).toEqual({ workers: 1, running: 0, queued: 0, capacity: 8 });
  }, 120_000);

  it("loads under tsx and leaves nothing running after terminate(): the process exits by itself", () => {
    // A script as the CLI and `tsx scripts/…` run one: a real worker, a proof in flight when terminate() comes.
    const script = join(dir, "script.mts");
    const module = (name: string) => JSON.stringify(new URL(name, import.meta.url).href);
    writeFileSync(
      script,
      `import { createProverPool } from ${module("./createProverPool.ts")};
import { coreDayClaim } from ${module("../test/support/coreDay.ts")};
const pool = createProverPool({ workers: 1 });
const prepared = coreDayClaim(() => 30);
const refused = await pool.proveDerivationBinding({ prepared, channelMask: 2, bindingHash: 1n }).catch((e) => e.code);
const inFlight = pool.proveCoreQuality({ prepared, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }).catch((e) => e.name);
await new Promise((resolve) => setTimeout(resolve, 200));
await pool.terminate();
console.log(JSON.stringify({ refused, inFlight: await inFlight, stats: pool.stats() }));
`,
    );
    const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));
    const child = spawnSync(process.execPath, [tsx, script], { encoding: "utf8", timeout: 120_000 });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0); // null if the time-out had to kill it: something kept it alive
    expect(JSON.parse(child.stdout)).toEqual({
      refused: "INVALID_DATASET",
      inFlight: "ProverStoppedError",
      stats: { workers: 0, running: 0, queued: 0, capacity: 8 },
    });
  }, 180_000);
});
