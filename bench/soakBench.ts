import { readdir, readFile } from "node:fs/promises";
import { startTestStack, type TestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { NESTED_QUERY, seedCertificates } from "./loadBench.js";
import { openLoop, percentile, sleep } from "./measure.js";

/** 10 minutes unless CALDERA_SOAK_MINUTES says otherwise (a quick check: 2). */
const MINUTES = Number(process.env.CALDERA_SOAK_MINUTES ?? 10);
/** Steady, moderate: well under the rate the gateway sustains (see the stack/load rows). */
const RATE = Number(process.env.CALDERA_SOAK_RATE ?? 30);
/** Growth that a whole hour at the measured pace may add, as a share of the process's memory, and still pass. */
const MAX_GROWTH_PER_HOUR = 0.05;
const MB = 1024 * 1024;

/**
 * A soak: the nested query through the gateway at a steady open-loop rate for 10 minutes, with the memory of the
 * hub's processes sampled from /proc: the hub itself (gateway and subgraph run in the process that called
 * `startStack`, here the bench's), ponder, and Postgres (its postmaster and backends, summed as PSS so the shared
 * buffers count once). The trend is judged on the floor, not on every sample: a garbage-collected process's memory
 * is a saw tooth whose peaks depend on when the collector last ran, so the second half (the first is warm-up:
 * caches, JIT, connection pools, Postgres touching its buffers) is cut into windows of about a minute and the
 * least-squares slope is taken over each window's minimum — what the process holds just after a collection. A leak
 * raises that floor; garbage waiting for the next collection does not. A process passes when a whole hour at that
 * slope would add less than 5% of its memory (a leak that slow takes 20 h to grow by a fifth), or the slope is
 * within two standard errors of zero; a flat or falling floor passes. The slope over every sample is reported
 * beside it. Postgres is reported, not judged: its PSS grows with the pages of table data it caches. A short soak
 * (CALDERA_SOAK_MINUTES=2) has few windows and wide standard errors: it checks the bench, the 10-minute one judges.
 */
export const soakBench: BenchSuite = {
  name: "stack/soak",
  run: async () => {
    const stack = await startTestStack();
    try {
      await seedCertificates(stack);
      const seconds = MINUTES * 60;
      const sampler = sampleMemory(stack, Math.min(2_000, (seconds * 1000) / 60));
      const load = await openLoop({
        url: stack.gatewayUrl,
        body: { query: NESTED_QUERY },
        rate: RATE,
        seconds,
        timeoutMs: 2_000,
      }).finally(() => sampler.stop());
      const samples = await sampler.stop();
      const rows: BenchRow[] = [
        {
          row: `soak: ${MINUTES} min at ${RATE} req/s through the gateway (nested query), p50 / p99, errors`,
          target: "report",
          measured: `${percentile(load.latenciesMs, 50).toFixed(0)} / ${percentile(load.latenciesMs, 99).toFixed(0)} ms, ${load.errors}/${load.sent} errors`,
          met: null,
        },
      ];
      for (const part of ["hub", "ponder", "postgres"] as const) {
        const points = samples.map((s) => ({ minute: s.minute, bytes: s[part] }));
        const secondHalf = points.slice(Math.floor(points.length / 2));
        const floor = memoryTrend(floorPerWindow(secondHalf, 1));
        const all = memoryTrend(secondHalf);
        const judged = part !== "postgres";
        rows.push({
          row: `soak: ${part === "hub" ? "hub process (gateway + subgraph)" : part === "ponder" ? "ponder" : "Postgres (PSS)"} memory floor trend over the second half`,
          target: judged ? "no growth trend (< 5%/h, or within 2 SE of 0)" : "report",
          measured: `${signed(floor.slopeMbPerMinute)} ± ${floor.standardErrorMbPerMinute.toFixed(2)} MB/min (≈ ${(floor.growthPerHour * 100).toFixed(1)}%/h of ${(floor.meanBytes / MB).toFixed(0)} MB; every sample: ${signed(all.slopeMbPerMinute)} ± ${all.standardErrorMbPerMinute.toFixed(2)}; ${((points[0]?.bytes ?? 0) / MB).toFixed(0)} → ${((points.at(-1)?.bytes ?? 0) / MB).toFixed(0)} MB over the run, ${samples.length} samples)`,
          met: judged ? floor.growthPerHour < MAX_GROWTH_PER_HOUR || floor.withinNoise : null,
        });
      }
      return rows;
    } finally {
      await stack.teardown();
    }
  },
};

type MemorySample = { minute: number; hub: number; ponder: number; postgres: number };

const signed = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;

/** The lowest sample in each window of `minutes`, placed at the window's middle: the memory left after collections. */
export function floorPerWindow(
  points: { minute: number; bytes: number }[],
  minutes: number,
): { minute: number; bytes: number }[] {
  const windows = new Map<number, number>();
  for (const p of points) {
    const window = Math.floor(p.minute / minutes);
    windows.set(window, Math.min(windows.get(window) ?? Number.POSITIVE_INFINITY, p.bytes));
  }
  return [...windows].map(([window, bytes]) => ({ minute: (window + 0.5) * minutes, bytes }));
}

/** Least-squares slope of memory over time, with its standard error. */
export function memoryTrend(points: { minute: number; bytes: number }[]) {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.minute, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.bytes, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.minute - meanX) * (p.bytes - meanY);
    variance += (p.minute - meanX) ** 2;
  }
  const slope = variance === 0 ? 0 : covariance / variance; // bytes per minute
  // Standard error of the slope: how much a garbage collector's saw tooth alone moves it.
  const residuals = points.reduce((sum, p) => sum + (p.bytes - meanY - slope * (p.minute - meanX)) ** 2, 0);
  const standardError =
    n > 2 && variance > 0 ? Math.sqrt(residuals / (n - 2) / variance) : Number.POSITIVE_INFINITY;
  return {
    slopeMbPerMinute: slope / MB,
    standardErrorMbPerMinute: standardError / MB,
    /** Indistinguishable from no trend: within two standard errors of zero (~95%). */
    withinNoise: Math.abs(slope) <= 2 * standardError,
    growthPerHour: (slope * 60) / meanY,
    meanBytes: meanY,
  };
}

