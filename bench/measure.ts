/** Percentile of a sample (nearest-rank), in the sample's unit. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

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
