import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseError } from "../../errors/BaseError.js";
import { canonicalHash } from "../../models/canonicalJson.js";
import { createTelemetryRecorder, type TelemetryRecorder } from "../../services/createTelemetryRecorder.js";
import { startTestPostgres, type TestPostgres } from "../../test/support/startTestPostgres.js";
import { computeEpochFigures } from "./computeEpochFigures.js";

let pg: TestPostgres;
let sql: postgres.Sql;
let recorder: TelemetryRecorder;

const SCHEMA = "epoch_figures";
const GENESIS = 1_767_225_600n; // 2026-01-01T00:00:00Z
const WEEK = 604_800n;
const PROVER = 7n;
const at = (epoch: number, second: number) =>
  new Date((Number(GENESIS + BigInt(epoch) * WEEK) + second) * 1000);

type Row = {
  epoch: number;
  second: number;
  latencyMs: number;
  success: boolean;
  scenario?: string;
  accuracy?: number;
  compliant?: boolean;
};

function record(componentId: bigint, rows: Row[]) {
  for (const r of rows)
    recorder.record({
      componentId,
      component: "core-prover",
      at: at(r.epoch, r.second),
      latencyMs: r.latencyMs,
      success: r.success,
      compliant: r.compliant ?? r.success,
      accuracy: r.accuracy ?? null,
      ...(r.scenario === undefined ? {} : { scenario: r.scenario }),
    });
}

/** What the figures must commit to: `{ latencyMs, scenario, success }` per row, in time order. */
const evidence = (rows: Row[]) =>
  [...rows]
    .sort((a, b) => a.epoch - b.epoch || a.second - b.second)
    .map((r) => ({ latencyMs: r.latencyMs, scenario: r.scenario ?? "", success: r.success }));

const core = "circuit:coreQuality";
const epoch0: Row[] = [
  { epoch: 0, second: 10, latencyMs: 2800, success: true, scenario: core, accuracy: 1 },
  { epoch: 0, second: 20, latencyMs: 2900, success: true, scenario: core },
  { epoch: 0, second: 30, latencyMs: 2700, success: true, scenario: "schema:a" },
  // A fast failure: it serves nothing, so it must not make the epoch look faster.
  { epoch: 0, second: 40, latencyMs: 5, success: false, scenario: core },
];
const epoch1: Row[] = [
  { epoch: 1, second: 5, latencyMs: 1800, success: true, scenario: core, accuracy: 0.5 },
  { epoch: 1, second: 6, latencyMs: 1900.25, success: true, scenario: core },
  // Served before: not new.
  { epoch: 1, second: 7, latencyMs: 1850, success: true, scenario: "schema:a" },
  { epoch: 1, second: 8, latencyMs: 1700, success: true, scenario: "schema:b" },
  { epoch: 1, second: 9, latencyMs: 1750, success: true, scenario: "schema:c" },
  { epoch: 1, second: 9, latencyMs: 1760, success: true, scenario: "schema:c" },
  // Asked but never served: not in range.
  { epoch: 1, second: 11, latencyMs: 3, success: false, scenario: "schema:d", compliant: false },
  // The last second of the epoch is in it.
  { epoch: 1, second: Number(WEEK) - 1, latencyMs: 1650, success: true, scenario: "schema:e" },
];
// The next epoch's first second is not in epoch 1.
const epoch2: Row[] = [{ epoch: 2, second: 0, latencyMs: 1, success: true, scenario: "schema:f" }];

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 3, onnotice: () => {} });
  recorder = await createTelemetryRecorder({ sql, schema: SCHEMA, flushIntervalMs: 60_000 });
  record(PROVER, [...epoch0, ...epoch1, ...epoch2]);
  // Another component's rows never count.
  record(8n, [{ epoch: 1, second: 1, latencyMs: 1, success: true, scenario: "schema:z" }]);
  await recorder.flush();
}, 120_000);

afterAll(async () => {
  await recorder?.close();
  await sql?.end();
  await pg?.teardown();
});

const figures = (epoch: number, componentId = PROVER) =>
  computeEpochFigures(sql, { componentId, epoch, genesis: GENESIS, epochLength: WEEK, schema: SCHEMA });

