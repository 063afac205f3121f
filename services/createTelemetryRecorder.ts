import type { Sql } from "postgres";
import type { Address } from "viem";

/** One invocation of a component, as the hub observed it (`caldera_hub.component_invocation`, one row). */
export type TelemetryEntry = {
  /** The component's on-chain id. */
  componentId: bigint;
  /** The hub component's name (`services/hubComponents.ts`), or `component-<id>` for an outside one. */
  component: string;
  /** When the invocation started; default: when it was recorded. */
  at?: Date;
  latencyMs: number;
  success: boolean;
  /** 0..1, only where ground truth exists (a backtest, held-out readings); otherwise null. */
  accuracy?: number | null;
  /** Rule compliance: proof verified / dataset within floors / rule satisfied / output valid. */
  compliant: boolean;
  /** What served it (a prover configuration, a model id and version, a logic hash). */
  configuration?: Record<string, unknown>;
  /** A stable key of `configuration`, so analysts group by it without comparing JSON. */
  configKey?: string;
  /** What it was asked to serve, e.g. `schema:soil-moisture`, `kind:PLANTING_PLAN`, `circuit:coreQuality`. */
  scenario?: string;
  /** The paying caller's address, for paid invocations. */
  caller?: Address;
  /** The typed error code of a failed invocation (a `BaseError` code). */
  errorCode?: string;
  /** The self-learning kernel's decision step and mode, when a kernel chose the configuration. */
  decisionStep?: number;
  decisionMode?: "explore" | "incumbent";
  /** Decisions the kernel had made before this observation arrived (replay order). */
  observedAfter?: number;
  /** The kernel run's id. */
  kernel?: string;
  /** The `ComponentInvoked` invocation id, for paid invocations. */
  onchainInvocationId?: bigint;
  /** Anything else worth keeping, e.g. `{ unknownChannels: ["pestIncidenceRate"], provider }`. */
  details?: Record<string, unknown>;
};

/** Counters since the recorder was created (the bench and the logs read them). */
export type TelemetryStats = {
  recorded: number;
  written: number;
  /** Rows dropped: the buffer was full (the database unreachable for long), or recorded after `close`. */
  dropped: number;
  /** INSERTs that failed (their rows went back to the buffer, within its cap). */
  failedWrites: number;
  buffered: number;
};

export type TelemetryRecorder = {
  /** Synchronous and O(1): pushes to a buffer; the request path never waits for the database. */
  record: (entry: TelemetryEntry) => void;
  /**
   * Writes what is buffered in multi-row INSERTs (also every `flushIntervalMs` and whenever `flushRows` are
   * buffered). Never throws: a failed write is logged and counted and its rows stay buffered (within the cap).
   */
  flush: () => Promise<void>;
  /** Stops the timer and flushes; later records are dropped (counted). */
  close: () => Promise<void>;
  stats: () => TelemetryStats;
};

export type CreateTelemetryRecorderParameters = {
  /** A pool without column transforms (the hub's own-tables pool). */
  sql: Sql;
  /** The hub's own schema (not ponder's). */
  schema?: string | undefined;
  /** Where a failed write is reported; default one line on stderr. */
  log?: { warn: (fields: object, message: string) => void } | undefined;
  /** Default 250 ms. */
  flushIntervalMs?: number | undefined;
  /** A flush starts (asynchronously) once this many rows are buffered; default 500. */
  flushRows?: number | undefined;
  /** The buffer's cap; beyond it the oldest rows are dropped; default 50,000. */
  maxBuffered?: number | undefined;
  /** Default true: create the table first (`createTelemetryTable`); false when the caller migrated it already. */
  migrate?: boolean | undefined;
};

/** The table name in `schema`. */
export const TELEMETRY_TABLE = "component_invocation";

/**
 * Creates `<schema>.component_invocation` and its indexes if missing (idempotent). Exported so other stores and
 * tests that read telemetry can create it without a recorder, and so migrations can run it under the hub's lock.
 */
export async function createTelemetryTable(sql: Sql, { schema = "caldera_hub" }: { schema?: string } = {}) {
  const table = sql(`${schema}.${TELEMETRY_TABLE}`);
  await sql`create schema if not exists ${sql(schema)}`;
  await sql`create table if not exists ${table} (
    id bigserial primary key,
    component_id numeric(78, 0) not null,
    component text not null,
    at timestamptz not null,
    latency_ms double precision not null check (latency_ms >= 0),
    success boolean not null,
    accuracy double precision check (accuracy between 0 and 1),
    compliant boolean not null,
    configuration jsonb not null default '{}',
    config_key text not null default '',
    scenario text not null default '',
    caller text check (caller ~ '^0x[0-9a-f]{40}$'),
    error_code text,
    decision_step int,
    decision_mode text check (decision_mode in ('explore', 'incumbent')),
    observed_after int,
    kernel text,
    onchain_invocation_id numeric(78, 0),
    details jsonb
  )`;
  await sql`create index if not exists component_invocation_newest
    on ${table} (component_id, at desc, id desc)`;
  await sql`create index if not exists component_invocation_scenario
    on ${table} (component_id, scenario, at)`;
  // What analysts may read (`caldera_analyst`, through stack/startStack's shareWithAnalysts): every figure, but not
  // the callers' addresses or the free-form details (a rejected dataset's provider, its unknown channels).
  await sql`create or replace view ${sql(`${schema}.${TELEMETRY_VIEW}`)} as
    select id, component_id, component, at, latency_ms, success, accuracy, compliant, configuration, config_key,
           scenario, error_code, decision_step, decision_mode, observed_after, kernel,
           onchain_invocation_id is not null as paid
    from ${table}`;
}

