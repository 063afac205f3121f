import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelemetryRecorder, type TelemetryRecorder } from "../../services/createTelemetryRecorder.js";
import { startTestPostgres, type TestPostgres } from "../../test/support/startTestPostgres.js";
import {
  detectSchemaExtensions,
  SCHEMA_EXTENSION_MIN_CARRYING,
  SCHEMA_EXTENSION_MIN_PROVIDERS,
  SCHEMA_EXTENSION_MIN_SHARE,
  SCHEMA_EXTENSION_WINDOW,
} from "./detectSchemaExtensions.js";

let pg: TestPostgres;
let sql: postgres.Sql;
let telemetry: TelemetryRecorder;
let clock = Date.parse("2026-11-01T00:00:00Z");

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  telemetry = await createTelemetryRecorder({ sql, flushIntervalMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await telemetry?.close();
  await sql?.end();
  await pg?.teardown();
});

/** One validator invocation: accepted, or refused with the channels its readings carried that the schema lacks. */
function submit(schema: string, provider: string, unknown: Record<string, number> = {}) {
  clock += 1_000;
  const names = Object.keys(unknown).sort();
  telemetry.record({
    componentId: 3n,
    component: "agricultural-validator",
    at: new Date(clock),
    latencyMs: 1,
    success: names.length === 0,
    compliant: names.length === 0,
    // As certifyCore meters it: the named schema in the configuration; a refusal under the extension it asks for.
    configuration: { schema, domain: "AGRICULTURAL" },
    scenario: names.length === 0 ? `schema:${schema}` : `schema:${schema}-${names.join("-").toLowerCase()}`,
    ...(names.length === 0
      ? {}
      : {
          errorCode: "INVALID_DATASET",
          details: {
            provider,
            unknownChannels: names,
            unknownChannelStats: Object.fromEntries(
              names.map((n) => [n, { decimals: unknown[n], maxAbs: 0.5 }]),
            ),
          },
        }),
  });
}

const detect = async () => {
  await telemetry.flush();
  return detectSchemaExtensions({ sql });
};

describe("detectSchemaExtensions", () => {
  it("has the design's thresholds", () => {
    expect([
      SCHEMA_EXTENSION_WINDOW,
      SCHEMA_EXTENSION_MIN_CARRYING,
      SCHEMA_EXTENSION_MIN_PROVIDERS,
      SCHEMA_EXTENSION_MIN_SHARE,
    ]).toEqual([50, 5, 2, 0.6]);
  });

  it("needs 5 carrying submissions, from 2 providers, 60% of the last 50 naming the schema", async () => {
    expect(await detect()).toEqual([]);
    // Four carrying, two providers: one short.
    for (const provider of [ALICE, BOB, ALICE, BOB])
      submit("soil-moisture", provider, { pestIncidenceRate: 2 });
    expect(await detect()).toEqual([]);
    // Five, but all from one provider on another schema: one provider is not consistent.
    for (let i = 0; i < 5; i += 1) submit("agri-market-price", ALICE, { pestIncidenceRate: 2 });
    expect(await detect()).toEqual([]);
    // The fifth from two providers: 5 of 5.
    submit("soil-moisture", ALICE, { pestIncidenceRate: 3 });
    const [candidate, ...more] = await detect();
    expect(more).toEqual([]);
    expect(candidate).toMatchObject({
      baseSchemaId: "soil-moisture",
      channel: "pestIncidenceRate",
      windowSize: 5,
      carrying: 5,
      providers: [ALICE.toLowerCase(), BOB.toLowerCase()].sort(),
      share: 1,
    });
    expect(candidate?.observations.map((o) => o.decimals).sort()).toEqual([2, 2, 2, 2, 3]);
    expect(candidate?.carryingAt).toHaveLength(5);
  });

  it("drops below 60% as plain submissions arrive, and forgets what slid out of the window", async () => {
    // 5 carrying of 9 (56%).
    for (let i = 0; i < 4; i += 1) submit("soil-moisture", BOB);
    expect(await detect()).toEqual([]);
    // 50 plain ones: the window holds no carrying submission at all.
    for (let i = 0; i < 50; i += 1) submit("soil-moisture", ALICE);
    expect(await detect()).toEqual([]);
    // 30 carrying of the last 50 (60%), from two providers: consistent again; the window is the newest 50.
    for (let i = 0; i < 30; i += 1) submit("soil-moisture", i % 2 ? ALICE : BOB, { pestIncidenceRate: 2 });
    expect(await detect()).toEqual([
      expect.objectContaining({ baseSchemaId: "soil-moisture", windowSize: 50, carrying: 30, share: 0.6 }),
    ]);
  });
});
