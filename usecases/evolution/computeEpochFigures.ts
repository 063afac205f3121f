import { createHash } from "node:crypto";
import type { Sql } from "postgres";
import type { Hex } from "viem";
import { BaseError } from "../../errors/BaseError.js";
import { canonicalJson } from "../../models/canonicalJson.js";
import { median } from "../../models/median.js";
import { BadUserInputError } from "../errors.js";

/** int32 and int16 bounds of the EpochFigures fields the nodes sign. */
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const INT16_MAX = 2 ** 15 - 1;
/** uint64: the pool's epoch type. */
const UINT64_MAX = 2n ** 64n - 1n;

export type ComputeEpochFiguresParameters = {
  /** The component's on-chain id. */
  componentId: bigint | string;
  /** The epoch to settle: [genesis + epoch × epochLength, genesis + (epoch + 1) × epochLength). */
  epoch: number | bigint;
  /** EvolutionPool.genesis() and epochLength(), unix seconds. */
  genesis: bigint | number;
  epochLength: bigint | number;
  /** The hub's own schema (`caldera_hub`), where `component_invocation` lives. */
  schema?: string | undefined;
};

/** One telemetry window's figures: latency over successful invocations, rates over all of them. */
export type EpochWindowMetrics = {
  from: Date;
  to: Date;
  invocations: number;
  successes: number;
  /** p50 / p95 latency of the successful invocations (null: none succeeded). */
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  /** Mean accuracy of the invocations that have one (null: no ground truth in the window). */
  accuracy: number | null;
  /** Share of invocations that complied (null: no invocations). */
  complianceRate: number | null;
};

export type ComputeEpochFiguresReturnType = {
  componentId: bigint;
  epoch: number;
  /** (p50 before − p50 after) / p50 before in bps, floored (models/kernel/evolutionReport's arithmetic); 0 without a successful invocation in either window. */
  efficiencyImprovementBps: number;
  /** Distinct scenarios served successfully in the epoch and never before it. */
  scenarioRangeDelta: number;
  /** The new scenarios themselves, sorted. */
  newScenarios: string[];
  /** SHA-256 of canonical JSON `{ after, before }`, each the window's `{ latencyMs, scenario, success }` rows in (at, id) order. */
  evidenceHash: Hex;
  /** The previous epoch's window, and this epoch's. */
  before: EpochWindowMetrics;
  after: EpochWindowMetrics;
};

type WindowRow = {
  latency: number;
  success: boolean;
  scenario: string;
  accuracy: number | null;
  compliant: boolean;
};

/**
 * An evolution epoch's figures for one component, from the hub's telemetry alone (`caldera_hub.component_invocation`,
 * services/createTelemetryRecorder.ts) — what the staked nodes sign as `EpochFigures` and EvolutionPool settles on:
 *
 * - efficiency improvement: (p50 latency of the previous epoch's window − this epoch's) / the previous one, in bps,
 *   floored, on integer microseconds like models/kernel/evolutionReport (so every node gets the same integer);
 *   latency counts successful invocations only — a failure that returns fast serves nothing, and counting it would
 *   reward failing; 0 when either window has no successful invocation (nothing to compare);
 * - scenario range delta: distinct non-empty scenarios served successfully in this epoch that the component had never
 *   served successfully before the epoch began;
 * - evidence hash: SHA-256 of the canonical JSON `{ after: [...], before: [...] }` of both windows' per-invocation
 *   `{ latencyMs, scenario, success }` rows in (at, id) order — hashed while the rows stream from a cursor, byte for
 *   byte what `canonicalHash` of the whole object gives, so a busy component's epoch is never held in memory as JSON.
 *
 * NO_TELEMETRY when this epoch's window has no invocation at all. Rows whose latency is not a finite number are not
 * telemetry (the recorder never writes them) and are skipped.
 */
