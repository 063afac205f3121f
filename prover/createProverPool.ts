import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BaseError } from "../errors/BaseError.js";
import { forkProverProcess, type ProverHostHandle } from "./forkProverProcess.js";
import type { ProveCoreQualityParameters, ProveCoreQualityReturnType } from "./proveCoreQuality.js";
import type {
  ProveDerivationBindingParameters,
  ProveDerivationBindingReturnType,
} from "./proveDerivationBinding.js";
import type { ProveRiskFeatureParameters, ProveRiskFeatureReturnType } from "./proveRiskFeature.js";
import { DEFAULT_PROVER_CONFIGURATION, type ProveOptions, type ProverHost } from "./proverConfiguration.js";
import type {
  ProverJob,
  ProverJobAnswer,
  ProverJobOptions,
  ProverRequest,
  ProverResponse,
  SerializedProverError,
} from "./proverWorker.js";

/** Jobs that may wait for a worker before the pool answers BUSY. */
export const DEFAULT_PROVING_MAX_QUEUE = 8;

/** One worker per CPU but one: that CPU stays with the request loop (gateway, subgraph) and the parts around it. */
export const defaultProvingWorkers = (): number => Math.max(1, availableParallelism() - 1);

export type CreateProverPoolParameters = {
  /** Worker threads, each proving one job at a time. Default `max(1, availableParallelism() - 1)`. */
  workers?: number | undefined;
  /** Jobs that may wait while every worker is busy; one more is refused with BUSY. Default 8. */
  maxQueue?: number | undefined;
  /** The worker's entry file; tests of the pool itself pass a stand-in. Default `proverWorker.mjs`. */
  workerUrl?: URL | undefined;
  /**
   * The process host's entry file (`configuration.host: "process"`), started at the first job that asks for it.
   * Default `proverProcess.mjs`; tests pass one that cannot load, to have a configuration that really fails.
   */
  processUrl?: URL | undefined;
};

export type ProverPoolStats = {
  /**
   * Live provers: worker threads (a crashed one is counted again once its replacement starts), plus the proving
   * process once a job has asked for it.
   */
  workers: number;
  /** Jobs being proven now. */
  running: number;
  /** Jobs waiting for a worker. */
  queued: number;
  /** Jobs that may wait for a worker (`maxQueue`): with every worker busy and `queued === capacity`, the next is BUSY. */
  capacity: number;
};

/** A proof from the pool; `verified` is set when the job asked for verification (`ProveOptions.verify`). */
export type PooledProof<T> = T & { verified?: boolean };

/**
 * Each `prove*` takes the proving function's parameters and, optionally, how to prove (`ProveOptions`: the prover
 * configuration the kernel chose, verification); without options a job runs as it always did, in a worker thread.
 */
export type ProverPool = {
  proveCoreQuality(
    parameters: ProveCoreQualityParameters,
    options?: ProveOptions,
  ): Promise<PooledProof<ProveCoreQualityReturnType>>;
  proveDerivationBinding(
    parameters: ProveDerivationBindingParameters,
    options?: ProveOptions,
  ): Promise<PooledProof<ProveDerivationBindingReturnType>>;
  proveRiskFeature(
    parameters: ProveRiskFeatureParameters,
    options?: ProveOptions,
  ): Promise<PooledProof<ProveRiskFeatureReturnType>>;
  stats(): ProverPoolStats;
  /** Fails every waiting and running job, stops every worker (and snarkjs's threads inside them). */
  terminate(): Promise<void>;
};

export type CreateProverPoolReturnType = ProverPool;

/** Every worker is proving and the queue is full: refused before anything was proven or sent. */
export class ProverBusyError extends BaseError {
  override name = "ProverBusyError";
  constructor(retryAfterSeconds: number, stats: ProverPoolStats) {
    super(
      `The prover is busy (${stats.running} proofs running, ${stats.queued} waiting, the most allowed); nothing was sent — retry in ${retryAfterSeconds} s`,
      { code: "BUSY", details: { retryAfterSeconds } },
    );
  }
}

/** The worker proving the job died (a native crash, out of memory); it is replaced, the job is not retried. */
export class ProverCrashedError extends BaseError {
  override name = "ProverCrashedError";
  constructor(cause: string, exitCode: number | undefined) {
    super(
      `The prover's worker thread died while proving (${cause}); nothing was sent — the request may be retried`,
      {
        code: "INTERNAL_SERVER_ERROR",
        details: { reason: "prover crashed", exitCode },
      },
    );
  }
}

