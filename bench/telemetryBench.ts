import postgres from "postgres";
import { createTelemetryRecorder, type TelemetryEntry } from "../services/createTelemetryRecorder.js";
import { startTestPostgres } from "../test/support/startTestPostgres.js";
import type { BenchSuite } from "./BenchRow.js";
import { percentile } from "./measure.js";

const INVOCATIONS = 20_000;
const BURST = 50;
const BULK_ROWS = 50_000;

/** A request path's entry: what the tuned prover records per proof (configuration, decision), ids as bigints. */
function entryOf(i: number): TelemetryEntry {
  return {
    componentId: 1n,
    component: "core-prover",
    latencyMs: 1_800 + (i % 97),
    success: true,
    accuracy: null,
    compliant: true,
    configuration: { host: i % 2 === 0 ? "process" : "thread", witness: "reused" },
    configKey: i % 2 === 0 ? "process/reused" : "thread/reused",
    scenario: "circuit:coreQuality",
    decisionStep: i,
    decisionMode: i % 5 === 0 ? "explore" : "incumbent",
    observedAfter: i,
    kernel: "bench",
  };
}

/**
 * Telemetry write cost per invocation: `record()` timed call by call on the request path (bursts of 50 with the
 * event loop turning between them, so the recorder's own 250 ms / 500-row flushes run concurrently, as under
 * load), against a real embedded Postgres; then the flush throughput of a 50,000-row backlog (multi-row INSERTs).
 */
export const telemetryBench: BenchSuite = {
  name: "evolution/telemetry",
  run: async () => {
    const pg = await startTestPostgres();
    const sql = postgres(pg.url, { max: 4, onnotice: () => {} });
    try {
      const recorder = await createTelemetryRecorder({ sql, schema: "bench_telemetry" });
      // Warm-up (JIT, the prepared INSERT).
      for (let i = 0; i < 2_000; i++) recorder.record(entryOf(i));
      await recorder.flush();
      const micros: number[] = [];
      for (let i = 0; i < INVOCATIONS; i++) {
        const entry = entryOf(i);
        const started = process.hrtime.bigint();
        recorder.record(entry);
        micros.push(Number(process.hrtime.bigint() - started) / 1_000);
        if (i % BURST === BURST - 1) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await recorder.close();
      const p50 = percentile(micros, 50);
      const p99 = percentile(micros, 99);

      const bulk = await createTelemetryRecorder({
        sql,
        schema: "bench_telemetry",
        migrate: false,
        flushIntervalMs: 3_600_000,
        flushRows: Number.MAX_SAFE_INTEGER,
        maxBuffered: BULK_ROWS,
      });
      for (let i = 0; i < BULK_ROWS; i++) bulk.record(entryOf(i));
      const started = performance.now();
      await bulk.flush();
      const seconds = (performance.now() - started) / 1_000;
      const { written, failedWrites } = bulk.stats();
      await bulk.close();
      const [row] = await sql<
        { n: number }[]
      >`select count(*)::int as n from bench_telemetry.component_invocation`;
      return [
        {
          row: "telemetry write cost per invocation (record() on the request path)",
          target: "p99 ≤ 1 ms",
          measured: `p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs (${INVOCATIONS} records, flushing concurrently)`,
          met: p99 <= 1_000,
        },
        {
          row: "telemetry rows flushed per second (multi-row INSERT)",
          target: "report",
          measured: `${Math.round(written / seconds).toLocaleString("en")} rows/s (${written} rows in ${seconds.toFixed(2)} s, ${failedWrites} failed writes; ${row?.n} rows in table)`,
          met: null,
        },
      ];
    } finally {
      await sql.end();
      await pg.teardown();
    }
  },
};
