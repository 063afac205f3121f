import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BaseError } from "../../errors/BaseError.js";
import { createTelemetryRecorder } from "../../services/createTelemetryRecorder.js";
import { startTestPostgres, type TestPostgres } from "../../test/support/startTestPostgres.js";
import { adaptationCycles } from "./adaptationCycles.js";

let pg: TestPostgres;
let sql: postgres.Sql;
const SCHEMA = "adaptation";
const T0 = Date.parse("2026-11-01T00:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  const recorder = await createTelemetryRecorder({ sql, schema: SCHEMA, flushIntervalMs: 60_000 });
  const rows: [bigint, number, string, boolean][] = [
    // Served at once.
    [5n, 0, "schema:soil-moisture", true],
    [5n, 10, "schema:soil-moisture", true],
    // Refused twice (an unknown channel), served 3,600.9 s after the first request once the schema was extended.
    [5n, 100, "schema:soil-moisture+pest", false],
    [5n, 200, "schema:soil-moisture+pest", false],
    [5n, 3700.9, "schema:soil-moisture+pest", true],
    [5n, 3800, "schema:soil-moisture+pest", true],
    // Asked, never served.
    [5n, 5000, "schema:vibration", false],
    // No scenario: not an adaptation.
    [5n, 6000, "", true],
    // Another component.
    [6n, 50, "schema:soil-moisture", false],
  ];
  for (const [componentId, seconds, scenario, success] of rows)
    recorder.record({
      componentId,
      component: "agricultural-validator",
      at: at(seconds),
      latencyMs: 4,
      success,
      compliant: success,
      scenario,
    });
  await recorder.close();
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

describe("adaptationCycles", () => {
  it("per scenario: first request → first success, in first-request order", async () => {
    expect(await adaptationCycles(sql, 5n, { schema: SCHEMA })).toEqual([
      { scenario: "schema:soil-moisture", firstRequestAt: at(0), firstServedAt: at(0), cycleSeconds: 0 },
      {
        scenario: "schema:soil-moisture+pest",
        firstRequestAt: at(100),
        firstServedAt: at(3700.9),
        cycleSeconds: 3600,
      },
      { scenario: "schema:vibration", firstRequestAt: at(5000), firstServedAt: null, cycleSeconds: null },
    ]);
    expect(await adaptationCycles(sql, "6", { schema: SCHEMA })).toEqual([
      { scenario: "schema:soil-moisture", firstRequestAt: at(50), firstServedAt: null, cycleSeconds: null },
    ]);
    expect(await adaptationCycles(sql, 77n, { schema: SCHEMA })).toEqual([]);
  });

  it("keeps the most recently requested scenarios under a limit", async () => {
    const recent = await adaptationCycles(sql, 5n, { schema: SCHEMA, limit: 2 });
    expect(recent.map((c) => c.scenario)).toEqual(["schema:soil-moisture+pest", "schema:vibration"]);
  });

  it("refuses a malformed component id", async () => {
    for (const bad of ["0", "-1", "x"]) {
      const error = await adaptationCycles(sql, bad, { schema: SCHEMA }).catch((e: unknown) => e);
      expect((error as BaseError).code).toBe("BAD_USER_INPUT");
    }
  });
});
