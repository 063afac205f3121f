import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { graphql as execute, parse } from "graphql";
import postgres, { type PendingQuery, type Row, type Sql } from "postgres";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAssessmentStore } from "../services/createAssessmentStore.js";
import { createScratchTables } from "../test/support/createScratchTables.js";
import {
  scratchFeatureTime,
  scratchNode,
  scratchOperator,
  seedRiskRows,
} from "../test/support/seedRiskRows.js";
import { scratchProvider } from "../test/support/seedScratchRows.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { createLoaders } from "./createLoaders.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * The cross-domain risk reads through the subgraph's own schema, resolvers and loaders over real Postgres (tables as
 * ponder declares them, rows generated in bulk by test/support/seedRiskRows.ts): keyset walks of `riskFeatures`
 * under every combination of its filters (each compared with the same selection in plain SQL), `Provider.riskFeatures`
 * batched, bounded counts, margins with their requirement, cases with their timelines, disposals with shares and the
 * hub's contribution assessment, ecosystems.
 */
const SCHEMA = "risk_test";
const HUB = "caldera_hub";
const FEATURES = 1_200;
const PROVIDERS = 7;
const ECOSYSTEMS = 5;
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

const PAGE_FIELDS =
  "totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { id } }";

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

const ids = async (query: PendingQuery<Row[]>) => (await query).map((row) => String(row.id));
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
const severityOf = (i: number) =>
  i % 100 === 0 ? 4 : i % 20 === 0 ? 3 : i % 5 === 0 ? 2 : i % 2 === 0 ? 1 : 0;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { transform: postgres.camel, onnotice: () => {}, max: 4 });
  await createScratchTables(sql, SCHEMA);
  await seedRiskRows(sql, SCHEMA, {
    fromId: 1,
    toId: FEATURES,
    providers: PROVIDERS,
    ecosystems: ECOSYSTEMS,
  });
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

