import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { createTelemetryRecorder, createTelemetryTable } from "./createTelemetryRecorder.js";

let pg: TestPostgres;
let sql: postgres.Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 3, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

const caller = "0xAbCdEf0000000000000000000000000000000001" as const;

describe("createTelemetryRecorder", () => {
  it("buffers records and writes them in one flush, every column as given", async () => {
    const recorder = await createTelemetryRecorder({ sql, schema: "t_columns", flushIntervalMs: 60_000 });
    const at = new Date("2026-11-20T10:00:00.000Z");
    recorder.record({
      componentId: 3n,
      component: "planting-model",
      at,
      latencyMs: 12.5,
      success: true,
      accuracy: 0.875,
      compliant: true,
      configuration: { model: "planting", version: "0x01", budget: 10n ** 30n },
      configKey: "planting@0x01",
      scenario: "kind:PLANTING_PLAN",
      caller,
      decisionStep: 4,
      decisionMode: "explore",
      observedAfter: 3,
      kernel: "k-1",
      onchainInvocationId: 2n ** 100n,
      details: { note: "x" },
    });
    recorder.record({
      componentId: 5n,
      component: "agricultural-validator",
      latencyMs: 1,
      success: false,
      compliant: false,
      errorCode: "INVALID_DATASET",
      scenario: "schema:soil-moisture",
      details: { unknownChannels: ["pestIncidenceRate"], provider: caller },
    });
    expect(recorder.stats()).toMatchObject({ recorded: 2, buffered: 2, written: 0 });
    // Nothing reached the database yet: the request path only pushed to the buffer.
    expect((await sql`select count(*)::int as n from t_columns.component_invocation`)[0]?.n).toBe(0);
    await recorder.flush();
    expect(recorder.stats()).toMatchObject({ recorded: 2, buffered: 0, written: 2, failedWrites: 0 });
    const rows = await sql`select component_id::text, component, at, latency_ms, success, accuracy, compliant,
        configuration, config_key, scenario, caller, error_code, decision_step, decision_mode, observed_after,
        kernel, onchain_invocation_id::text, details
      from t_columns.component_invocation order by id`;
    expect(rows[0]).toEqual({
      component_id: "3",
      component: "planting-model",
      at,
      latency_ms: 12.5,
      success: true,
      accuracy: 0.875,
      compliant: true,
      configuration: { model: "planting", version: "0x01", budget: (10n ** 30n).toString() },
      config_key: "planting@0x01",
      scenario: "kind:PLANTING_PLAN",
      caller: caller.toLowerCase(),
      error_code: null,
      decision_step: 4,
      decision_mode: "explore",
      observed_after: 3,
      kernel: "k-1",
      onchain_invocation_id: (2n ** 100n).toString(),
      details: { note: "x" },
    });
    expect(rows[1]).toMatchObject({
      component_id: "5",
      accuracy: null,
      success: false,
      compliant: false,
      error_code: "INVALID_DATASET",
      configuration: {},
      caller: null,
      details: { unknownChannels: ["pestIncidenceRate"], provider: caller },
    });
    expect(rows[1]?.at).toBeInstanceOf(Date);
    await recorder.close();
  });

  it("flushes by itself on the interval and once flushRows are buffered", async () => {
    const onTimer = await createTelemetryRecorder({ sql, schema: "t_timer", flushIntervalMs: 20 });
    onTimer.record({
      componentId: 1n,
      component: "core-prover",
      latencyMs: 2,
      success: true,
      compliant: true,
    });
    await expect
      .poll(async () => (await sql`select count(*)::int as n from t_timer.component_invocation`)[0]?.n, {
        timeout: 10_000,
      })
      .toBe(1);
    await onTimer.close();

    const onSize = await createTelemetryRecorder({
      sql,
      schema: "t_size",
      flushIntervalMs: 600_000,
      flushRows: 100,
    });
    for (let i = 0; i < 250; i++)
      onSize.record({
        componentId: 2n,
        component: "binding-prover",
        latencyMs: i,
        success: true,
        compliant: true,
      });
    await expect
      .poll(async () => (await sql`select count(*)::int as n from t_size.component_invocation`)[0]?.n, {
        timeout: 10_000,
      })
      .toBe(250);
    // One INSERT per batch, not per row, and in the order recorded.
    const order = await sql`select latency_ms from t_size.component_invocation order by id`;
    expect(order.map((r) => r.latency_ms)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    await onSize.close();
  });

  it("a failed write never throws: logged, counted, rows kept (capped) and written once the table is back", async () => {
    const warnings: string[] = [];
    const recorder = await createTelemetryRecorder({
      sql,
      schema: "t_fail",
      flushIntervalMs: 600_000,
      maxBuffered: 3,
      log: { warn: (_fields, message) => warnings.push(message) },
    });
    await sql`alter table t_fail.component_invocation rename to component_invocation_away`;
    for (let i = 0; i < 5; i++)
      recorder.record({ componentId: 1n, component: "c", latencyMs: i, success: true, compliant: true });
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(recorder.stats()).toMatchObject({
      recorded: 5,
      written: 0,
      failedWrites: 1,
      buffered: 3,
      dropped: 2,
    });
    expect(warnings).toEqual(["component telemetry not written (kept buffered)"]);
    await sql`alter table t_fail.component_invocation_away rename to component_invocation`;
    await recorder.close();
    const rows = await sql`select latency_ms from t_fail.component_invocation order by id`;
    // The newest three survived the cap, in order.
    expect(rows.map((r) => r.latency_ms)).toEqual([2, 3, 4]);
    recorder.record({ componentId: 1n, component: "c", latencyMs: 9, success: true, compliant: true });
    expect(recorder.stats()).toMatchObject({ dropped: 3, buffered: 0 });
  });

  it("createTelemetryTable is idempotent and refuses out-of-range values", async () => {
    await createTelemetryTable(sql, { schema: "t_ddl" });
    await createTelemetryTable(sql, { schema: "t_ddl" });
    await expect(
      sql`insert into t_ddl.component_invocation (component_id, component, at, latency_ms, success, compliant, accuracy)
        values (1, 'c', now(), 1, true, true, 1.5)`,
    ).rejects.toThrow(/check constraint/);
    const indexes = await sql`select indexname from pg_indexes where schemaname = 't_ddl' order by indexname`;
    expect(indexes.map((r) => r.indexname)).toEqual([
      "component_invocation_newest",
      "component_invocation_pkey",
      "component_invocation_scenario",
    ]);
  });
});