/** Samples every `intervalMs` until stopped; reading /proc is asynchronous so sampling does not stall the hub. */
function sampleMemory(stack: TestStack, intervalMs: number) {
  const samples: MemorySample[] = [];
  const started = performance.now();
  const pidOf = (part: string) => stack.parts().find((p) => p.part === part)?.pid;
  let running = true;
  const loop = (async () => {
    while (running) {
      const processes = await listProcesses();
      const postgresPid = pidOf("postgres");
      const ponderPid = pidOf("indexer");
      const [hub, ponder, postgres] = await Promise.all([
        memoryOf([process.pid], "Rss"),
        memoryOf(ponderPid === undefined ? [] : treeOf(ponderPid, processes), "Rss"),
        memoryOf(postgresPid === undefined ? [] : treeOf(postgresPid, processes), "Pss"),
      ]);
      samples.push({ minute: (performance.now() - started) / 60_000, hub, ponder, postgres });
      await sleep(intervalMs);
    }
  })();
  let stopped: Promise<MemorySample[]> | undefined;
  return {
    stop: () => {
      running = false;
      stopped ??= loop.then(() => samples);
      return stopped;
    },
  };
}

async function listProcesses(): Promise<{ pid: number; ppid: number }[]> {
  const names = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(
    names.map((name) => readFile(`/proc/${name}/stat`, "utf8").catch(() => "")),
  );
  return stats
    .filter((stat) => stat !== "")
    .map((stat) => {
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { pid: Number(stat.slice(0, stat.indexOf(" "))), ppid: Number(fields[1]) };
    });
}

function treeOf(root: number, processes: { pid: number; ppid: number }[]): number[] {
  const members = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes)
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.add(p.pid);
        grew = true;
      }
  }
  return [...members];
}

/** Sum of `Rss` or `Pss` (bytes) of the processes, from /proc/<pid>/smaps_rollup. */
async function memoryOf(pids: number[], field: "Rss" | "Pss"): Promise<number> {
  const pattern = new RegExp(`^${field}:\\s+(\\d+) kB`, "m");
  const sizes = await Promise.all(
    pids.map(async (pid) => {
      const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
      return Number(pattern.exec(rollup)?.[1] ?? 0) * 1024;
    }),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}