describe("riskFeatures: keyset pagination under every filter combination", () => {
  const FEATURES_QUERY = `query($f: RiskFeatureFilter, $n: Int, $after: String) {
    riskFeatures(filter: $f, first: $n, after: $after) { ${PAGE_FIELDS} } }`;
  const table = () => sql(`${SCHEMA}.risk_feature`);
  const from = scratchFeatureTime(300);
  const to = scratchFeatureTime(1_001);
  const valuesOf = () => ({
    subject: [scratchProvider(3), sql`subject = ${scratchProvider(3)}`],
    ecosystem: ["2", sql`ecosystem_id = 2`],
    kind: ["TAMPERING_FREQUENCY", sql`kind = 3`],
    minSeverity: ["MEDIUM", sql`severity >= 2`],
    from: [iso(from), sql`published_at >= ${from}`],
    to: [iso(to), sql`published_at < ${to}`],
    verified: [true, sql`verified`],
  });
  const names = ["subject", "ecosystem", "kind", "minSeverity", "from", "to", "verified"] as const;

  it("each of the 128 combinations: every match once, newest first (time, then id); totalCount exact", async () => {
    let nonEmpty = 0;
    const values = valuesOf();
    for (let mask = 0; mask < 2 ** names.length; mask++) {
      const chosen = names.filter((_, bit) => mask & (1 << bit));
      const filter = Object.fromEntries(chosen.map((name) => [name, values[name][0]]));
      const where = chosen.map((name) => sql`and ${values[name][1] as PendingQuery<Row[]>}`);
      const expected = await ids(sql`select id from ${table()} where true ${where.length > 0 ? where : sql``}
        order by published_at desc, id desc`);
      if (expected.length > 0) nonEmpty++;
      const served = await walk(
        async (after) =>
          (await query<{ riskFeatures: Page }>(FEATURES_QUERY, { f: filter, n: 97, after })).riskFeatures,
      );
      expect(
        served.map((node) => node.id),
        JSON.stringify(filter),
      ).toEqual(expected);
      const { riskFeatures } = await query<{ riskFeatures: Page }>(FEATURES_QUERY, { f: filter, n: 0 });
      expect([riskFeatures.totalCount, riskFeatures.totalCountIsExact], JSON.stringify(filter)).toEqual([
        expected.length,
        true,
      ]);
    }
    // The check is not vacuous: most combinations select something.
    expect(nonEmpty).toBeGreaterThan(64);
  });

  it("each minimum severity, and INFO (= no filter)", async () => {
    for (const [minSeverity, floor] of [
      ["INFO", 0],
      ["LOW", 1],
      ["HIGH", 3],
      ["CRITICAL", 4],
    ] as const) {
      const expected = await ids(
        sql`select id from ${table()} where severity >= ${floor} order by published_at desc, id desc`,
      );
      const served = await walk(
        async (after) =>
          (await query<{ riskFeatures: Page }>(FEATURES_QUERY, { f: { minSeverity }, n: 100, after }))
            .riskFeatures,
      );
      expect(
        served.map((node) => node.id),
        minSeverity,
      ).toEqual(expected);
    }
  });

  it("ties on the publication time page by id; rows deleted between pages do not shift the next page", async () => {
    const first = (await query<{ riskFeatures: Page }>(FEATURES_QUERY, { n: 5 })).riskFeatures;
    // Two features per block: 1200 and 1201 would tie, 1200 and 1199 do not.
    expect(first.edges.map((e) => e.node.id)).toEqual(["1200", "1199", "1198", "1197", "1196"]);
    const expected = await ids(sql`select id from ${table()} order by published_at desc, id desc`);
    const gone = ["1196", "1195"];
    const kept = sql(`${SCHEMA}.deleted_feature`);
    await sql`create table ${kept} as select * from ${table()} where id = any(${gone}::numeric[])`;
    await sql`delete from ${table()} where id in (select id from ${kept})`;
    try {
      const second = (
        await query<{ riskFeatures: Page }>(FEATURES_QUERY, { n: 5, after: first.pageInfo.endCursor })
      ).riskFeatures;
      expect(second.edges.map((e) => e.node.id)).toEqual(expected.slice(6, 11));
    } finally {
      await sql`insert into ${table()} select * from ${kept}`;
      await sql`drop table ${kept}`;
    }
  });

  it("a cursor of another list, not a cursor, from after to, or a page over 100: BAD_USER_INPUT", async () => {
    for (const variables of [
      { after: Buffer.from("case:5").toString("base64url") },
      { after: Buffer.from("riskFeature:5").toString("base64url") },
      { after: "nonsense" },
      { f: { from: iso(to), to: iso(from) } },
      { n: 101 },
    ]) {
      const result = await run(FEATURES_QUERY, variables);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe("BAD_USER_INPUT");
    }
  });

  it("an ecosystem id that is not one matches nothing", async () => {
    const { riskFeatures } = await query<{ riskFeatures: Page }>(FEATURES_QUERY, { f: { ecosystem: "x" } });
    expect([riskFeatures.edges, riskFeatures.totalCount]).toEqual([[], 0]);
  });
});