describe("computeEpochFigures", () => {
  it("epoch over epoch: p50 of successful invocations, new scenarios, evidence hash of both windows", async () => {
    const f = await figures(1);
    expect(f.before).toMatchObject({
      invocations: 4,
      successes: 3,
      p50LatencyMs: 2800,
      accuracy: 1,
      complianceRate: 0.75,
    });
    expect(f.before.from).toEqual(at(0, 0));
    expect(f.after.from).toEqual(at(1, 0));
    expect(f.after.to).toEqual(at(2, 0));
    // Successful latencies of epoch 1, sorted: 1650 1700 1750 1760 1800 1850 1900.25 → median 1760.
    expect(f.after).toMatchObject({
      invocations: 8,
      successes: 7,
      p50LatencyMs: 1760,
      accuracy: 0.5,
      complianceRate: 7 / 8,
    });
    // p95 between the 6th and 7th of 7 ranks: 1850 + 0.7 × (1900.25 − 1850).
    expect(f.after.p95LatencyMs).toBeCloseTo(1850 + (1900.25 - 1850) * 0.7, 9);
    // (2800 − 1760) / 2800 = 0.3714… → 3714 bps, floored.
    expect(f.efficiencyImprovementBps).toBe(3714);
    expect(f.newScenarios).toEqual(["schema:b", "schema:c", "schema:e"]);
    expect(f.scenarioRangeDelta).toBe(3);
    expect(f.evidenceHash).toBe(canonicalHash({ after: evidence(epoch1), before: evidence(epoch0) }));
  });

  it("epoch 0 has no previous window: improvement 0, every scenario served is new", async () => {
    const f = await figures(0);
    expect(f.before.invocations).toBe(0);
    expect(f.before.p50LatencyMs).toBeNull();
    expect(f.efficiencyImprovementBps).toBe(0);
    expect(f.newScenarios).toEqual([core, "schema:a"]);
    expect(f.evidenceHash).toBe(canonicalHash({ after: evidence(epoch0), before: [] }));
  });

  it("a slower epoch is a negative improvement, floored", async () => {
    // Epoch 2 (one 1 ms row) after epoch 1 (p50 1760 ms): faster. Epoch 3 against epoch 2: slower.
    record(PROVER, [{ epoch: 3, second: 1, latencyMs: 3, success: true, scenario: core }]);
    await recorder.flush();
    expect((await figures(2)).efficiencyImprovementBps).toBe(Math.floor(((1760 - 1) * 10_000) / 1760));
    // (1 − 3) / 1 = −2 → −20,000 bps.
    expect((await figures(3)).efficiencyImprovementBps).toBe(-20_000);
  });

  it("NO_TELEMETRY for an epoch without invocations; BAD_USER_INPUT for a malformed epoch or component", async () => {
    const error = await figures(9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaseError);
    expect((error as BaseError).code).toBe("NO_TELEMETRY");
    expect((error as BaseError).details).toMatchObject({ componentId: "7", epoch: 9 });
    expect(((await figures(1, 99n).catch((e: unknown) => e)) as BaseError).code).toBe("NO_TELEMETRY");
    for (const bad of [-1, 1.5, 2 ** 64])
      expect(((await figures(bad).catch((e: unknown) => e)) as BaseError).code).toBe("BAD_USER_INPUT");
    expect(((await figures(1, 0n).catch((e: unknown) => e)) as BaseError).code).toBe("BAD_USER_INPUT");
  });

  it("streams a busy epoch: thousands of rows across cursor batches hash exactly as canonicalHash", async () => {
    const busy: Row[] = Array.from({ length: 2_345 }, (_, i) => ({
      epoch: 5,
      second: i,
      latencyMs: 100 + (i % 97) / 7,
      success: i % 13 !== 0,
      scenario: `schema:s${i % 4}`,
    }));
    record(PROVER, busy);
    await recorder.flush();
    const f = await figures(5);
    expect(f.after.invocations).toBe(busy.length);
    expect(f.before.invocations).toBe(0);
    expect(f.evidenceHash).toBe(canonicalHash({ after: evidence(busy), before: [] }));
  });
});
