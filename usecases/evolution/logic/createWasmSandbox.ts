import { Worker } from "node:worker_threads";
import { BaseError } from "../../../errors/BaseError.js";
import type { ErrorCode } from "../../../errors/errorCodes.js";
import { inspectWasmModule } from "./inspectWasmModule.js";
import { SandboxLimitExceededError } from "./logicErrors.js";
import type { WasmModule } from "./parseLogicModule.js";

export type CreateWasmSandboxParameters = {
  /** Worker threads running modules, one run at a time each. Default 1. */
  workers?: number;
  /** Runs that may wait for a worker; one more is refused with BUSY. Default 16. */
  maxQueue?: number;
  /** The worker's V8 heap (old generation) in MB: its resourceLimits. Default 64. */
  heapMb?: number;
};

export type WasmSandbox = {
  /** Runs a parsed wasm module on `input` (JSON in, JSON out) under the module's limits. */
  run(module: WasmModule, input: unknown): Promise<unknown>;
  stats(): { workers: number; running: number; queued: number; replaced: number };
  /** Fails waiting and running runs, stops every worker. */
  terminate(): Promise<void>;
};

type Job = {
  id: number;
  request: {
    id: number;
    wasm: Uint8Array;
    entry: string;
    input: string;
    limits: WasmModule["limits"];
    memoryMaxPages: number;
  };
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
};

type Slot = { worker: Worker; ready: boolean; job: Job | undefined; timer: NodeJS.Timeout | undefined };

type WorkerMessage =
  | { type: "ready" }
  | { id: number; type: "done"; output: unknown }
  | {
      id: number;
      type: "error";
      error: { code: ErrorCode; message: string; details: Record<string, unknown> };
    };

const WORKER_URL = new URL("./wasmSandboxWorker.mjs", import.meta.url);

/**
 * A real WebAssembly sandbox: each run compiles and instantiates the module in a worker thread that imports nothing
 * of the hub, offering only the host ABI (inspectWasmModule.HOST_ABI) — never eval, Function or node:vm. Limits:
 * memory by the module's declared maximum (checked before it runs), wall-clock time by terminating the worker,
 * the worker's heap by resourceLimits, the output size before it is copied out. A run that hits one fails with
 * SANDBOX_LIMIT_EXCEEDED (`details.limit`) and its worker is replaced, so nothing it left behind survives; a worker
 * runs one module at a time and a fresh instance each time, so runs share no state.
 */
export function createWasmSandbox({
  workers: size = 1,
  maxQueue = 16,
  heapMb = 64,
}: CreateWasmSandboxParameters = {}): WasmSandbox {
  const slots = new Set<Slot>();
  const queue: Job[] = [];
  let nextId = 1;
  let terminated = false;
  let replaced = 0;

  const finish = (slot: Slot) => {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    const job = slot.job;
    slot.job = undefined;
    slot.worker.unref();
    return job;
  };

  /** Stops a worker that hit a limit or died and starts its replacement: its memory and instance go with it. */
  const replace = (slot: Slot) => {
    slots.delete(slot);
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    replaced++;
    if (!terminated) spawn();
  };

  const spawn = () => {
    const worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    });
    worker.unref();
    const slot: Slot = { worker, ready: false, job: undefined, timer: undefined };
    slots.add(slot);
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "ready") {
        slot.ready = true;
        dispatch();
        return;
      }
      if (slot.job?.id !== message.id) return;
      const job = finish(slot) as Job;
      if (message.type === "done") job.resolve(message.output);
      else {
        const { code, message: text, details } = message.error;
        job.reject(
          code === "SANDBOX_LIMIT_EXCEEDED"
            ? new SandboxLimitExceededError(
                details.limit as "memoryPages" | "outputBytes",
                details.value as number,
                details.observed as number | undefined,
              )
            : new BaseError(text, { code, details }),
        );
        // A module that hit a limit may have left the worker in any state: it is not reused.
        if (code === "SANDBOX_LIMIT_EXCEEDED") {
          replace(slot);
          dispatch();
          return;
        }
      }
      dispatch();
    });
    worker.on("error", (error) => {
      const job = finish(slot);
      const outOfMemory = (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
      job?.reject(
        outOfMemory
          ? new SandboxLimitExceededError("heapMb", heapMb)
          : new BaseError(`The sandbox worker failed: ${error.message}`, {
              code: "INTERNAL_SERVER_ERROR",
              details: { reason: "sandbox worker failed" },
            }),
      );
      replace(slot);
      dispatch();
    });
    worker.on("exit", () => {
      if (!slots.has(slot)) return;
      finish(slot)?.reject(
        new BaseError("The sandbox worker stopped", {
          code: "INTERNAL_SERVER_ERROR",
          details: { reason: "sandbox worker exited" },
        }),
      );
      replace(slot);
      dispatch();
    });
  };

  const dispatch = () => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job !== undefined) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      const { wallClockMs } = job.request.limits;
      slot.timer = setTimeout(() => {
        if (slot.job !== job) return;
        finish(slot);
        job.reject(new SandboxLimitExceededError("wallClockMs", wallClockMs));
        replace(slot);
        dispatch();
      }, wallClockMs);
      slot.worker.postMessage(job.request);
    }
  };

  for (let i = 0; i < size; i++) spawn();

  return {
    async run(module, input) {
      if (terminated) throw stoppedError();
      const { memoryMaxPages } = inspectWasmModule(module.wasm, module.limits);
      const text = JSON.stringify(input ?? null);
      // The input must fit the memory the module may have, or alloc could only fail.
      if (Buffer.byteLength(text) > memoryMaxPages * 65_536)
        throw new SandboxLimitExceededError("inputBytes", memoryMaxPages * 65_536, Buffer.byteLength(text));
      if (queue.length >= maxQueue)
        throw new BaseError("The logic sandbox is busy; nothing ran — retry shortly", {
          code: "BUSY",
          details: { retryAfterSeconds: 1 },
        });
      return await new Promise((resolve, reject) => {
        const id = nextId++;
        const request = {
          id,
          wasm: module.wasm,
          entry: module.entry,
          input: text,
          limits: module.limits,
          memoryMaxPages,
        };
        queue.push({ id, request, resolve, reject });
        dispatch();
      });
    },
    stats: () => ({
      workers: slots.size,
      running: [...slots].filter((slot) => slot.job !== undefined).length,
      queued: queue.length,
      replaced,
    }),
    async terminate() {
      if (terminated) return;
      terminated = true;
      for (const job of queue.splice(0)) job.reject(stoppedError());
      const exits = [...slots].map((slot) => {
        finish(slot)?.reject(stoppedError());
        slot.worker.removeAllListeners();
        return slot.worker.terminate();
      });
      slots.clear();
      await Promise.all(exits);
    },
  };
}

function stoppedError() {
  return new BaseError("The logic sandbox stopped (the hub is shutting down); nothing ran", {
    code: "INTERNAL_SERVER_ERROR",
    details: { reason: "sandbox stopped" },
  });
}