describe("Provider.riskFeatures and Provider.margin", () => {
  it("several providers in one request (batched): each its own list under the same filter, counted", async () => {
    type Node = { address: string; riskFeatures: Page; margin: { locked: string } | null };
    const { a, b, c } = await query<{ a: Node; b: Node; c: Node }>(`{
      a: provider(address: "${scratchProvider(1)}") { address
        riskFeatures(first: 3, filter: { minSeverity: LOW, subject: "${scratchProvider(2)}" }) { ${PAGE_FIELDS} }
        margin { locked } }
      b: provider(address: "${scratchProvider(2)}") { address
        riskFeatures(first: 3, filter: { minSeverity: LOW }) { ${PAGE_FIELDS} } margin { locked } }
      c: provider(address: "${scratchOperator(1)}") { address
        riskFeatures(first: 3, filter: { minSeverity: LOW }) { ${PAGE_FIELDS} } margin { locked } } }`);
    for (const [node, n] of [
      [a, 1],
      [b, 2],
    ] as const) {
      const expected = await ids(sql`select id from ${sql(`${SCHEMA}.risk_feature`)}
        where subject = ${scratchProvider(n)} and severity >= 1 order by published_at desc, id desc`);
      expect(node.riskFeatures.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 3));
      expect(node.riskFeatures.totalCount).toBe(expected.length);
      expect(node.riskFeatures.pageInfo.hasNextPage).toBe(true);
      expect(node.margin?.locked).toBe(String(BigInt(n) * 1000n * ERA));
    }
    expect([c.riskFeatures.totalCount, c.riskFeatures.edges, c.margin]).toEqual([0, [], null]);
  });

  it("batched keys of one shape that differ in kind and verified each get their own", async () => {
    const filters = [
      [3, "TAMPERING_FREQUENCY", false, 3],
      [4, "DEFAULT_RATE", true, 1],
      [5, "PRICE_VOLATILITY", true, 5],
    ] as const;
    const data = await query<Record<string, { riskFeatures: Page }>>(
      `{ ${filters
        .map(
          ([n, kind, verified]) => `p${n}: provider(address: "${scratchProvider(n)}") {
          riskFeatures(first: 4, filter: { kind: ${kind}, verified: ${verified}, from: "${iso(scratchFeatureTime(10))}" }) {
            ${PAGE_FIELDS} } }`,
        )
        .join("\n")} }`,
    );
    for (const [n, , verified, kind] of filters) {
      const expected = await ids(sql`select id from ${sql(`${SCHEMA}.risk_feature`)}
        where subject = ${scratchProvider(n)} and kind = ${kind} and verified = ${verified}
          and published_at >= ${scratchFeatureTime(10)}
        order by published_at desc, id desc`);
      expect(expected.length).toBeGreaterThan(4);
      const page = data[`p${n}`]?.riskFeatures;
      expect(page?.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 4));
      expect(page?.totalCount).toBe(expected.length);
    }
  });

  it("margin: locked, queued, the requirement at the vault's parameters, adequacy, freeze", async () => {
    type Margin = Record<string, unknown> & { frozenBy: { id: string; status: string } | null };
    const marginOf = async (n: number) =>
      (
        await query<{ provider: { margin: Margin } }>(`{ provider(address: "${scratchProvider(n)}") { margin {
          provider { address } locked queued unlockAt ecosystemsServed { id name } required adequate frozen
          frozenBy { id status } updatedAt } } }`)
      ).provider.margin;
    // Provider 4: 4,000 ERA locked, 5,000 queued, serves 4 ecosystems → 80,000 required; frozen by an open case.
    const four = await marginOf(4);
    expect(four).toMatchObject({
      provider: { address: getAddress(scratchProvider(4)) },
      locked: String(4_000n * ERA),
      queued: String(5_000n * ERA),
      unlockAt: iso(1_700_345_600),
      ecosystemsServed: [1, 2, 3, 4].map((id) => ({
        id: String(id),
        name: id === 1 ? "Caldera" : `ecosystem-${id}`,
      })),
      required: String(80_000n * ERA),
      adequate: false,
      frozen: true,
    });
    const [open] = await sql<{ id: string }[]>`select max(id)::text as id from ${sql(`${SCHEMA}.freeze_case`)}
      where provider = ${scratchProvider(4)} and status = 'OPEN'`;
    expect(four.frozenBy).toEqual({ id: open?.id, status: "OPEN" });
    // Serving no ecosystem still requires the minimum; after a governance change to 1,000 ERA it is adequate.
    const margins = sql(`${SCHEMA}.margin`);
    await sql`insert into ${margins} (provider, locked, queued, unlock_at, ecosystems_served, served_count,
      frozen_by, seized, created_id, updated_at, block_number)
      values (${scratchOperator(9)}, ${String(5_000n * ERA)}, 0, 0, '[]', 0, null, 0, ${"9".repeat(75)}, 1, 1)`;
    try {
      const none = async () =>
        (
          await query<{ provider: { margin: Margin } }>(`{ provider(address: "${scratchOperator(9)}") {
            margin { required adequate frozen unlockAt queued } } }`)
        ).provider.margin;
      expect(await none()).toEqual({
        required: String(20_000n * ERA),
        adequate: false,
        frozen: false,
        unlockAt: null,
        queued: "0",
      });
      await sql`update ${sql(`${SCHEMA}.margin_vault`)} set min_margin = ${String(1_000n * ERA)} where id = 1`;
      expect(await none()).toMatchObject({ required: String(1_000n * ERA), adequate: true });
      // Without the vault's row (nothing indexed yet) the contract's defaults stand.
      await sql`delete from ${sql(`${SCHEMA}.margin_vault`)}`;
      expect(await none()).toMatchObject({ required: String(20_000n * ERA), adequate: false });
    } finally {
      await sql`delete from ${margins} where provider = ${scratchOperator(9)}`;
      await sql`insert into ${sql(`${SCHEMA}.margin_vault`)} (id, min_margin, per_ecosystem_margin, freeze_deposit,
        review_window, unlock_delay, case_quorum_bps, reserve, updated_at)
        values (1, ${String(20_000n * ERA)}, ${String(20_000n * ERA)}, ${String(1_000n * ERA)}, 259200, 345600,
          4000, 0, 1) on conflict (id) do update set min_margin = excluded.min_margin`;
    }
  });

  it("the README's analyst statement finds exactly the margins the API calls inadequate", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const statement = readme.split("Margins below their requirement")[1]?.match(/```sql\n([\s\S]*?)```/)?.[1];
    expect(statement).toBeDefined();
    const vault = sql(`${SCHEMA}.margin_vault`);
    // Provider p locks p × 1,000 ERA and serves p mod 6 ecosystems: at 3,000 ERA minimum and 1,000 per ecosystem,
    // providers 1 and 2 fall short and 3..7 do not.
    await sql`update ${vault} set min_margin = ${String(3_000n * ERA)}, per_ecosystem_margin = ${String(1_000n * ERA)}`;
    try {
      const rows = await sql.unsafe<{ provider: string }[]>(
        (statement as string).replaceAll("caldera.", `${SCHEMA}.`).replace(/;\s*$/, ""),
      );
      const { margins } = await query<{
        margins: Page<{ provider: { address: string }; adequate: boolean }>;
      }>("{ margins(first: 100) { edges { node { provider { address } adequate } } } }");
      const inadequate = margins.edges.filter((e) => !e.node.adequate).map((e) => e.node.provider.address);
      expect(inadequate.sort()).toEqual([1, 2].map((n) => getAddress(scratchProvider(n))));
      expect(rows.map((row) => getAddress(row.provider)).sort()).toEqual(inadequate);
    } finally {
      await sql`update ${vault} set min_margin = ${String(20_000n * ERA)}, per_ecosystem_margin = ${String(20_000n * ERA)}`;
    }
    // The README's query example is valid against the schema.
    const example = readme.split("## Cross-domain risk")[1]?.match(/```graphql\n([\s\S]*?)```/)?.[1] ?? "";
    const result = await run(example);
    expect(result.errors).toBeUndefined();
  });

  it("margins: newest first by the first event, every one once, counted", async () => {
    const served = await walk(
      async (after) =>
        (
          await query<{ margins: Page<{ provider: { address: string } }> }>(
            `query($after: String) { margins(first: 3, after: $after) { totalCount totalCountIsExact
            pageInfo { hasNextPage endCursor } edges { cursor node { provider { address } } } } }`,
            { after },
          )
        ).margins,
    );
    expect(served.map((node) => node.provider.address)).toEqual(
      [7, 6, 5, 4, 3, 2, 1].map((n) => getAddress(scratchProvider(n))),
    );
    const { margins } = await query<{ margins: Page }>(
      "{ margins(first: 0) { totalCount totalCountIsExact } }",
    );
    expect([margins.totalCount, margins.totalCountIsExact]).toEqual([PROVIDERS, true]);
  });
});