/** The pool was terminated (the hub is stopping) before the job finished. */
export class ProverStoppedError extends BaseError {
  override name = "ProverStoppedError";
  constructor() {
    super("The prover stopped (the hub is shutting down); nothing was sent", {
      code: "INTERNAL_SERVER_ERROR",
      details: { reason: "prover stopped" },
    });
  }
}

type Pending = {
  id: number;
  job: ProverJob;
  host: ProverHost;
  options: ProverJobOptions;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
};

type Slot = {
  host: ProverHost;
  worker: ProverHostHandle;
  ready: boolean;
  job: (Pending & { started: number }) | undefined;
  /** The worker's last uncaught error, reported by the exit that follows it. */
  lastError: string | undefined;
};

/**
 * ffjavascript (snarkjs's field arithmetic) imports web-worker 1.2.0, which takes every worker thread for one of its
 * own and loads `workerData.mod` into it: an empty module keeps it from failing on ours. Its Worker class is then
 * missing in this thread, so a pool worker proves single-threaded (proverWorker), which is what the pool wants.
 */
const WEB_WORKER_SHIM = { mod: "data:text/javascript,", type: "module", name: "caldera-prover" };

/** Until a proof has been timed, the estimate behind `retryAfterSeconds`. */
const FIRST_PROOF_SECONDS = 3;
/** A worker that dies while starting is started again after this, doubling up to 8 s. */
const RESTART_DELAY_MS = 250;

/**
 * A pool of worker threads that prove off the request loop: snarkjs's witness calculation (wasm) and its proving
 * orchestration would otherwise block every query for seconds. Jobs run first come, first served; at most
 * `maxQueue` wait, the next is refused at once with `BUSY` and `retryAfterSeconds`. A worker that dies fails its job
 * with a typed error and is replaced. Idle workers do not keep the process alive; `terminate()` stops them all.
 */
