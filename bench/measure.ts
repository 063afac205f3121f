import { percentile } from "../models/percentile.js";

export { percentile };

/** Runs `task` `count` times with at most `concurrency` in flight; returns completed tasks per second. */
export async function throughput(
  count: number,
  concurrency: number,
  task: () => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await task();
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Median wall time (ms) of `runs` synchronous calls. */
export function medianMs(runs: number, task: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    task();
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type OpenLoopParameters = {
  url: string;
  /** The JSON body of every request (a GraphQL request). */
  body: unknown;
  /** Requests started per second, on a fixed schedule whatever the answers do (open loop). */
  rate: number;
  seconds: number;
  /** A request not answered by then counts as an error. */
  timeoutMs: number;
};

export type OpenLoopReturnType = {
  sent: number;
  /** Non-200, a GraphQL `errors` entry, a network error or a time-out. */
  errors: number;
  /** Of the successful requests, from their scheduled start (so a late start counts against the server). */
  latenciesMs: number[];
  /** How many failures of each kind (HTTP status, GraphQL error code, time-out, network error). */
  errorKinds: Record<string, number>;
};

/**
 * Open-loop load: request i is due at start + i / rate, whether or not earlier ones were answered, as real clients
 * arrive; a closed loop (n workers, each waiting for its answer) would slow down with the server and hide its
 * queueing. The driver runs in a child process with its own event loop and CPU time, so the hub (in the bench's
 * process) shares neither with its load. Bounded: it stops after `seconds` plus one time-out.
 */
export async function openLoop(parameters: OpenLoopParameters): Promise<OpenLoopReturnType> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["--input-type=module", "-e", OPEN_LOOP_DRIVER], {
    env: { ...process.env, OPEN_LOOP: JSON.stringify(parameters) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const limit = setTimeout(
    () => child.kill("SIGKILL"),
    (parameters.seconds + 30) * 1000 + parameters.timeoutMs,
  );
  try {
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`the load driver exited with ${code}`);
    return JSON.parse(output) as OpenLoopReturnType;
  } finally {
    clearTimeout(limit);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** The child's code: plain ES module JavaScript (no tsx loader needed), Node's fetch. */
const OPEN_LOOP_DRIVER = `
const { url, body, rate, seconds, timeoutMs } = JSON.parse(process.env.OPEN_LOOP);
const payload = JSON.stringify(body);
const total = Math.round(rate * seconds);
const latenciesMs = [];
const errorKinds = {};
let errors = 0;
const fail = (kind) => { errors += 1; errorKinds[kind] = (errorKinds[kind] ?? 0) + 1; };
const send = async (due) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) return fail("HTTP " + response.status);
    const parsed = JSON.parse(text);
    if (parsed.errors?.length) return fail(parsed.errors[0]?.extensions?.code ?? "GraphQL error");
    latenciesMs.push(performance.now() - due);
  } catch (error) {
    fail(error?.name === "TimeoutError" ? "time-out" : (error?.cause?.code ?? error?.name ?? "error"));
  }
};
const started = performance.now();
const inFlight = [];
let next = 0;
while (next < total) {
  const now = performance.now();
  while (next < total && started + (next * 1000) / rate <= now) {
    inFlight.push(send(started + (next * 1000) / rate));
    next += 1;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await Promise.all(inFlight);
process.stdout.write(JSON.stringify({ sent: total, errors, latenciesMs, errorKinds }));
`;