describe("a risk feature's fields", () => {
  it("kind, category, bucket and severity from the standard; attestations in order; verification", async () => {
    const featureOf = async (id: number) =>
      (
        await query<{ riskFeature: Record<string, unknown> }>(`{ riskFeature(id: "${id}") {
          id subject { address } ecosystem { id name } kind category bucket { index lowBps highBps } severity
          windowStart windowEnd threshold recordCount evidenceCommitment attestations attestedBy verified
          publishedAt verifiedAt blockNumber transactionHash } }`)
      ).riskFeature;
    // 100: severity 4 (CRITICAL), kind 1 + 33 mod 5 = 4, ecosystem 1 + 100 mod 5 = 1, verified (100 mod 3 ≠ 0).
    expect(await featureOf(100)).toMatchObject({
      id: "100",
      subject: { address: getAddress(scratchProvider((100 % PROVIDERS) + 1)) },
      ecosystem: { id: "1", name: "Caldera" },
      kind: "ANOMALOUS_FLUCTUATION",
      category: "DATA",
      bucket: { index: 4, lowBps: 5000, highBps: 10000 },
      severity: "CRITICAL",
      windowStart: iso(scratchFeatureTime(100) - 2_592_000),
      threshold: 2000,
      recordCount: 32,
      attestations: 2,
      attestedBy: [getAddress(scratchNode(0)), getAddress(scratchNode(1))],
      verified: true,
      publishedAt: iso(scratchFeatureTime(100)),
      verifiedAt: iso(scratchFeatureTime(100) + 12),
    });
    // 99: kind 1 + 33 mod 5 = 4 too; 99 mod 3 = 0 → unverified, one attestation; odd → INFO.
    expect(await featureOf(99)).toMatchObject({
      severity: "INFO",
      bucket: { index: 0, lowBps: 0, highBps: 100 },
      attestations: 1,
      attestedBy: [getAddress(scratchNode(99 % 20))],
      verified: false,
      verifiedAt: null,
    });
    // 9: kind 1 + 3 mod 5 = 4; 12: kind 1 + 4 = 5 (PRICE).
    expect(await featureOf(12)).toMatchObject({
      kind: "PRICE_VOLATILITY",
      category: "PRICE",
      threshold: 500,
    });
    expect(await featureOf(3)).toMatchObject({ kind: "DELAY_DURATION", category: "PERFORMANCE" });
    for (const id of ["999999", "nope", "-1"]) expect(await featureOf(id as unknown as number)).toBeNull();
    expect(severityOf(100)).toBe(4);
  });
});