export function createProverPool({
  workers: size = defaultProvingWorkers(),
  maxQueue = DEFAULT_PROVING_MAX_QUEUE,
  workerUrl = new URL("./proverWorker.mjs", import.meta.url),
  processUrl = new URL("./proverProcess.mjs", import.meta.url),
}: CreateProverPoolParameters = {}): CreateProverPoolReturnType {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`workers must be 1 or more, not ${size}`);
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0)
    throw new RangeError(`maxQueue must be 0 or more, not ${maxQueue}`);

  const slots = new Set<Slot>();
  const queue: Pending[] = [];
  let nextId = 1;
  let terminated = false;
  let proofSeconds = FIRST_PROOF_SECONDS;
  let restartDelay = RESTART_DELAY_MS;
  const restartTimers = new Set<NodeJS.Timeout>();

  const running = () => [...slots].filter((s) => s.job !== undefined).length;
  const stats = (): ProverPoolStats => ({
    workers: slots.size,
    running: running(),
    queued: queue.length,
    capacity: maxQueue,
  });

  const hosts = (host: ProverHost) => [...slots].filter((s) => s.host === host);
  const spawn = (host: ProverHost = "thread") => {
    const worker: ProverHostHandle =
      host === "thread"
        ? new Worker(workerUrl, { workerData: WEB_WORKER_SHIM })
        : forkProverProcess(processUrl);
    // Idle, a worker must not hold the process open (a CLI that forgot terminate() still exits); busy, it must. A
    // process host is only ever started for a job waiting for it: it stays referenced until that job is done.
    if (host === "thread") worker.unref();
    const slot: Slot = { host, worker, ready: false, job: undefined, lastError: undefined };
    slots.add(slot);
    worker.on("message", (message: ProverResponse) => {
      if (message.type === "ready") {
        slot.ready = true;
        if (host === "thread") restartDelay = RESTART_DELAY_MS;
        dispatch();
        return;
      }
      const job = slot.job;
      if (job === undefined || job.id !== message.id) return;
      slot.job = undefined;
      worker.unref();
      if (message.type === "done") {
        // A moving average, so retryAfterSeconds follows the machine's current speed.
        proofSeconds = 0.7 * proofSeconds + 0.3 * ((performance.now() - job.started) / 1000);
        job.resolve(message.result);
      } else job.reject(deserializeError(message.error));
      dispatch();
    });
    worker.on("error", (error) => {
      slot.lastError = error.message;
    });
    if (worker instanceof Worker)
      worker.on("messageerror", (error) => {
        slot.lastError = `unreadable message: ${error.message}`;
      });
    worker.on("exit", (exitCode) => {
      slots.delete(slot);
      if (terminated) return;
      const cause = slot.lastError ?? `exit code ${exitCode}`;
      slot.job?.reject(new ProverCrashedError(cause, exitCode));
      if (host === "process") {
        // Started again only when a job needs it: at once for the process jobs waiting behind a crash; one that
        // cannot even start fails those, and the next process job tries again.
        if (slot.ready && queue.some((job) => job.host === "process")) spawn("process");
        else rejectWaiting("process", cause, exitCode);
        dispatch();
        return;
      }
      if (slot.ready) {
        spawn();
        dispatch();
        return;
      }
      // It died before it could prove anything (its code cannot load): waiting jobs would wait for nothing.
      if (hosts("thread").length === 0) rejectWaiting("thread", cause, exitCode);
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        if (terminated) return;
        spawn();
        dispatch();
      }, restartDelay);
      timer.unref();
      restartTimers.add(timer);
      restartDelay = Math.min(restartDelay * 2, 8_000);
    });
  };

  const rejectWaiting = (host: ProverHost, cause: string, exitCode: number | undefined) => {
    for (const job of queue.filter((j) => j.host === host)) {
      queue.splice(queue.indexOf(job), 1);
      job.reject(new ProverCrashedError(cause, exitCode));
    }
  };

  const dispatch = () => {
    for (const slot of slots) {
      // Not before "ready": a message sent earlier could reach web-worker's listener (see WEB_WORKER_SHIM) alone.
      if (!slot.ready || slot.job !== undefined) continue;
      // First come, first served among the jobs for this kind of host.
      const index = queue.findIndex((job) => job.host === slot.host);
      if (index === -1) continue;
      const [job] = queue.splice(index, 1) as [Pending];
      slot.job = { ...job, started: performance.now() };
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, job: job.job, options: job.options } satisfies ProverRequest);
    }
  };

  const submit = <K extends ProverJob["kind"]>(
    job: ProverJob & { kind: K },
    { configuration = DEFAULT_PROVER_CONFIGURATION, verify }: ProveOptions = {},
  ): Promise<ProverJobAnswer<K>> => {
    if (terminated) return Promise.reject(new ProverStoppedError());
    const { host, witness, schedule } = configuration;
    // The process host starts with the first job that asks for it (most hubs never do).
    if (host === "process" && hosts("process").length === 0) spawn("process");
    // A worker still starting counts as free: the pool must not answer BUSY to the first jobs after it starts.
    if (running() + queue.length >= slots.size + maxQueue) {
      const current = stats();
      const ahead = current.running + current.queued;
      const retryAfterSeconds = Math.max(1, Math.ceil((proofSeconds * ahead) / Math.max(1, current.workers)));
      return Promise.reject(new ProverBusyError(retryAfterSeconds, current));
    }
    return new Promise<ProverJobAnswer<K>>((resolve, reject) => {
      const options: ProverJobOptions = { witness, schedule, verify };
      queue.push({ id: nextId++, job, host, options, resolve: resolve as (result: unknown) => void, reject });
      dispatch();
    });
  };

  for (let i = 0; i < size; i++) spawn();

  return {
    proveCoreQuality: (parameters, options) => submit({ kind: "coreQuality", parameters }, options),
    proveDerivationBinding: (parameters, options) =>
      submit({ kind: "derivationBinding", parameters }, options),
    proveRiskFeature: (parameters, options) => submit({ kind: "riskFeature", parameters }, options),
    stats,
    terminate: async () => {
      if (terminated) return;
      terminated = true;
      for (const timer of restartTimers) clearTimeout(timer);
      restartTimers.clear();
      const stopped = new ProverStoppedError();
      for (const job of queue.splice(0)) job.reject(stopped);
      const exits = [...slots].map((slot) => {
        slot.job?.reject(stopped);
        slot.job = undefined;
        return slot.worker.terminate();
      });
      await Promise.all(exits);
      slots.clear();
    },
  };
}

/** A worker's error as the caller would have seen it in-process: typed errors keep their code and details. */
function deserializeError({ name, message, code, details }: SerializedProverError): Error {
  const error =
    code === undefined ? new Error(message) : new BaseError(message, { code, details: details ?? {} });
  error.name = name;
  return error;
}
