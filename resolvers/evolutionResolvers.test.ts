import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { graphql as execute, parse } from "graphql";
import postgres, { type PendingQuery, type Row, type Sql } from "postgres";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchTables } from "../test/support/createScratchTables.js";
import {
  EVOLUTION_BASE_TIME,
  evolutionNode,
  evolutionProvider,
  seedEvolutionRows,
} from "../test/support/seedEvolutionRows.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { createLoaders } from "./createLoaders.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * The capability evolution reads through the subgraph's own schema, resolvers and loaders over real Postgres: the
 * indexer's tables as ponder declares them and the hub's telemetry table as services/createTelemetryRecorder.ts
 * creates it, rows generated in bulk (test/support/seedEvolutionRows.ts) plus hand-made ones where a figure is
 * checked: keyset walks of every list (compared with the same selection in plain SQL), batched per-component
 * lists, bounded counts, metrics bucketed from known rows, the adaptation cycle, the pool's epoch.
 */
const SCHEMA = "evolution_test";
const HUB = "caldera_hub";
const COMPONENTS = 30;
const REPORTS = 250;
const ABSORPTIONS = 60;
const SETTLEMENTS = 150;
const INVOCATIONS = 3_000;
const ERA = 10n ** 18n;

let pg: TestPostgres;
let sql: Sql;
const schema = createSubgraphSchema();

async function run(source: string, variables: Record<string, unknown> = {}) {
  const context = { loaders: createLoaders(sql, SCHEMA), caller: {} } as unknown as SubgraphContext;
  return execute({ schema, source, variableValues: variables, contextValue: context });
}

async function query<T>(source: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await run(source, variables);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

type Page<N = { id: string }> = {
  totalCount: number;
  totalCountIsExact: boolean;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: N }[];
};

async function walk<N>(page: (after: string | null) => Promise<Page<N>>): Promise<N[]> {
  const nodes: N[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const { edges, pageInfo } = await page(after);
    nodes.push(...edges.map((edge) => edge.node));
    if (!pageInfo.hasNextPage) return nodes;
    after = pageInfo.endCursor;
  }
  throw new Error("no last page");
}

const ids = async (statement: PendingQuery<Row[]>) => (await statement).map((row) => String(row.id));
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
const telemetry = () => sql(`${HUB}.component_invocation`);

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { transform: postgres.camel, onnotice: () => {}, max: 4 });
  await createScratchTables(sql, SCHEMA);
  await seedEvolutionRows(sql, SCHEMA, {
    components: COMPONENTS,
    reports: REPORTS,
    absorptions: ABSORPTIONS,
    settlements: SETTLEMENTS,
    invocations: INVOCATIONS,
  });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