describe("cases, their timelines and disposals", () => {
  const CASES = `query($f: CaseFilter, $n: Int, $after: String) { cases(filter: $f, first: $n, after: $after) {
    ${PAGE_FIELDS} } }`;

  it("every combination of filters: each match once, newest first; totalCount exact", async () => {
    const table = sql(`${SCHEMA}.freeze_case`);
    const cases = [
      [{}, sql``],
      [{ provider: scratchProvider(3) }, sql`and provider = ${scratchProvider(3)}`],
      [{ ecosystem: "3" }, sql`and ecosystem_id = 3`],
      [{ status: "OPEN" }, sql`and status = 'OPEN'`],
      [
        { provider: scratchProvider(3), ecosystem: "3" },
        sql`and provider = ${scratchProvider(3)} and ecosystem_id = 3`,
      ],
      [
        { provider: scratchProvider(3), status: "UPHELD" },
        sql`and provider = ${scratchProvider(3)} and status = 'UPHELD'`,
      ],
      [{ ecosystem: "4", status: "EXPIRED" }, sql`and ecosystem_id = 4 and status = 'EXPIRED'`],
      [
        { provider: scratchProvider(5), ecosystem: "2", status: "REJECTED" },
        sql`and provider = ${scratchProvider(5)} and ecosystem_id = 2 and status = 'REJECTED'`,
      ],
      [{ ecosystem: "nope" }, sql`and false`],
    ] as const;
    for (const [filter, where] of cases) {
      const expected = await ids(sql`select id from ${table} where true ${where} order by id desc`);
      const served = await walk(
        async (after) => (await query<{ cases: Page }>(CASES, { f: filter, n: 41, after })).cases,
      );
      expect(
        served.map((node) => node.id),
        JSON.stringify(filter),
      ).toEqual(expected);
      const { cases: counted } = await query<{ cases: Page }>(CASES, { f: filter, n: 0 });
      expect([counted.totalCount, counted.totalCountIsExact], JSON.stringify(filter)).toEqual([
        expected.length,
        true,
      ]);
      if (Object.keys(filter).length === 1 && !("ecosystem" in filter && filter.ecosystem === "nope"))
        expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
    }
  });

  it("an upheld case: fields, its whole timeline in chain order, its disposal with shares", async () => {
    // 24: upheld (24 mod 4 = 0, mod 20 ≠ 0), Caldera's share claimed (24 mod 8 = 0); ecosystem 2 + 24 mod 4 = 2.
    const { case: found } = await query<{ case: Record<string, unknown> }>(`{ case(id: "24") {
      id provider { address } ecosystem { id } applicant status claimAmount deposit snapshotBlock filedAt voteEnd
      votesUphold seized resolvedAt
      timeline { kind at actor verdict weight amount ecosystem { id } }
      disposal { case { id } seized assigned dust settledAt shares { ecosystem { id } shareBps amount claimed claimedAt } } } }`);
    const filed = 1_700_000_000 + 24 * 60;
    expect(found).toMatchObject({
      id: "24",
      provider: { address: getAddress(scratchProvider((24 % PROVIDERS) + 1)) },
      ecosystem: { id: "2" },
      applicant: getAddress(scratchOperator(2)),
      status: "UPHELD",
      claimAmount: String(1_000n * ERA),
      seized: String(1_000n * ERA),
      filedAt: iso(filed),
      voteEnd: iso(filed + 259_200),
      resolvedAt: iso(filed + 259_200),
    });
    expect((found.timeline as { kind: string }[]).map((e) => e.kind)).toEqual([
      "FILED",
      "VOTED",
      "RESOLVED",
      "DEPOSIT_RELEASED",
      "UNFROZEN",
      "DISPOSAL_SETTLED",
      "PAYOUT_CLAIMED",
    ]);
    const [filedEvent, voted, resolved] = found.timeline as Record<string, unknown>[];
    expect(filedEvent).toMatchObject({ actor: getAddress(scratchOperator(2)), ecosystem: { id: "2" } });
    expect(voted).toMatchObject({
      verdict: "UPHOLD",
      weight: String(30_000n * ERA),
      actor: getAddress(scratchNode(4)),
    });
    expect(resolved).toMatchObject({ verdict: "UPHOLD", amount: String(1_000n * ERA) });
    expect((found.timeline as Record<string, unknown>[]).at(-1)).toMatchObject({
      kind: "PAYOUT_CLAIMED",
      ecosystem: { id: "1" },
      amount: String(400n * ERA),
    });
    expect(found.disposal).toEqual({
      case: { id: "24" },
      seized: String(1_000n * ERA),
      assigned: String(650n * ERA),
      dust: String(350n * ERA),
      settledAt: iso(filed + 259_260),
      shares: [
        {
          ecosystem: { id: "1" },
          shareBps: 4000,
          amount: String(400n * ERA),
          claimed: true,
          claimedAt: iso(filed + 259_320),
        },
        {
          ecosystem: { id: "2" },
          shareBps: 2500,
          amount: String(250n * ERA),
          claimed: false,
          claimedAt: null,
        },
      ],
    });
    // An expired case: no verdict on its resolution, no disposal; an open case: FILED and VOTED only.
    const { expired, open } = await query<{
      expired: { timeline: { kind: string; verdict: string | null }[]; disposal: null };
      open: { status: string; resolvedAt: null; timeline: { kind: string }[] };
    }>(`{ expired: case(id: "23") { timeline { kind verdict } disposal { seized } }
      open: case(id: "40") { status resolvedAt timeline { kind } } }`);
    expect(expired.timeline.find((e) => e.kind === "RESOLVED")?.verdict).toBeNull();
    expect(expired.disposal).toBeNull();
    expect(open).toEqual({
      status: "OPEN",
      resolvedAt: null,
      timeline: [{ kind: "FILED" }, { kind: "VOTED" }],
    });
  });

  it("disposals: newest first, every upheld case's once; contributions from the hub's assessment store", async () => {
    const DISPOSALS = `query($n: Int, $after: String) { disposals(first: $n, after: $after) { totalCount
      pageInfo { hasNextPage endCursor } edges { cursor node { case { id } inputsHash
        shares { ecosystem { id } contribution { leadTimeHours lossReductionBps locatedSource shapleyValue } } } } } }`;
    type Node = {
      case: { id: string };
      inputsHash: string;
      shares: { ecosystem: { id: string }; contribution: Record<string, unknown> | null }[];
    };
    const walkAll = () =>
      walk(async (after) => (await query<{ disposals: Page<Node> }>(DISPOSALS, { n: 13, after })).disposals);
    // Before the hub ever stored an assessment, its table does not exist: no contribution, no error.
    const before = await walkAll();
    const expected = await ids(
      sql`select case_id as id from ${sql(`${SCHEMA}.disposal`)} order by case_id desc`,
    );
    expect(before.map((node) => node.case.id)).toEqual(expected);
    expect(before.every((node) => node.shares.every((share) => share.contribution === null))).toBe(true);

    // The hub's store (services/createAssessmentStore.ts) keeps case 24's document; the disposal settled its hash.
    const target = before.find((node) => node.case.id === "24") as Node;
    const disposals = sql(`${SCHEMA}.disposal`);
    try {
      const inputsHash = await createAssessmentStore(sql).put({
        caseId: "24",
        lossAmount: String(1_000n * ERA),
        contributions: [
          { ecosystemId: "1", leadTimeHours: 6, lossReductionBps: 6000, locatedSource: false },
          { ecosystemId: "2", leadTimeHours: 0.5, lossReductionBps: 1000, locatedSource: true },
        ],
        characteristicFunction: "caldera-disposal/v1",
        shares: [
          { ecosystemId: "1", shareBps: 4000, shapleyValue: "400000000000000000000" },
          { ecosystemId: "2", shareBps: 2500, shapleyValue: "750000000000000000000/3" },
        ],
      });
      await sql`update ${disposals} set inputs_hash = ${inputsHash} where case_id = 24`;
      const after = await walkAll();
      const withDocument = after.find((node) => node.case.id === "24") as Node;
      expect(withDocument.shares).toEqual([
        {
          ecosystem: { id: "1" },
          contribution: {
            leadTimeHours: 6,
            lossReductionBps: 6000,
            locatedSource: false,
            shapleyValue: "400000000000000000000",
          },
        },
        {
          ecosystem: { id: "2" },
          contribution: {
            leadTimeHours: 0.5,
            lossReductionBps: 1000,
            locatedSource: true,
            shapleyValue: "750000000000000000000/3",
          },
        },
      ]);
      // Other disposals' documents are not held by this hub.
      expect(after.find((node) => node.case.id === "28")?.shares.map((share) => share.contribution)).toEqual([
        null,
        null,
      ]);
    } finally {
      await sql`update ${disposals} set inputs_hash = ${target.inputsHash} where case_id = 24`;
      await sql`drop schema if exists ${sql(HUB)} cascade`;
    }
  });
});

