import postgres, { type PendingQuery, type Row, type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchTables } from "../test/support/createScratchTables.js";
import { evolutionProvider, seedEvolutionRows } from "../test/support/seedEvolutionRows.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { evolutionListQueries } from "./evolutionListQueries.js";

/**
 * Every list statement the evolution loaders issue (resolvers/evolutionListQueries.ts), planned over tables with
 * the indexes ponder builds (and the telemetry table's, as services/createTelemetryRecorder.ts creates them) and
 * enough rows that a sequential scan would cost the whole table: a plan with a Seq Scan of a large table, or an
 * index walk that filters rows away, fails — as test/scale/explain.test.ts does for the other lists.
 */
const SCHEMA = "evolution_explain";
const HUB = "evolution_explain_hub";
const COMPONENTS = 20_000;
const LARGE_TABLES = [
  "component",
  "evolution_report",
  "absorption",
  "epoch_settlement",
  "component_event",
  "component_invocation",
];

type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  Filter?: string;
  Plans?: PlanNode[];
};

/** Filters that cannot grow with the table. */
const ALLOWED_FILTERS: { relation: string; filter: RegExp; why: string }[] = [
  {
    relation: "component",
    filter: /^\(kind = (\d+|k\.f\d)\)$/,
    why: "four kinds: filtered only when common (the planner takes (kind, id) for a rare one)",
  },
];

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

let pg: TestPostgres;
let sql: Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { transform: postgres.camel, onnotice: () => {}, max: 2 });
  await createScratchTables(sql, SCHEMA);
  await seedEvolutionRows(sql, SCHEMA, {
    components: COMPONENTS,
    reports: 60_000,
    absorptions: 20_000,
    settlements: 60_000,
    // Weekly epochs: a year's settlements are many epochs of some components each (not three huge epochs).
    settlementsPerEpoch: 100,
    invocations: 200_000,
    providers: 997,
    hubSchema: HUB,
  });
}, 300_000);

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

async function unboundedScansOf(query: PendingQuery<readonly (object | undefined)[]>) {
  const [row] = await sql<Row[]>`explain (format json) ${query}`;
  const plan = (Object.values(row ?? {})[0] as [{ Plan: PlanNode }])[0].Plan;
  const large = nodesOf(plan).filter((node) => LARGE_TABLES.includes(node["Relation Name"] ?? ""));
  const scans = [
    ...large
      .filter((node) => node["Node Type"] === "Seq Scan")
      .map((node) => `Seq Scan on ${node["Relation Name"]}`),
    ...large
      .filter(
        (node) =>
          node.Filter !== undefined &&
          !ALLOWED_FILTERS.some(
            (allowed) => allowed.relation === node["Relation Name"] && allowed.filter.test(node.Filter ?? ""),
          ),
      )
      .map((node) => `${node["Node Type"]} on ${node["Relation Name"]} filtering ${node.Filter}`),
  ];
  return { scans, plan: JSON.stringify(plan) };
}

