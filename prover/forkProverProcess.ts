import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ProverRequest, ProverResponse } from "./proverWorker.js";

/** What the prover pool drives a host through: a worker thread has exactly this shape; a process gets it here. */
export type ProverHostHandle = {
  on(event: "message", listener: (message: ProverResponse) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "exit", listener: (exitCode: number) => void): unknown;
  postMessage(request: ProverRequest): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<unknown>;
};

/**
 * Starts the prover pool's process host (`proverProcess.mjs`, or the entry a test passes) and wraps it in the shape
 * of a worker thread. Messages go by IPC with structured clone ("advanced"): bigints and typed arrays cross as they
 * do to a worker thread. No inherited exec flags (vitest's, tsx's): the entry loads TypeScript itself. Its stderr is
 * the hub's, so a process that cannot load says why.
 */
export function forkProverProcess(entry: URL): ProverHostHandle {
  const child = fork(fileURLToPath(entry), [], {
    execArgv: [],
    serialization: "advanced",
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  let exited: Promise<void> | undefined;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const channel = () => child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
  const handle: ProverHostHandle = {
    on: (event: "message" | "error" | "exit", listener: (value: never) => void) => {
      if (event === "exit")
        // A signal is reported as a shell would: 128 + its number (SIGKILL → 137).
        child.on("exit", (code, signal) =>
          (listener as (exitCode: number) => void)(code ?? 128 + signalNumber(signal)),
        );
      else child.on(event, listener as (value: unknown) => void);
      return handle;
    },
    postMessage: (request) => {
      child.send(request);
    },
    ref: () => {
      child.ref();
      channel()?.ref?.();
    },
    unref: () => {
      child.unref();
      channel()?.unref?.();
    },
    terminate: () => {
      exited ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // Referenced again, or an idle (unreferenced) child's exit would not be waited for.
        child.ref();
        child.kill("SIGKILL");
        await exit;
      })();
      return exited;
    },
  };
  return handle;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null
    ? 0
    : ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 }[signal as string] ?? 0);
}
