import { readdirSync } from "node:fs";
import { setPriority } from "node:os";
import { curves, groth16 } from "snarkjs";
import { BaseError } from "../errors/BaseError.js";
import { fromSolidityProof } from "./fromSolidityProof.js";
import type { ProvingOptions } from "./fullProve.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import {
  type ProveCoreQualityParameters,
  type ProveCoreQualityReturnType,
  proveCoreQuality,
} from "./proveCoreQuality.js";
import {
  type ProveDerivationBindingParameters,
  type ProveDerivationBindingReturnType,
  proveDerivationBinding,
} from "./proveDerivationBinding.js";
import {
  type ProveRiskFeatureParameters,
  type ProveRiskFeatureReturnType,
  proveRiskFeature,
} from "./proveRiskFeature.js";
import type { ProverHost } from "./proverConfiguration.js";

/** One proof for a pool worker: which circuit, and the proving function's parameters as they are. */
export type ProverJob =
  | { kind: "coreQuality"; parameters: ProveCoreQualityParameters }
  | { kind: "derivationBinding"; parameters: ProveDerivationBindingParameters }
  | { kind: "riskFeature"; parameters: ProveRiskFeatureParameters };

export type ProverJobResult<K extends ProverJob["kind"]> = K extends "coreQuality"
  ? ProveCoreQualityReturnType
  : K extends "derivationBinding"
    ? ProveDerivationBindingReturnType
    : ProveRiskFeatureReturnType;

/** An error as it crosses the thread boundary: structured cloning keeps neither a class nor `code`/`details`. */
export type SerializedProverError = {
  name: string;
  message: string;
  code?: BaseError["code"];
  details?: Record<string, unknown>;
};

/** How to prove one job: the witness mode, and whether to verify the proof before answering. */
export type ProverJobOptions = ProvingOptions & { verify?: boolean | undefined };

/** The pool → worker message. */
export type ProverRequest = { id: number; job: ProverJob; options?: ProverJobOptions | undefined };

/** A job's result as the host answers it: `verified` only when the job asked for verification. */
export type ProverJobAnswer<K extends ProverJob["kind"]> = ProverJobResult<K> & { verified?: boolean };

/** The worker → pool messages: once loaded, then one answer per request. */
export type ProverResponse =
  | { type: "ready" }
  | { type: "done"; id: number; result: ProverJobAnswer<ProverJob["kind"]> }
  | { type: "failed"; id: number; error: SerializedProverError };

/** Where requests come from and answers go: a worker thread's parent port, or a child process's IPC channel. */
export type ProverPort = {
  on(event: "message", listener: (request: ProverRequest) => void): unknown;
  postMessage(message: ProverResponse): void;
};

export type ProverWorkerParameters = {
  port: ProverPort;
  /**
   * `"thread"` (default): a pool worker thread, with the single-threaded curve. `"process"`: the main thread of a
   * proving process (proverProcess.mjs), with ffjavascript's multi-threaded curve.
   */
  host?: ProverHost | undefined;
};

/** Niceness of a proving thread on Linux (0 normal, 19 lowest): below the request loop, still ahead of idle work. */
const PROVING_NICENESS = 10;

/**
 * A prover pool host's body (`proverWorker.mjs` loads it through tsx in a worker thread, `proverProcess.mjs` in a
 * child process): proves each job it is sent with the same pure functions tests and scripts call directly, one at a
 * time, and answers with the result or the typed error.
 */
export async function proverWorker({ port, host = "thread" }: ProverWorkerParameters): Promise<void> {
  // On Linux a nice value belongs to a thread, and pid 0 is this one: where the CPUs are contended, the request
  // loop (and the chain, indexer, Postgres) go first and proofs take what is left. Elsewhere it would be the whole
  // process's, so it is left alone. Threads started from here on (ffjavascript's, in a process host) inherit it.
  if (process.platform === "linux") setPriority(0, PROVING_NICENESS);
  // snarkjs asks ffjavascript for the bn128 curve on every proof and gets the one ffjavascript keeps on globalThis
  // (see releaseProver): the curve put there is built once and reused.
  // In a worker thread, one thread per proof: the pool already runs a worker per spare CPU, and snarkjs's own threads
  // (a thread per CPU for multi-exponentiation) would take the request loop's CPU; they cannot start in a worker
  // thread anyway (see createProverPool). In a process host, its main thread is free to start them: that is the
  // point of the process host, a proof using every CPU.
  (globalThis as { curve_bn128?: unknown }).curve_bn128 = await curves.getCurveFromName("bn128", {
    singleThread: host === "thread",
  });
  // The threads already running before setPriority (libuv's pool, V8's) are niced too: the whole process proves.
  if (process.platform === "linux" && host === "process") reniceEveryThread();
  port.on("message", async ({ id, job, options = {} }: ProverRequest) => {
    try {
      const proving: ProvingOptions = { witness: options.witness, schedule: options.schedule };
      const result: ProverJobAnswer<ProverJob["kind"]> =
        job.kind === "coreQuality"
          ? await proveCoreQuality(job.parameters, proving)
          : job.kind === "derivationBinding"
            ? await proveDerivationBinding(job.parameters, proving)
            : await proveRiskFeature(job.parameters, proving);
      if (options.verify) {
        // Here rather than in the caller: a pairing check is tens of ms of CPU that the request loop need not spend.
        const { vkey } = await loadCircuitArtifacts(job.kind);
        result.verified = await groth16.verify(vkey, result.publicSignals, fromSolidityProof(result.proof));
      }
      port.postMessage({ type: "done", id, result } satisfies ProverResponse);
    } catch (error) {
      port.postMessage({ type: "failed", id, error: serializeError(error) } satisfies ProverResponse);
    }
  });
  port.postMessage({ type: "ready" } satisfies ProverResponse);
}

function reniceEveryThread(): void {
  for (const task of readdirSync("/proc/self/task"))
    try {
      setPriority(Number(task), PROVING_NICENESS);
    } catch {
      // A thread that ended meanwhile.
    }
}

function serializeError(error: unknown): SerializedProverError {
  if (error instanceof BaseError)
    return { name: error.name, message: error.message, code: error.code, details: error.details };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