export async function computeEpochFigures(
  sql: Sql,
  { componentId, epoch, genesis, epochLength, schema = "caldera_hub" }: ComputeEpochFiguresParameters,
): Promise<ComputeEpochFiguresReturnType> {
  const component = parseUint(componentId, "component", 1n);
  const epochNumber = parseUint(epoch, "epoch", 0n, UINT64_MAX);
  const start = parseUint(genesis, "genesis", 0n);
  const length = parseUint(epochLength, "epochLength", 1n);
  const from = start + epochNumber * length;
  // Dates past 275,760 AD do not exist in JavaScript: such an epoch has no telemetry by construction.
  if (from + length > 8_640_000_000_000n)
    throw new BadUserInputError("epoch", `epoch ${epochNumber} starts past any recordable time`);
  const window = { from: dateOf(from), to: dateOf(from + length) };
  const previous = {
    from: dateOf(from >= length ? from - length : 0n),
    to: window.from,
  };
  const qualified = `${schema}.component_invocation`;
  const table = sql(qualified);
  const id = component.toString();

  const hash = createHash("sha256");
  hash.update('{"after":[');
  const after = await readWindow(sql, qualified, id, window, hash);
  if (after.length === 0)
    throw new BaseError(
      `Component ${component} has no telemetry in epoch ${epochNumber} (${window.from.toISOString()} – ${window.to.toISOString()}): there are no figures to attest`,
      {
        code: "NO_TELEMETRY",
        details: {
          componentId: id,
          epoch: Number(epochNumber),
          from: window.from.toISOString(),
          to: window.to.toISOString(),
        },
      },
    );
  hash.update('],"before":[');
  // Epoch 0 has no previous epoch: an empty window.
  const before = epochNumber === 0n ? [] : await readWindow(sql, qualified, id, previous, hash);
  hash.update("]}");

  const newScenarios = (
    await sql<{ scenario: string }[]>`
      select distinct t.scenario from ${table} t
      where t.component_id = ${id} and t.success and t.scenario <> ''
        and t.at >= ${window.from} and t.at < ${window.to}
        and not exists (
          select 1 from ${table} p
          where p.component_id = ${id} and p.scenario = t.scenario and p.success and p.at < ${window.from})
      order by t.scenario`
  ).map((r) => r.scenario);

  const beforeMetrics = metricsOf(before, previous);
  const afterMetrics = metricsOf(after, window);
  return {
    componentId: component,
    epoch: Number(epochNumber),
    efficiencyImprovementBps: improvementBps(beforeMetrics.p50LatencyMs, afterMetrics.p50LatencyMs),
    scenarioRangeDelta: Math.min(newScenarios.length, INT16_MAX),
    newScenarios,
    evidenceHash: `0x${hash.digest("hex")}`,
    before: beforeMetrics,
    after: afterMetrics,
  };
}

/** A window's rows in (at, id) order, each fed to the evidence hash as it streams; 1,000 rows per round trip. */
async function readWindow(
  sql: Sql,
  qualified: string,
  componentId: string,
  { from, to }: { from: Date; to: Date },
  hash: ReturnType<typeof createHash>,
): Promise<WindowRow[]> {
  const rows: WindowRow[] = [];
  const cursor = sql<WindowRow[]>`
    select latency_ms as latency, success, scenario, accuracy, compliant from ${sql(qualified)}
    where component_id = ${componentId} and at >= ${from} and at < ${to}
      and latency_ms >= 0 and latency_ms < 'Infinity'::float8
    order by at, id`.cursor(1000);
  for await (const batch of cursor)
    for (const row of batch) {
      hash.update(
        `${rows.length === 0 ? "" : ","}${canonicalJson({ latencyMs: row.latency, scenario: row.scenario, success: row.success })}`,
      );
      rows.push(row);
    }
  return rows;
}

function metricsOf(rows: readonly WindowRow[], { from, to }: { from: Date; to: Date }): EpochWindowMetrics {
  const latencies = rows.filter((r) => r.success).map((r) => r.latency);
  const accuracies = rows.flatMap((r) => (r.accuracy === null ? [] : [r.accuracy]));
  return {
    from,
    to,
    invocations: rows.length,
    successes: latencies.length,
    p50LatencyMs: latencies.length === 0 ? null : median(latencies),
    p95LatencyMs: latencies.length === 0 ? null : quantile(latencies, 0.95),
    accuracy: accuracies.length === 0 ? null : accuracies.reduce((s, a) => s + a, 0) / accuracies.length,
    complianceRate: rows.length === 0 ? null : rows.filter((r) => r.compliant).length / rows.length,
  };
}

/** Linear interpolation between closest ranks (the quantile at 0.5 is `median`'s). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  return a + ((sorted[high] as number) - a) * (position - low);
}

/** models/kernel/evolutionReport's arithmetic: integer microseconds, floored bps; clamped to int32. */
function improvementBps(before: number | null, after: number | null): number {
  if (before === null || after === null) return 0;
  const b = BigInt(Math.round(before * 1000));
  const a = BigInt(Math.round(after * 1000));
  if (b === 0n) return 0;
  const numerator = (b - a) * 10_000n;
  const q = numerator / b;
  const floored = numerator % b !== 0n && numerator < 0n ? q - 1n : q;
  return Math.max(INT32.min, Math.min(INT32.max, Number(floored)));
}

function dateOf(seconds: bigint): Date {
  return new Date(Number(seconds) * 1000);
}

function parseUint(value: unknown, field: string, least: bigint, most = 2n ** 256n - 1n): bigint {
  let parsed: bigint;
  try {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error();
    if (typeof value === "string" && !/^(0|[1-9][0-9]*)$/.test(value)) throw new Error();
    if (typeof value !== "number" && typeof value !== "string" && typeof value !== "bigint")
      throw new Error();
    parsed = BigInt(value);
  } catch {
    throw new BadUserInputError(field, `must be a decimal integer, got ${String(value)}`);
  }
  if (parsed < least || parsed > most)
    throw new BadUserInputError(field, `must be in [${least}, ${most}], got ${parsed}`);
  return parsed;
}
