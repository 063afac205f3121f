/** One row of `npm run bench`: what was measured, against which target, and whether it met it. */
export type BenchRow = {
  row: string;
  target: string;
  measured: string;
  /** `null` when the target is "report" (no pass/fail). */
  met: boolean | null;
};

/** Each bench module exports a `BenchSuite`; `bench/main.ts` runs them all in one process and prints one table. */
export type BenchSuite = {
  name: string;
  run: () => Promise<BenchRow[]>;
};