describe("ecosystems", () => {
  it("newest first, paged, counted; Caldera without a subgraph; the last one suspended", async () => {
    type Node = { id: string; name: string; operator: string; subgraphUrl: string | null; active: boolean };
    const served = await walk(
      async (after) =>
        (
          await query<{ ecosystems: Page<Node> }>(
            `query($after: String) { ecosystems(first: 2, after: $after) { totalCount totalCountIsExact
            pageInfo { hasNextPage endCursor } edges { cursor node { id name operator subgraphUrl active admittedAt } } } }`,
            { after },
          )
        ).ecosystems,
    );
    expect(served.map((node) => node.id)).toEqual(["5", "4", "3", "2", "1"]);
    expect(served.at(-1)).toMatchObject({
      name: "Caldera",
      operator: getAddress(scratchOperator(1)),
      subgraphUrl: null,
      active: true,
    });
    expect(served[0]).toMatchObject({ subgraphUrl: "http://partner-5.example/graphql", active: false });
    const { ecosystems, ecosystem, none } = await query<{
      ecosystems: Page;
      ecosystem: { name: string };
      none: null;
    }>(
      `{ ecosystems(first: 0) { totalCount totalCountIsExact } ecosystem(id: "3") { name } none: ecosystem(id: "x") { name } }`,
    );
    expect([ecosystems.totalCount, ecosystems.totalCountIsExact, ecosystem.name, none]).toEqual([
      ECOSYSTEMS,
      true,
      "ecosystem-3",
      null,
    ]);
  });

  it("the subgraph's schema composes into a supergraph with the risk reads", () => {
    const result = composeServices([
      { name: "caldera", typeDefs: parse(printSubgraphSchema(schema)), url: "http://localhost:4001/graphql" },
    ]);
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    const supergraph = result.supergraphSdl ?? "";
    for (const name of [
      "riskFeatures(filter: RiskFeatureFilter, first: Int = 20, after: String): RiskFeatureConnection!",
      "margins(first: Int = 20, after: String): MarginConnection!",
      "cases(filter: CaseFilter, first: Int = 20, after: String): FreezeCaseConnection!",
      "disposals(first: Int = 20, after: String): DisposalConnection!",
      "ecosystems(first: Int = 20, after: String): EcosystemConnection!",
    ])
      expect(supergraph).toContain(name);
  });
});