describe("components", () => {
  const COMPONENTS_QUERY = `query($f: ComponentFilter, $n: Int, $after: String) {
    components(filter: $f, first: $n, after: $after) { totalCount totalCountIsExact
      pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`;

  it("every combination of filters: each match once, newest first; totalCount exact", async () => {
    const table = sql(`${SCHEMA}.component`);
    const cases = [
      [{}, sql``],
      [{ kind: "DATA" }, sql`and kind = 2`],
      [{ provider: evolutionProvider(3) }, sql`and provider = ${evolutionProvider(3)}`],
      [
        { kind: "SERVICE", provider: evolutionProvider(5) },
        sql`and kind = 4 and provider = ${evolutionProvider(5)}`,
      ],
    ] as const;
    for (const [filter, where] of cases) {
      const expected = await ids(sql`select id from ${table} where true ${where} order by id desc`);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      const served = await walk(
        async (after) =>
          (await query<{ components: Page }>(COMPONENTS_QUERY, { f: filter, n: 4, after })).components,
      );
      expect(
        served.map((node) => node.id),
        JSON.stringify(filter),
      ).toEqual(expected);
      const { components } = await query<{ components: Page }>(COMPONENTS_QUERY, { f: filter, n: 0 });
      expect([components.totalCount, components.totalCountIsExact]).toEqual([expected.length, true]);
    }
  });

  it("a component's fields; unknown ids are null; a foreign cursor or a page over 100 is BAD_USER_INPUT", async () => {
    const { component, none, zero } = await query<{
      component: Record<string, unknown>;
      none: null;
      zero: null;
    }>(`{ component(id: "7") { id name kind provider { address } pledge price logicHash version registeredAt }
      none: component(id: "9999") { id } zero: component(id: "nope") { id } }`);
    expect(component).toMatchObject({
      id: "7",
      name: "component-7",
      kind: "SERVICE",
      provider: { address: getAddress(evolutionProvider(1)) },
      pledge: String(1_000n * ERA),
      price: String(7n * ERA),
      version: 1,
      registeredAt: iso(EVOLUTION_BASE_TIME + 84),
    });
    expect([none, zero]).toEqual([null, null]);
    for (const variables of [{ after: Buffer.from("absorption:5").toString("base64url") }, { n: 101 }]) {
      const result = await run(COMPONENTS_QUERY, variables);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe("BAD_USER_INPUT");
    }
  });

  it("Provider.components: several providers in one request, each its own by id", async () => {
    const { a, b } = await query<{
      a: { components: { id: string }[] };
      b: { components: { id: string }[] };
    }>(`{
      a: provider(address: "${evolutionProvider(2)}") { components { id } }
      b: provider(address: "${evolutionProvider(9)}") { components { id } } }`);
    // Component i belongs to provider i mod 7 + 1: provider 2 has 1, 8, 15, 22, 29.
    expect(a.components.map((c) => c.id)).toEqual(["1", "8", "15", "22", "29"]);
    expect(b.components).toEqual([]);
  });

  it("Provider.components(first): the first `first` by id, at most 100", async () => {
    const { a, b } = await query<{
      a: { components: { id: string }[] };
      b: { components: { id: string }[] };
    }>(`{
      a: provider(address: "${evolutionProvider(2)}") { components(first: 2) { id } }
      b: provider(address: "${evolutionProvider(3)}") { components(first: 0) { id } } }`);
    expect(a.components.map((c) => c.id)).toEqual(["1", "8"]);
    expect(b.components).toEqual([]);
    const tooMany = await run(
      `{ provider(address: "${evolutionProvider(2)}") { components(first: 101) { id } } }`,
    );
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("evolution reports, absorptions, settlements, the pool", () => {
  it("evolutionReports and Component.evolutionReports: newest first, every one once; figures in ms and 0..1", async () => {
    const REPORTS_QUERY = `query($n: Int, $after: String) { evolutionReports(first: $n, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`;
    const all = await walk(
      async (after) =>
        (await query<{ evolutionReports: Page }>(REPORTS_QUERY, { n: 37, after })).evolutionReports,
    );
    expect(all.map((n) => n.id)).toEqual(
      await ids(sql`select id from ${sql(`${SCHEMA}.evolution_report`)} order by id desc`),
    );
    const OF_COMPONENT = `query($id: ID!, $n: Int, $after: String) { component(id: $id) {
      evolutionReports(first: $n, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id component { id } } } } } }`;
    const served = await walk(
      async (after) =>
        (
          await query<{ component: { evolutionReports: Page<{ id: string; component: { id: string } }> } }>(
            OF_COMPONENT,
            { id: "4", n: 3, after },
          )
        ).component.evolutionReports,
    );
    const expected = await ids(
      sql`select id from ${sql(`${SCHEMA}.evolution_report`)} where component_id = 4 order by id desc`,
    );
    expect(served.map((n) => n.id)).toEqual(expected);
    expect(served.every((n) => n.component.id === "4")).toBe(true);
    const { evolutionReports } = await query<{ evolutionReports: Page<Record<string, unknown>> }>(`{
      evolutionReports(first: 1) { totalCount totalCountIsExact edges { node { id before { p50LatencyMs p95LatencyMs
        accuracy complianceRate invocations } after { p50LatencyMs complianceRate } efficiencyImprovementBps
        publishedAt blockNumber } } } }`);
    expect(evolutionReports.totalCount).toBe(REPORTS);
    expect(evolutionReports.edges[0]?.node).toEqual({
      id: String(REPORTS),
      before: {
        p50LatencyMs: 2_000.25,
        p95LatencyMs: 2_600.25,
        accuracy: 0.9,
        complianceRate: 1,
        invocations: 40,
      },
      after: { p50LatencyMs: 1_500, complianceRate: 0.9975 },
      efficiencyImprovementBps: Math.floor(((2_000_250 - 1_500_000) * 10_000) / 2_000_250),
      publishedAt: iso(EVOLUTION_BASE_TIME + 1_000_000 + 60 * REPORTS),
      blockNumber: String(100_000 + REPORTS),
    });
  });

  it("absorptions: newest first; a component's as absorber and as source; approval fields", async () => {
    const served = await walk(
      async (after) =>
        (
          await query<{ absorptions: Page }>(
            `query($after: String) { absorptions(first: 7, after: $after) { totalCount
              pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`,
            { after },
          )
        ).absorptions,
    );
    expect(served.map((n) => n.id)).toEqual(
      await ids(sql`select id from ${sql(`${SCHEMA}.absorption`)} order by id desc`),
    );
    const { absorption } = await query<{ absorption: unknown }>('{ absorption: component(id: "5") { id } }');
    expect(absorption).toEqual({ id: "5" });
    const { component } = await query<{
      component: { absorptions: { id: string; absorber: { id: string }; source: { id: string } }[] };
    }>(`{ component(id: "5") { absorptions { id absorber { id } source { id } } } }`);
    const expected = await ids(sql`select id from ${sql(`${SCHEMA}.absorption`)}
      where absorber_id = 5 or source_id = 5 order by id desc`);
    expect(component.absorptions.map((a) => a.id)).toEqual(expected);
    expect(component.absorptions.every((a) => a.absorber.id === "5" || a.source.id === "5")).toBe(true);
    const { approved, reclaimed } = await query<Record<string, { absorptions: Record<string, unknown>[] }>>(`{
      approved: component(id: "2") { absorptions { id status compensation moduleHash requestedAt approvedAt approvedBy reclaimedAt } }
      reclaimed: component(id: "3") { absorptions { id status approvedAt approvedBy reclaimedAt } } }`);
    // Absorption 1 (1 mod 3 = 1): component 2 absorbs 3, approved by nodes 1 and 2.
    expect(approved?.absorptions.find((a) => a.id === "1")).toMatchObject({
      status: "APPROVED",
      compensation: String(800n * ERA),
      requestedAt: iso(EVOLUTION_BASE_TIME + 1_500_060),
      approvedAt: iso(EVOLUTION_BASE_TIME + 1_500_090),
      approvedBy: [getAddress(evolutionNode(1)), getAddress(evolutionNode(2))],
      reclaimedAt: null,
    });
    expect(reclaimed?.absorptions.find((a) => a.id === "2")).toMatchObject({
      status: "RECLAIMED",
      approvedAt: null,
      approvedBy: [],
      reclaimedAt: iso(EVOLUTION_BASE_TIME + 1_500_120 + 700_000),
    });
  });

  it("epochSettlements: newest first, with and without an epoch; a component's settlements newest epoch first", async () => {
    const SETTLEMENTS_QUERY = `query($e: Int, $n: Int, $after: String) { epochSettlements(epoch: $e, first: $n, after: $after) {
      totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { epoch component { id } } } } }`;
    type Node = { epoch: number; component: { id: string } };
    for (const epoch of [null, 2]) {
      const served = await walk(
        async (after) =>
          (await query<{ epochSettlements: Page<Node> }>(SETTLEMENTS_QUERY, { e: epoch, n: 11, after }))
            .epochSettlements,
      );
      const rows = await sql<{ epoch: number; componentId: string }[]>`
        select epoch, component_id from ${sql(`${SCHEMA}.epoch_settlement`)}
        where ${epoch === null ? sql`true` : sql`epoch = ${epoch}`} order by event_id desc`;
      expect(served.map((n) => [n.epoch, n.component.id])).toEqual(rows.map((r) => [r.epoch, r.componentId]));
      const { epochSettlements } = await query<{ epochSettlements: Page }>(SETTLEMENTS_QUERY, {
        e: epoch,
        n: 0,
      });
      expect(epochSettlements.totalCount).toBe(epoch === null ? SETTLEMENTS : COMPONENTS);
    }
    const { component } = await query<{ component: { settlements: Record<string, unknown>[] } }>(`{
      component(id: "3") { settlements { epoch outcome amount efficiencyImprovementBps scenarioRangeDelta attestedBy settledAt } } }`);
    // Settlement s = epoch × 30 + 2 is component 3's: s even → REWARDED.
    expect(component.settlements.map((s) => s.epoch)).toEqual([4, 3, 2, 1, 0]);
    expect(component.settlements.at(-1)).toEqual({
      epoch: 0,
      outcome: "REWARDED",
      amount: String(1_000n * ERA),
      efficiencyImprovementBps: 3000,
      scenarioRangeDelta: 2,
      attestedBy: [getAddress(evolutionNode(1)), getAddress(evolutionNode(3))],
      settledAt: iso(EVOLUTION_BASE_TIME + 604_800 + 2),
    });
    const result = await run(SETTLEMENTS_QUERY, { e: -1 });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("evolutionPool: totals; the current epoch from the newest indexed block's time", async () => {
    const POOL =
      "{ evolutionPool { balance totalFunded totalSlashed totalRewarded currentEpoch epochLength } }";
    // No checkpoint yet: epoch 0.
    expect((await query<{ evolutionPool: unknown }>(POOL)).evolutionPool).toEqual({
      balance: String(1_000_000n * ERA),
      totalFunded: String(1_000_000n * ERA),
      totalSlashed: "0",
      totalRewarded: "0",
      currentEpoch: 0,
      epochLength: 604_800,
    });
    const checkpoint = (time: number) => `${time}${"0".repeat(65)}`;
    const checkpoints = sql(`${SCHEMA}._ponder_checkpoint`);
    await sql`insert into ${checkpoints} values ('caldera', 31337, ${checkpoint(EVOLUTION_BASE_TIME + 3 * 604_800 + 5)},
      ${checkpoint(EVOLUTION_BASE_TIME + 3 * 604_800 + 5)}, ${checkpoint(EVOLUTION_BASE_TIME)})`;
    try {
      expect(
        (await query<{ evolutionPool: { currentEpoch: number } }>(POOL)).evolutionPool.currentEpoch,
      ).toBe(3);
      // Without the pool's row (not deployed, or not indexed yet): zeros and the default epoch length.
      await sql`delete from ${sql(`${SCHEMA}.evolution_pool`)}`;
      expect((await query<{ evolutionPool: unknown }>(POOL)).evolutionPool).toEqual({
        balance: "0",
        totalFunded: "0",
        totalSlashed: "0",
        totalRewarded: "0",
        currentEpoch: 0,
        epochLength: 604_800,
      });
    } finally {
      await sql`delete from ${checkpoints}`;
      await sql`insert into ${sql(`${SCHEMA}.evolution_pool`)} values (1, ${EVOLUTION_BASE_TIME}, 604800,
        ${String(1_000_000n * ERA)}, 0, 0, ${String(1_000_000n * ERA)}, 500, ${EVOLUTION_BASE_TIME})`;
    }
  });
});

describe("Component.invocations (the hub's telemetry)", () => {
  const INVOCATIONS_QUERY = `query($id: ID!, $n: Int, $after: String) { component(id: $id) {
    invocations(first: $n, after: $after) { totalCount totalCountIsExact pageInfo { hasNextPage endCursor }
      edges { cursor node { id at latencyMs success accuracy compliant configuration scenario caller errorCode
        decisionMode paid fee } } } } }`;
  type Invocation = { id: string; at: string; paid: boolean; fee: string | null; [k: string]: unknown };

  it("newest first (time, then id), every row once, ties in time and sub-millisecond times kept apart", async () => {
    // Three rows at the same instant and two a microsecond apart, newer than every seeded row.
    const at = "2026-01-01T00:00:00.000500Z";
    await sql`insert into ${telemetry()} (component_id, component, at, latency_ms, success, compliant)
      select 3, 'component-3', ${at}::timestamptz + (case when i > 3 then (i - 3) * interval '1 microsecond' else interval '0' end),
        1, true, true from generate_series(1, 5) as i`;
    try {
      const served = await walk(
        async (after) =>
          (
            await query<{ component: { invocations: Page<Invocation> } }>(INVOCATIONS_QUERY, {
              id: "3",
              n: 2,
              after,
            })
          ).component.invocations,
      );
      const expected = await ids(
        sql`select id from ${telemetry()} where component_id = 3 order by at desc, id desc`,
      );
      expect(served.map((n) => n.id)).toEqual(expected);
      expect(expected.length).toBe(INVOCATIONS / COMPONENTS + 5);
      expect(served[0]?.at).toBe("2026-01-01T00:00:00Z");
      const { component } = await query<{ component: { invocations: Page<Invocation> } }>(INVOCATIONS_QUERY, {
        id: "3",
        n: 0,
      });
      expect([component.invocations.totalCount, component.invocations.totalCountIsExact]).toEqual([
        expected.length,
        true,
      ]);
    } finally {
      await sql`delete from ${telemetry()} where at >= '2026-01-01'`;
    }
  });

  it("a row's fields; a paid invocation carries its on-chain fee", async () => {
    const [row] = await sql<{ id: string }[]>`
      insert into ${telemetry()} (component_id, component, at, latency_ms, success, accuracy, compliant,
        configuration, scenario, caller, error_code, decision_mode, onchain_invocation_id)
      values (6, 'planting-model', '2026-02-01T00:00:00Z', 12.5, true, 0.75, true, '{"model": "planting", "model_version": 2}',
        'kind:PLANTING_PLAN', ${evolutionProvider(1)}, null, null, 41) returning id`;
    await sql`insert into ${sql(`${SCHEMA}.paid_invocation`)} values (41, 6, ${evolutionProvider(1)},
      ${`0x${"ab".repeat(32)}`}, ${String(ERA)}, ${String(ERA / 5n)}, ${String((4n * ERA) / 5n)}, 1, 1, ${`0x${"cd".repeat(32)}`})`;
    try {
      const { component } = await query<{ component: { invocations: Page<Invocation> } }>(INVOCATIONS_QUERY, {
        id: "6",
        n: 2,
      });
      const [paid, unpaid] = component.invocations.edges.map((e) => e.node);
      expect(paid).toEqual({
        id: row?.id,
        at: "2026-02-01T00:00:00Z",
        latencyMs: 12.5,
        success: true,
        accuracy: 0.75,
        compliant: true,
        // As stored: keys are not camel-cased.
        configuration: { model: "planting", model_version: 2 },
        scenario: "kind:PLANTING_PLAN",
        caller: getAddress(evolutionProvider(1)),
        errorCode: null,
        decisionMode: null,
        paid: true,
        fee: String(ERA),
      });
      expect(unpaid).toMatchObject({ paid: false, fee: null, scenario: "circuit:coreQuality" });
    } finally {
      await sql`delete from ${telemetry()} where id = ${row?.id ?? "0"}`;
      await sql`delete from ${sql(`${SCHEMA}.paid_invocation`)} where id = 41`;
    }
  });

  it("the components of a list each get their own page and count (one statement per level)", async () => {
    const { components } = await query<{
      components: Page<{ id: string; invocations: Page<{ id: string }> }>;
    }>(`{ components(first: 5) { edges { node { id invocations(first: 3) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { id } } } } } } }`);
    for (const { node } of components.edges) {
      const expected = await ids(sql`select id from ${telemetry()} where component_id = ${node.id}
        order by at desc, id desc`);
      expect(node.invocations.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 3));
      expect(node.invocations.totalCount).toBe(expected.length);
    }
    // The second page of each, after its own cursor, in one request.
    const cursors = components.edges.map((e) => [e.node.id, e.node.invocations.pageInfo.endCursor] as const);
    const next = await query<Record<string, { invocations: Page }>>(
      `{ ${cursors
        .map(
          ([id, after]) =>
            `c${id}: component(id: "${id}") { invocations(first: 3, after: "${after}") { edges { node { id } } } }`,
        )
        .join("\n")} }`,
    );
    for (const [id] of cursors) {
      const expected = await ids(
        sql`select id from ${telemetry()} where component_id = ${id} order by at desc, id desc`,
      );
      expect(next[`c${id}`]?.invocations.edges.map((e) => e.node.id)).toEqual(expected.slice(3, 6));
    }
  });

  it("without the hub's telemetry table (a hub that never recorded any): empty, counted 0, no error", async () => {
    await sql`alter table ${telemetry()} rename to component_invocation_away`;
    try {
      const data = await query<{
        component: {
          invocations: Page;
          metrics: { points: { invocations: number }[] };
          adaptationCycles: [];
        };
      }>(`{ component(id: "3") { invocations(first: 3) { totalCount edges { node { id } } }
        metrics(window: { from: "2023-11-14T00:00:00Z", to: "2023-11-14T03:00:00Z" }, bucket: HOUR) { points { invocations } }
        adaptationCycles { scenario } } }`);
      expect(data.component.invocations.totalCount).toBe(0);
      expect(data.component.invocations.edges).toEqual([]);
      expect(data.component.metrics.points.map((p) => p.invocations)).toEqual([0, 0, 0]);
      expect(data.component.adaptationCycles).toEqual([]);
    } finally {
      await sql`alter table ${sql(`${HUB}.component_invocation_away`)} rename to component_invocation`;
    }
  });
});

describe("Component.metrics and adaptationCycles", () => {
  const METRICS = `query($id: ID!, $from: DateTime!, $to: DateTime!, $bucket: MetricsBucket!) { component(id: $id) {
    metrics(window: { from: $from, to: $to }, bucket: $bucket) {
      points { bucketStart invocations p50LatencyMs p95LatencyMs accuracy complianceRate }
      events { kind at blockNumber reportId absorptionId epoch amount version logicHash } } } }`;
  const T0 = Date.UTC(2026, 2, 1, 10, 0, 0) / 1000;
  type Point = { bucketStart: string; invocations: number; [k: string]: unknown };

  beforeAll(async () => {
    // Component 30, hour 10: latencies 10, 20, 30, 40 (accuracy 1, none, 0.5, none; one not compliant);
    // hour 11: nothing; hour 12: 100 (at 12:59:59.999), and one row at 13:00 exactly, outside the window's end.
    const rows: [number, number, number | null, boolean][] = [
      [T0 + 5, 10, 1, true],
      [T0 + 600, 20, null, true],
      [T0 + 1800, 30, 0.5, false],
      [T0 + 3599.999, 40, null, true],
      [T0 + 3 * 3600 - 0.001, 100, 0.25, true],
      [T0 + 3 * 3600, 1000, 0, false],
    ];
    for (const [at, latency, accuracy, compliant] of rows)
      await sql`insert into ${telemetry()} (component_id, component, at, latency_ms, success, accuracy, compliant, scenario)
        values (30, 'component-30', to_timestamp(${at}), ${latency}, true, ${accuracy}, ${compliant}, 'metrics')`;
    // Its timeline in the window: a price change at 10:30 and a settlement at 12:00; one event after the window.
    const events = sql(`${SCHEMA}.component_event`);
    await sql`insert into ${events} (id, component_id, kind, amount, epoch, timestamp, block_number, transaction_hash)
      values (${`${"9".repeat(74)}1`}, 30, 'PRICE_SET', 5, null, ${T0 + 1800}, 900, ${`0x${"11".repeat(32)}`}),
        (${`${"9".repeat(74)}2`}, 30, 'REWARDED', ${String(1_000n * ERA)}, 7, ${T0 + 7200}, 901, ${`0x${"12".repeat(32)}`}),
        (${`${"9".repeat(74)}3`}, 30, 'SLASHED', 1, 8, ${T0 + 3 * 3600}, 902, ${`0x${"13".repeat(32)}`})`;
  });

  it("per hour: count, p50/p95 (percentile_cont), mean accuracy of rows that have one, compliance; empty hours included", async () => {
    const { component } = await query<{
      component: { metrics: { points: Point[]; events: Record<string, unknown>[] } };
    }>(METRICS, { id: "30", from: iso(T0), to: iso(T0 + 3 * 3600), bucket: "HOUR" });
    const [ten, eleven, twelve] = component.metrics.points;
    expect(component.metrics.points.map((p) => p.bucketStart)).toEqual([
      iso(T0),
      iso(T0 + 3600),
      iso(T0 + 7200),
    ]);
    // percentile_cont over 10, 20, 30, 40: p50 = 25, p95 = 30 + 0.85 × 10 = 38.5.
    expect(ten?.invocations).toBe(4);
    expect(ten?.p50LatencyMs).toBeCloseTo(25, 9);
    expect(ten?.p95LatencyMs).toBeCloseTo(38.5, 9);
    expect(ten?.accuracy).toBeCloseTo(0.75, 9);
    expect(ten?.complianceRate).toBeCloseTo(0.75, 9);
    expect(eleven).toEqual({
      bucketStart: iso(T0 + 3600),
      invocations: 0,
      p50LatencyMs: null,
      p95LatencyMs: null,
      accuracy: null,
      complianceRate: null,
    });
    expect(twelve).toMatchObject({
      invocations: 1,
      p50LatencyMs: 100,
      p95LatencyMs: 100,
      accuracy: 0.25,
      complianceRate: 1,
    });
    expect(component.metrics.events).toEqual([
      {
        kind: "PRICE_SET",
        at: iso(T0 + 1800),
        blockNumber: "900",
        reportId: null,
        absorptionId: null,
        epoch: null,
        amount: "5",
        version: null,
        logicHash: null,
      },
      expect.objectContaining({
        kind: "REWARDED",
        epoch: 7,
        amount: String(1_000n * ERA),
        at: iso(T0 + 7200),
      }),
    ]);
  });

  it("per minute and per day; a window starting mid-bucket starts at that bucket; the limits", async () => {
    const minutes = (
      await query<{ component: { metrics: { points: Point[] } } }>(METRICS, {
        id: "30",
        from: iso(T0 + 30),
        to: iso(T0 + 11 * 60),
        bucket: "MINUTE",
      })
    ).component.metrics.points;
    expect(minutes.length).toBe(11);
    expect(minutes[0]?.bucketStart).toBe(iso(T0));
    // 10:00:05 is before the window (10:00:30); 10:10 holds the 600 s row.
    expect(minutes.map((p) => p.invocations)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const days = (
      await query<{ component: { metrics: { points: Point[] } } }>(METRICS, {
        id: "30",
        from: iso(T0 - 86_400),
        to: iso(T0 + 86_400),
        bucket: "DAY",
      })
    ).component.metrics.points;
    expect(days.map((p) => [p.bucketStart, p.invocations])).toEqual([
      [iso(T0 - 10 * 3600 - 86_400), 0],
      [iso(T0 - 10 * 3600), 6],
      [iso(T0 - 10 * 3600 + 86_400), 0],
    ]);
    // 1,000 buckets pass; 1,001 and a window ending before it starts do not.
    const ok = await run(METRICS, { id: "30", from: iso(T0), to: iso(T0 + 1_000 * 60), bucket: "MINUTE" });
    expect(ok.errors).toBeUndefined();
    for (const variables of [
      { id: "30", from: iso(T0), to: iso(T0 + 1_000 * 60 + 1), bucket: "MINUTE" },
      { id: "30", from: iso(T0), to: iso(T0 + 1_001 * 86_400), bucket: "DAY" },
      { id: "30", from: iso(T0), to: iso(T0), bucket: "HOUR" },
    ]) {
      const result = await run(METRICS, variables);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe("BAD_USER_INPUT");
    }
  });

  it("adaptationCycles: first request in a new scenario to the first success in it", async () => {
    await sql`insert into ${telemetry()} (component_id, component, at, latency_ms, success, compliant, scenario)
      values (29, 'component-29', to_timestamp(${T0}), 5, false, false, 'schema:new'),
        (29, 'component-29', to_timestamp(${T0 + 90}), 5, true, true, 'schema:new'),
        (29, 'component-29', to_timestamp(${T0 + 100}), 5, false, false, 'schema:unserved')`;
    const { component } = await query<{ component: { adaptationCycles: Record<string, unknown>[] } }>(`{
      component(id: "29") { adaptationCycles { scenario firstRequestAt firstServedAt cycleSeconds } } }`);
    expect(component.adaptationCycles).toEqual([
      expect.objectContaining({ scenario: "circuit:coreQuality", cycleSeconds: expect.any(Number) }),
      { scenario: "schema:new", firstRequestAt: iso(T0), firstServedAt: iso(T0 + 90), cycleSeconds: 90 },
      { scenario: "schema:unserved", firstRequestAt: iso(T0 + 100), firstServedAt: null, cycleSeconds: null },
    ]);
  });
});

describe("schema", () => {
  it("the README's example query is valid and answers", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const section = readme.split("## Capability evolution")[1]?.split("### Reads")[1] ?? "";
    const example = section.match(/```graphql\n([\s\S]*?)```/)?.[1];
    expect(example).toBeDefined();
    const data = await query<{ component: { name: string; metrics: { points: unknown[] } } }>(
      example as string,
    );
    expect(data.component.name).toBe("component-1");
    expect(data.component.metrics.points).toHaveLength(24);
  });

  it("the subgraph's schema composes into a supergraph with the evolution reads", () => {
    const result = composeServices([
      { name: "caldera", typeDefs: parse(printSubgraphSchema(schema)), url: "http://localhost:4001/graphql" },
    ]);
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    const supergraph = result.supergraphSdl ?? "";
    for (const name of [
      "components(filter: ComponentFilter, first: Int = 20, after: String): ComponentConnection!",
      "evolutionReports(first: Int = 20, after: String): EvolutionReportConnection!",
      "epochSettlements(epoch: Int, first: Int = 20, after: String): EpochSettlementConnection!",
      "absorptions(first: Int = 20, after: String): AbsorptionConnection!",
      "metrics(window: MetricsWindowInput!, bucket: MetricsBucket!): ComponentMetrics!",
      "evolutionPool: EvolutionPool!",
    ])
      expect(supergraph).toContain(name);
  });
});
