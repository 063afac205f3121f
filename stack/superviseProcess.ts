import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { PartFailedError, PartStartError, type StackPart } from "./errors.js";

export type SupervisedState = "starting" | "running" | "restarting" | "failed" | "stopped";

export type RestartPolicy = {
  /** Restarts allowed inside `windowMs` before the supervisor gives up. */
  maxRestarts: number;
  windowMs: number;
  /** Delay before restart number `attempt` (1-based). */
  backoffMs: (attempt: number) => number;
};

export type SuperviseProcessParameters = {
  part: StackPart;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  /** Run as another user (embedded Postgres as root). */
  runAs?: { uid: number; gid: number } | undefined;
  /** The child's stdout and stderr are appended here; the last lines are also kept in memory for messages. */
  logFile: string;
  /** Polled after every spawn until it returns true; an exception ends the wait as a failure. */
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
  /** Turns what a process that died before it was ready printed into one cause and one fix. */
  explain?: ((logTail: string[], exit: string) => { cause: string; fix: string } | undefined) | undefined;
  /** Runs before every launch (0 = the first, then 1, 2, … for restarts), e.g. to release a lock a dead process holds. */
  beforeLaunch?: ((attempt: number) => Promise<void>) | undefined;
  /** Every complete line the process prints (stdout and stderr), for callers that follow its progress. */
  onLine?: ((line: string) => void) | undefined;
  /** Signal for an orderly stop (Postgres: SIGINT is its fast shutdown). */
  stopSignal?: NodeJS.Signals | undefined;
  restart?: RestartPolicy | undefined;
  log: (line: string) => void;
  /** Called once when the part keeps failing: the owner stops the stack instead of serving stale data. */
  onGiveUp: (error: PartFailedError) => void;
};

export type SupervisedProcess = {
  part: StackPart;
  pid: () => number | undefined;
  state: () => SupervisedState;
  restarts: () => number;
  logTail: () => string[];
  /** Orderly stop (signal, then SIGKILL after a grace period); no restart follows. */
  stop: () => Promise<void>;
};

export const defaultRestartPolicy: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 5 * 60_000,
  backoffMs: (attempt) => Math.min(250 * 2 ** (attempt - 1), 8_000),
};

const TAIL_LINES = 30;

/**
 * Owns one child process of the stack for its whole life. It resolves once the process is ready and rejects with a
 * typed `PartStartError` as soon as it cannot be (spawn error, early exit, time-out) — never a hang. After that, an
 * unexpected exit is logged with its exit code and the last lines of the process's log, and the process is
 * restarted with exponential backoff; too many failures inside the window end in `onGiveUp`.
 */
export async function superviseProcess(parameters: SuperviseProcessParameters): Promise<SupervisedProcess> {
  const {
    part,
    command,
    args,
    env,
    cwd,
    runAs,
    logFile,
    ready,
    readyTimeoutMs,
    explain,
    beforeLaunch,
    onLine,
    stopSignal = "SIGTERM",
    restart = defaultRestartPolicy,
    log,
    onGiveUp,
  } = parameters;
  mkdirSync(dirname(logFile), { recursive: true });
  const logStream: WriteStream = createWriteStream(logFile, { flags: "a" });
  // A log that cannot be written (its folder removed, a full disk) must not take the part or the hub down.
  logStream.on("error", () => {});
  const tail: string[] = [];
  /** One recorder per stream, so a line split across chunks is joined with its own stream's rest. */
  const recorder = () => {
    let partial = "";
    return (chunk: Buffer) => {
      logStream.write(chunk);
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        tail.push(line);
        onLine?.(line);
      }
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
  };

  let child: ChildProcess | undefined;
  let state: SupervisedState = "starting";
  let stopping = false;
  let restarts = 0;
  const failures: number[] = [];

  /** Spawns once and waits until ready; rejects with a PartStartError describing why not. */
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      let settled = false;
      const current = spawn(command, args, {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
      child = current;
      current.stdout?.on("data", recorder());
      current.stderr?.on("data", recorder());
      const fail = (cause: string, fix: string, error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (current.exitCode === null && current.signalCode === null) current.kill("SIGKILL");
        reject(new PartStartError(part, cause, fix, { logTail: [...tail], cause: error }));
      };
      current.once("error", (error: NodeJS.ErrnoException) => {
        const fix =
          error.code === "ENOENT"
            ? "run `npm install` (the binary is part of the project's dependencies)"
            : error.code === "EACCES"
              ? "the binary or its folder is not executable by the user running it; see README 'Running as root'"
              : "see the log";
        fail(`cannot run ${command}: ${error.code ?? error.message}`, fix, error);
      });
      current.once("exit", (code, signal) => {
        if (settled) return;
        const exit = describeExit(code, signal);
        const explained = explain?.([...tail], exit);
        fail(
          explained?.cause ?? `exited with ${exit} before it was ready${lastLine(tail)}`,
          explained?.fix ?? `see ${logFile}`,
        );
      });
      const timer = setTimeout(
        () => fail(`not ready after ${readyTimeoutMs / 1000} s${lastLine(tail)}`, `see ${logFile}`),
        readyTimeoutMs,
      );
      const poll = async () => {
        while (!settled) {
          const ok = await ready().catch(() => false);
          if (settled) return;
          if (ok) {
            settled = true;
            clearTimeout(timer);
            return resolve();
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    });

  const watch = () => {
    const current = child;
    current?.once("exit", (code, signal) => {
      if (stopping || current !== child) return;
      void recover(describeExit(code, signal));
    });
  };

  const recover = async (exit: string): Promise<void> => {
    if (stopping) return;
    const now = Date.now();
    failures.push(now);
    while (failures.length > 0 && (failures[0] as number) < now - restart.windowMs) failures.shift();
    log(`${part}: exited unexpectedly with ${exit}; last lines of its log:`);
    for (const line of tail.slice(-8)) log(`    ${line}`);
    if (failures.length > restart.maxRestarts) {
      state = "failed";
      onGiveUp(new PartFailedError(part, restarts, exit, [...tail]));
      return;
    }
    restarts += 1;
    const delay = restart.backoffMs(failures.length);
    state = "restarting";
    log(`${part}: restarting in ${(delay / 1000).toFixed(1)} s (restart ${restarts})`);
    await new Promise((r) => setTimeout(r, delay));
    if (stopping) return;
    try {
      await beforeLaunch?.(restarts);
      await launch();
      if (stopping) return;
      state = "running";
      log(`${part}: running again (pid ${child?.pid})`);
      watch();
    } catch (error) {
      return recover(error instanceof PartStartError ? error.message : String(error));
    }
  };

  try {
    await beforeLaunch?.(0);
    await launch();
  } catch (error) {
    await new Promise<void>((r) => logStream.end(r));
    throw error;
  }
  state = "running";
  watch();

  return {
    part,
    pid: () => child?.pid,
    state: () => state,
    restarts: () => restarts,
    logTail: () => [...tail],
    stop: async () => {
      stopping = true;
      if (child) await stopChild(child, stopSignal);
      // A part that failed stays "failed": that is the reason the stack stopped.
      if (state !== "failed") state = "stopped";
      await new Promise<void>((r) => logStream.end(r));
    },
  };
}

/** Sends `signal`, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function lastLine(tail: string[]): string {
  const last = tail.at(-1);
  return last ? ` (last log line: ${last.slice(0, 300)})` : "";
}