describe("EXPLAIN of every evolution list statement: no sequential scan of a large table", () => {
  it("seeded large tables, and without its index the telemetry page plans a Seq Scan (the check is not vacuous)", async () => {
    const [{ count } = { count: 0 }] = await sql<{ count: number }[]>`
      select count(*)::int as count from ${sql(`${HUB}.component_invocation`)}`;
    expect(count).toBe(200_000);
    let plan = "";
    await sql
      .begin(async (tx) => {
        await tx.unsafe(`drop index "${HUB}".component_invocation_newest`);
        await tx.unsafe(`drop index "${HUB}".component_invocation_scenario`);
        const query = evolutionListQueries(tx as unknown as Sql, SCHEMA, HUB).invocations.page([
          { component: "17", first: 20 },
        ]);
        plan = JSON.stringify(await tx<Row[]>`explain (format json) ${query}`);
        throw new Error("roll back");
      })
      .catch((error: Error) => {
        if (error.message !== "roll back") throw error;
      });
    expect(plan).toContain('"Seq Scan"');
  });

  it("components: every filter combination and a cursor; pages, counts, 20 providers at once", async () => {
    const lists = evolutionListQueries(sql, SCHEMA, HUB);
    const failures: string[] = [];
    for (const kind of [undefined, 2])
      for (const provider of [undefined, evolutionProvider(5)])
        for (const after of [undefined, "10000"]) {
          const filter = { kind, provider };
          // biome-ignore lint/suspicious/noExplicitAny: statements of several row types, only explained
          const shapes: [string, PendingQuery<any>][] = [
            ["page", lists.components.page([{ ...filter, first: 20, after }])],
            ["count", lists.components.boundedCount([filter])],
            [
              "20 providers",
              lists.components.page(
                Array.from({ length: 20 }, (_, i) => ({
                  kind,
                  provider: evolutionProvider(i + 1),
                  first: 5,
                  after,
                })),
              ),
            ],
          ];
          for (const [name, query] of shapes) {
            const { scans, plan } = await unboundedScansOf(query);
            if (scans.length > 0)
              failures.push(`${name} ${JSON.stringify({ ...filter, after })}: ${scans} ${plan}`);
          }
        }
    expect(failures).toEqual([]);
  });

  it("reports, absorptions, settlements: pages (one key, 20 keys), after a cursor, counts", async () => {
    const lists = evolutionListQueries(sql, SCHEMA, HUB);
    const components = Array.from({ length: 20 }, (_, i) => String(101 + i * 37));
    const eventId = (n: number) => String(2_000_000_000 + n * 10).padStart(75, "0");
    // biome-ignore lint/suspicious/noExplicitAny: statements of several row types, only explained
    const shapes: [string, PendingQuery<any>][] = [
      ["reports", lists.evolutionReports.page([{ first: 20 }])],
      ["reports after", lists.evolutionReports.page([{ first: 20, after: "30000" }])],
      ["report count", lists.evolutionReports.boundedCount([{}])],
      ["a component's reports", lists.evolutionReports.page([{ component: "101", first: 20 }])],
      [
        "20 components' reports after",
        lists.evolutionReports.page(components.map((component) => ({ component, first: 5, after: "30000" }))),
      ],
      [
        "20 components' report counts",
        lists.evolutionReports.boundedCount(components.map((component) => ({ component }))),
      ],
      ["absorptions", lists.absorptions.page([{ first: 20 }])],
      ["absorptions after", lists.absorptions.page([{ first: 20, after: "10000" }])],
      ["absorption count", lists.absorptions.boundedCount([{}])],
      ["settlements", lists.epochSettlements.page([{ first: 20 }])],
      ["settlements after", lists.epochSettlements.page([{ first: 20, after: eventId(30_000) }])],
      ["settlements of an epoch", lists.epochSettlements.page([{ epoch: 300, first: 20 }])],
      [
        "settlements of an epoch after",
        lists.epochSettlements.page([{ epoch: 300, first: 20, after: eventId(30_010) }]),
      ],
      ["settlement count", lists.epochSettlements.boundedCount([{}])],
      ["settlement count of an epoch", lists.epochSettlements.boundedCount([{ epoch: 2 }])],
    ];
    for (const [name, query] of shapes) {
      const { scans, plan } = await unboundedScansOf(query);
      expect(scans, `${name}: ${plan}`).toEqual([]);
    }
  });

  it("telemetry: a component's invocations (one key, 20 keys, after a cursor), counts, metrics, timeline", async () => {
    const lists = evolutionListQueries(sql, SCHEMA, HUB);
    const components = Array.from({ length: 20 }, (_, i) => String(101 + i * 37));
    const after = { atMicros: String((1_700_000_000 + 2_050_000) * 1_000_000), id: "100000" };
    const base = 1_700_000_000 + 2_000_000;
    // biome-ignore lint/suspicious/noExplicitAny: statements of several row types, only explained
    const shapes: [string, PendingQuery<any>][] = [
      ["page", lists.invocations.page([{ component: "101", first: 20 }])],
      ["page after", lists.invocations.page([{ component: "101", first: 20, after }])],
      ["20 pages", lists.invocations.page(components.map((component) => ({ component, first: 5 })))],
      [
        "20 pages after",
        lists.invocations.page(components.map((component) => ({ component, first: 5, after }))),
      ],
      ["20 counts", lists.invocations.boundedCount(components)],
      ["metrics by hour", lists.metrics({ component: "101", from: base, to: base + 86_400, unit: "hour" })],
      ["timeline", lists.events("101", 1_700_000_000, 1_800_000_000)],
      // The grouped loaders (resolvers/columnLoaders.ts) of Provider.components, Component.absorptions/settlements.
      [
        "components of 20 providers",
        sql`select * from ${sql(`${SCHEMA}.component`)} where provider = any(${Array.from(
          { length: 20 },
          (_, i) => evolutionProvider(i + 1),
        )}::text[]) order by provider, id`,
      ],
      [
        "absorptions of 20 absorbers",
        sql`select * from ${sql(`${SCHEMA}.absorption`)} where absorber_id = any(${components}::numeric[])
          order by absorber_id, id desc`,
      ],
      [
        "absorptions of 20 sources",
        sql`select * from ${sql(`${SCHEMA}.absorption`)} where source_id = any(${components}::numeric[])
          order by source_id, id desc`,
      ],
      [
        "settlements of 20 components",
        sql`select * from ${sql(`${SCHEMA}.epoch_settlement`)} where component_id = any(${components}::numeric[])
          order by component_id, epoch desc`,
      ],
    ];
    for (const [name, query] of shapes) {
      const { scans, plan } = await unboundedScansOf(query);
      expect(scans, `${name}: ${plan}`).toEqual([]);
    }
  });
});