/** The analysts' view of the telemetry table (no callers, no details). */
export const TELEMETRY_VIEW = "component_telemetry";

const COLUMNS = [
  "component_id",
  "component",
  "at",
  "latency_ms",
  "success",
  "accuracy",
  "compliant",
  "configuration",
  "config_key",
  "scenario",
  "caller",
  "error_code",
  "decision_step",
  "decision_mode",
  "observed_after",
  "kernel",
  "onchain_invocation_id",
  "details",
] as const;

type Row = Record<(typeof COLUMNS)[number], string | number | boolean | Date | null>;

/** Postgres allows 65,535 parameters per statement: 18 columns × 2,000 rows stays well within. */
const ROWS_PER_INSERT = 2_000;

/**
 * Component telemetry, batched: `record` only pushes to an in-memory buffer, so metering costs a request
 * microseconds, and one multi-row INSERT writes the batch every 250 ms or 500 rows. The row is built at `record`
 * time (the entry may be mutated afterwards by its caller), numbers and JSON serialised once.
 */
export async function createTelemetryRecorder({
  sql,
  schema = "caldera_hub",
  log,
  flushIntervalMs = 250,
  flushRows = 500,
  maxBuffered = 50_000,
  migrate = true,
}: CreateTelemetryRecorderParameters): Promise<TelemetryRecorder> {
  if (migrate) await createTelemetryTable(sql, { schema });
  const table = sql(`${schema}.${TELEMETRY_TABLE}`);
  const warn = (fields: object, message: string) => {
    if (log !== undefined) log.warn(fields, message);
    else process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  };
  let buffer: Row[] = [];
  let closed = false;
  let flushing: Promise<void> | undefined;
  let flushQueued = false;
  const stats = { recorded: 0, written: 0, dropped: 0, failedWrites: 0 };

  const writeOnce = async () => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, ROWS_PER_INSERT);
      buffer = buffer.slice(batch.length);
      try {
        // postgres.js serialises jsonb parameters itself: the strings kept at record time go back to values.
        const values = batch.map((row) => ({
          ...row,
          configuration: JSON.parse(row.configuration as string),
          details: row.details === null ? null : JSON.parse(row.details as string),
        }));
        await sql`insert into ${table} ${sql(values, ...COLUMNS)}`;
        stats.written += batch.length;
      } catch (error) {
        stats.failedWrites += 1;
        // Back to the front, in order, so a retry keeps the replay order; the cap drops the oldest.
        buffer = batch.concat(buffer);
        const over = buffer.length - maxBuffered;
        if (over > 0) {
          buffer = buffer.slice(over);
          stats.dropped += over;
        }
        warn(
          {
            rows: batch.length,
            buffered: buffer.length,
            error: error instanceof Error ? error.message : String(error),
          },
          "component telemetry not written (kept buffered)",
        );
        return;
      }
    }
  };
  const flush = (): Promise<void> => {
    // One write at a time; a flush asked for during a write runs once after it.
    const run = (flushing ?? Promise.resolve()).then(writeOnce).finally(() => {
      if (flushing === run) flushing = undefined;
    });
    flushing = run;
    return run;
  };
  const timer = setInterval(() => {
    if (buffer.length > 0 && flushing === undefined) void flush();
  }, flushIntervalMs);
  // Telemetry never keeps a process alive.
  timer.unref();

  return {
    record: (entry) => {
      stats.recorded += 1;
      if (closed) {
        stats.dropped += 1;
        return;
      }
      buffer.push(toRow(entry));
      if (buffer.length > maxBuffered) {
        buffer.shift();
        stats.dropped += 1;
      }
      if (buffer.length >= flushRows && !flushQueued && flushing === undefined) {
        flushQueued = true;
        // Never on the request's own turn: the caller continues first.
        setImmediate(() => {
          flushQueued = false;
          void flush();
        });
      }
    },
    flush,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await flush();
    },
    stats: () => ({ ...stats, buffered: buffer.length }),
  };
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function toRow(entry: TelemetryEntry): Row {
  const accuracy = finiteOrNull(entry.accuracy);
  return {
    component_id: entry.componentId.toString(),
    component: entry.component,
    at: entry.at ?? new Date(),
    latency_ms: Math.max(0, finiteOrNull(entry.latencyMs) ?? 0),
    success: entry.success,
    accuracy: accuracy === null ? null : Math.min(1, Math.max(0, accuracy)),
    compliant: entry.compliant,
    configuration: JSON.stringify(entry.configuration ?? {}, jsonSafe),
    config_key: entry.configKey ?? "",
    scenario: entry.scenario ?? "",
    caller: entry.caller?.toLowerCase() ?? null,
    error_code: entry.errorCode ?? null,
    decision_step: entry.decisionStep ?? null,
    decision_mode: entry.decisionMode ?? null,
    observed_after: entry.observedAfter ?? null,
    kernel: entry.kernel ?? null,
    onchain_invocation_id: entry.onchainInvocationId?.toString() ?? null,
    details: entry.details === undefined ? null : JSON.stringify(entry.details, jsonSafe),
  };
}

/** bigint (ids, wei) as decimal strings: JSON has no bigint, and a throw here would lose the row. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
