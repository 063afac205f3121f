import { setPriority } from "node:os";
import type { MessagePort } from "node:worker_threads";
import { curves } from "snarkjs";
import { BaseError } from "../errors/BaseError.js";
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

// The one more slice of snarkjs this file uses (snarkjs.d.ts declares the rest).
declare module "snarkjs" {
  export const curves: {
    getCurveFromName(name: "bn128", options: { singleThread: boolean }): Promise<unknown>;
  };
}

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

/** The pool → worker message. */
export type ProverRequest = { id: number; job: ProverJob };

/** The worker → pool messages: once loaded, then one answer per request. */
export type ProverResponse =
  | { type: "ready" }
  | { type: "done"; id: number; result: ProverJobResult<ProverJob["kind"]> }
  | { type: "failed"; id: number; error: SerializedProverError };

export type ProverWorkerParameters = {
  port: MessagePort;
};

/** Niceness of a proving thread on Linux (0 normal, 19 lowest): below the request loop, still ahead of idle work. */
const PROVING_NICENESS = 10;

/**
 * A prover pool worker's body (`proverWorker.mjs` loads it through tsx): proves each job it is sent with the same
 * pure functions tests and scripts call directly, one at a time, and answers with the result or the typed error.
 */
export async function proverWorker({ port }: ProverWorkerParameters): Promise<void> {
  // On Linux a nice value belongs to a thread, and pid 0 is this one: where the CPUs are contended, the request
  // loop (and the chain, indexer, Postgres) go first and proofs take what is left. Elsewhere it would be the whole
  // process's, so it is left alone.
  if (process.platform === "linux") setPriority(0, PROVING_NICENESS);
  // One thread per proof: the pool already runs a worker per spare CPU, and snarkjs's own threads (a thread per CPU
  // for multi-exponentiation) would take the request loop's CPU; they cannot start in a worker thread anyway (see
  // createProverPool). snarkjs asks ffjavascript for the bn128 curve on every proof and gets the one ffjavascript
  // keeps on globalThis (see releaseProver): a single-threaded curve put there is built once and reused.
  (globalThis as { curve_bn128?: unknown }).curve_bn128 = await curves.getCurveFromName("bn128", {
    singleThread: true,
  });
  port.on("message", async ({ id, job }: ProverRequest) => {
    try {
      const result =
        job.kind === "coreQuality"
          ? await proveCoreQuality(job.parameters)
          : job.kind === "derivationBinding"
            ? await proveDerivationBinding(job.parameters)
            : await proveRiskFeature(job.parameters);
      port.postMessage({ type: "done", id, result } satisfies ProverResponse);
    } catch (error) {
      port.postMessage({ type: "failed", id, error: serializeError(error) } satisfies ProverResponse);
    }
  });
  port.postMessage({ type: "ready" } satisfies ProverResponse);
}

function serializeError(error: unknown): SerializedProverError {
  if (error instanceof BaseError)
    return { name: error.name, message: error.message, code: error.code, details: error.details };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
