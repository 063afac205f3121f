import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { graphql as execute, parse } from "graphql";
import postgres, { type PendingQuery, type Row, type Sql } from "postgres";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchTables } from "../test/support/createScratchTables.js";
import {
  scratchEventId,
  scratchUser,
  seedCirculationRows,
  seedUtilisationCount,
} from "../test/support/seedCirculationRows.js";
import { scratchProvider, seedScratchRows } from "../test/support/seedScratchRows.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { interestNow } from "./circulationResolvers.js";
import { bucketStartOf, type CreditLineRow, type CreditPoolRow } from "./createCirculationLoaders.js";
import { createLoaders } from "./createLoaders.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";
import { utilisationDefinitionSql } from "./utilisationDefinitionSql.js";
import { utilisationSql } from "./utilisationSql.js";

/**
 * The circulation reads through the subgraph's own schema, resolvers and loaders over real Postgres (tables as
 * ponder declares them, rows generated in bulk, test/support/seedCirculationRows.ts): keyset page walks under every
 * filter, nested per-derivative lists batched, bounded counts, rewards, earnings, credit lines, the pools, and the
 * utilisation rate against its definition and the README's statement.
 */
const SCHEMA = "circulation_test";
const DERIVATIVES = 3_000;
const PROVIDERS = 7;

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

type Page = {
  totalCount: number;
  totalCountIsExact: boolean;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { id: string } }[];
};

const PAGE_FIELDS =
  "totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { id } }";

async function walk(page: (after: string | null) => Promise<Page>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const { edges, pageInfo } = await page(after);
    ids.push(...edges.map((edge) => edge.node.id));
    if (!pageInfo.hasNextPage) return ids;
    after = pageInfo.endCursor;
  }
  throw new Error("no last page");
}

const ids = async (query: PendingQuery<Row[]>) => (await query).map((row) => String(row.id));

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { transform: postgres.camel, onnotice: () => {}, max: 4 });
  await createScratchTables(sql, SCHEMA);
  await seedScratchRows(sql, SCHEMA, { fromId: 1, toId: DERIVATIVES, providers: PROVIDERS });
  await seedCirculationRows(sql, SCHEMA, { fromId: 1, toId: DERIVATIVES, providers: PROVIDERS });
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

describe("creditLines: keyset pagination", () => {
  const LINES = `query($f: CreditLineFilter, $n: Int, $after: String) {
    creditLines(filter: $f, first: $n, after: $after) { ${PAGE_FIELDS} } }`;
  const table = () => sql(`${SCHEMA}.credit_line`);

  it("every combination of filters: each match once, newest first; totalCount exact", async () => {
    const borrower = scratchProvider(3);
    const cases = [
      [{}, sql``],
      [{ borrower }, sql`and borrower = ${borrower}`],
      [{ status: "DEFAULTED" }, sql`and status = 'DEFAULTED'`],
      [{ borrower, status: "OPEN" }, sql`and borrower = ${borrower} and status = 'OPEN'`],
      [{ derivative: "1004" }, sql`and derivative_id = 1004`],
      [{ derivative: "1004", status: "OPEN" }, sql`and derivative_id = 1004 and status = 'OPEN'`],
      [{ derivative: "1004", borrower: scratchProvider(1) }, sql`and false`],
      [{ derivative: "not-an-id" }, sql`and false`],
    ] as const;
    for (const [filter, where] of cases) {
      const expected = await ids(sql`select id from ${table()} where true ${where} order by id desc`);
      const served = await walk(
        async (after) => (await query<{ creditLines: Page }>(LINES, { f: filter, n: 37, after })).creditLines,
      );
      expect(served, JSON.stringify(filter)).toEqual(expected);
      const { creditLines } = await query<{ creditLines: Page }>(LINES, { f: filter, n: 0 });
      expect([creditLines.totalCount, creditLines.totalCountIsExact], JSON.stringify(filter)).toEqual([
        expected.length,
        true,
      ]);
    }
  });

  it("rows deleted between pages, the cursor's own included: the next page starts strictly after it", async () => {
    const filter = { borrower: scratchProvider(2) };
    const first = (await query<{ creditLines: Page }>(LINES, { f: filter, n: 5 })).creditLines;
    const expected = await ids(sql`
      select id from ${table()} where borrower = ${scratchProvider(2)} order by id desc`);
    const gone = [first.edges.at(-1)?.node.id as string, expected[5] as string];
    const kept = sql(`${SCHEMA}.deleted_line`);
    await sql`create table ${kept} as select * from ${table()} where id = any(${gone}::numeric[])`;
    await sql`delete from ${table()} where id in (select id from ${kept})`;
    try {
      const second = (
        await query<{ creditLines: Page }>(LINES, { f: filter, n: 5, after: first.pageInfo.endCursor })
      ).creditLines;
      expect(second.edges.map((e) => e.node.id)).toEqual(expected.slice(6, 11));
    } finally {
      await sql`insert into ${table()} select * from ${kept}`;
      await sql`drop table ${kept}`;
    }
  });

  it("a cursor of another list, or not a cursor, is BAD_USER_INPUT", async () => {
    for (const after of [
      Buffer.from("derivative:5").toString("base64url"),
      Buffer.from(`adoption:${scratchEventId(12)}`).toString("base64url"),
      "nonsense",
    ]) {
      const result = await run(LINES, { after });
      expect(result.errors?.[0]?.extensions?.code, after).toBe("BAD_USER_INPUT");
    }
    const invocations = await run(
      `query($after: String) { derivative(id: "5") { invocations(after: $after) { totalCount } } }`,
      { after: Buffer.from(`adoption:${scratchEventId(12)}`).toString("base64url") },
    );
    expect(invocations.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("a line's events, newest first, paged", async () => {
    const EVENTS = `query($id: ID!, $after: String) { creditLine(id: $id) { id status events(first: 2, after: $after) {
      ${PAGE_FIELDS.replace("node { id }", "node { id kind amount at }")} } } }`;
    const served = await walk(
      async (after) =>
        (await query<{ creditLine: { events: Page } }>(EVENTS, { id: "500", after })).creditLine.events,
    );
    expect(served).toEqual([scratchEventId(10_002), scratchEventId(10_001), scratchEventId(10_000)]);
  });
});

describe("a derivative's licences, adoptions and invocations", () => {
  it("nested under a page of derivatives (one statement per level): each equals its own list, counted", async () => {
    type Lists = {
      id: string;
      licences: Page;
      adoptions: Page;
      invocations: Page;
    };
    const { derivatives } = await query<{ derivatives: { edges: { node: Lists }[] } }>(`{
      derivatives(first: 12) { edges { node { id
        licences(first: 1) { ${PAGE_FIELDS} }
        adoptions(first: 5) { ${PAGE_FIELDS} }
        invocations(first: 2) { ${PAGE_FIELDS} } } } } }`);
    expect(derivatives.edges).toHaveLength(12);
    for (const { node } of derivatives.edges) {
      const [licences, adoptions, invocations] = await Promise.all(
        ["licence", "adoption", "invocation"].map((name) =>
          ids(sql`select id from ${sql(`${SCHEMA}.${name}`)} where derivative_id = ${node.id}::numeric
            order by id desc`),
        ),
      );
      expect(
        node.licences.edges.map((e) => e.node.id),
        node.id,
      ).toEqual(licences?.slice(0, 1));
      expect(node.licences.totalCount).toBe(2);
      expect(node.licences.pageInfo.hasNextPage).toBe(true);
      expect(
        node.adoptions.edges.map((e) => e.node.id),
        node.id,
      ).toEqual(adoptions?.slice(0, 5));
      expect(node.adoptions.totalCount).toBe(adoptions?.length);
      expect(
        node.invocations.edges.map((e) => e.node.id),
        node.id,
      ).toEqual(invocations?.slice(0, 2));
      expect([node.invocations.totalCount, node.invocations.totalCountIsExact]).toEqual([
        invocations?.length,
        true,
      ]);
    }
  });

  it("walked one by one, with their fields", async () => {
    // Derivative 2999: kind 3 (2999 mod 3 = 2), used (mod 4 ≠ 0), licensed (mod 5 ≠ 0): three invocations.
    const INVOCATIONS = `query($after: String) { derivative(id: "2999") { invocations(first: 1, after: $after) {
      ${PAGE_FIELDS} } } }`;
    const served = await walk(
      async (after) =>
        (await query<{ derivative: { invocations: Page } }>(INVOCATIONS, { after })).derivative.invocations,
    );
    expect(served).toEqual([29_992, 29_991, 29_990].map(scratchEventId));
    const { derivative } = await query<{
      derivative: {
        licenceTerms: Record<string, unknown>;
        licences: { edges: { node: Record<string, unknown> }[] };
        invocations: { edges: { node: Record<string, unknown> }[] };
      };
    }>(`{ derivative(id: "2999") {
      licenceTerms { price mode quantity active }
      licences(first: 2) { edges { node { id licensee mode usesLeft validUntil pricePaid revenue poolShare
        derivative { id } } } }
      invocations(first: 1) { edges { node { enterprise licenceId counted countedEnterprises invokedAt
        derivative { id kind } } } } } }`);
    expect(derivative.licenceTerms).toEqual({
      price: "10000000000000000000",
      mode: "PER_USE",
      quantity: "5",
      active: true,
    });
    expect(derivative.licences.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ id: "5998", mode: "PER_USE", usesLeft: "4", validUntil: null }),
      expect.objectContaining({ id: "5997", revenue: "9000000000000000000", derivative: { id: "2999" } }),
    ]);
    expect(derivative.invocations.edges[0]?.node).toEqual({
      enterprise: getAddress(scratchUser(2999, 0)),
      licenceId: "5997",
      counted: false,
      countedEnterprises: 2,
      invokedAt: new Date((1_700_000_000 + 2999 * 12 + 2) * 1000).toISOString().replace(".000Z", "Z"),
      derivative: { id: "2999", kind: "FAULT_WARNING_MODEL" },
    });
  });
});

describe("rewards, revenue, earnings and the pools", () => {
  it("Derivative.rewards: the rule of its kind with progress; claimable once earned and partly paid", async () => {
    const REWARDS = `query($id: ID!) { derivative(id: $id) { rewards { metric threshold countedAccounts amount owed
      paid claimable earnedAt } } }`;
    const rewardsOf = async (id: string) =>
      (await query<{ derivative: { rewards: unknown[] } }>(REWARDS, { id })).derivative.rewards;
    // 1 planting plan (i mod 3 = 0 → kind 1), 2 market forecast (no rule), 3 fault model.
    expect(await rewardsOf("2997")).toEqual([
      {
        metric: "ADOPTERS",
        threshold: 10,
        countedAccounts: 2,
        amount: "500000000000000000000",
        owed: "0",
        paid: "0",
        claimable: "0",
        earnedAt: null,
      },
    ]);
    expect(await rewardsOf("2998")).toEqual([]);
    expect((await rewardsOf("2999"))[0]).toMatchObject({
      metric: "ENTERPRISES",
      threshold: 3,
      countedAccounts: 2,
    });
    const table = sql(`${SCHEMA}.reward`);
    await sql`update ${table} set counted_accounts = 3, threshold = 3, amount = 1200, owed = 1200, paid = 700,
      earned_at = 1700100000, payee = ${scratchProvider(1)} where derivative_id = 2999`;
    try {
      expect(await rewardsOf("2999")).toEqual([
        {
          metric: "ENTERPRISES",
          threshold: 3,
          countedAccounts: 3,
          amount: "1200",
          owed: "1200",
          paid: "700",
          claimable: "500",
          earnedAt: "2023-11-16T02:00:00Z",
        },
      ]);
    } finally {
      await sql`update ${table} set counted_accounts = 2, threshold = null, amount = 0, owed = 0, paid = 0,
        earned_at = null, payee = null where derivative_id = 2999`;
    }
  });

  it("Provider.earnings per day and week equal the sums in SQL, zeros included; revenueOwed; too many buckets", async () => {
    // Provider 1 owns derivatives 7k: a licence earning each day, a reward each day.
    const provider = scratchProvider(1);
    const from = 1_700_006_400 + 10 * 86_400 - 3_600;
    const to = from + 30 * 86_400;
    const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
    type Point = { start: string; licenceRevenue: string; rewardsPaid: string; total: string };
    const EARNINGS = `query($a: Address!, $from: DateTime, $to: DateTime, $b: EarningsBucket) {
      provider(address: $a) { revenueOwed earnings(from: $from, to: $to, bucket: $b) {
        start licenceRevenue rewardsPaid total } } }`;
    for (const bucket of ["DAY", "WEEK"] as const) {
      const { provider: served } = await query<{ provider: { revenueOwed: string; earnings: Point[] } }>(
        EARNINGS,
        { a: provider, from: iso(from), to: iso(to), b: bucket },
      );
      const unit = bucket === "DAY" ? 86_400 : 7 * 86_400;
      const expected = await sql<{ start: string; licence: string; reward: string }[]>`
        select extract(epoch from date_trunc(${bucket.toLowerCase()}, to_timestamp(timestamp::float8)
            at time zone 'UTC'))::bigint::text as start,
          coalesce(sum(amount) filter (where kind = 'LICENCE'), 0)::text as licence,
          coalesce(sum(amount) filter (where kind = 'REWARD'), 0)::text as reward
        from ${sql(`${SCHEMA}.earning`)} where account = ${provider} and timestamp >= ${from} and timestamp < ${to}
        group by 1`;
      expect(expected.length).toBeGreaterThan(3);
      const first = bucketStartOf(bucket, from);
      expect(served.earnings.map((p) => p.start)).toEqual(
        Array.from({ length: Math.ceil((to - first) / unit) }, (_, i) => iso(first + i * unit)),
      );
      for (const point of served.earnings) {
        const row = expected.find((r) => iso(Number(r.start)) === point.start);
        expect(point, point.start).toEqual({
          start: point.start,
          licenceRevenue: row?.licence ?? "0",
          rewardsPaid: row?.reward ?? "0",
          total: String(BigInt(row?.licence ?? 0) + BigInt(row?.reward ?? 0)),
        });
      }
      if (bucket === "WEEK") expect(new Date(served.earnings[0]?.start ?? "").getUTCDay()).toBe(1);
      expect(served.revenueOwed).toBe("0");
    }
    const tooMany = await run(EARNINGS, { a: provider, from: iso(0), to: iso(to), b: "DAY" });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const backwards = await run(EARNINGS, { a: provider, from: iso(to), to: iso(from) });
    expect(backwards.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    await sql`insert into ${sql(`${SCHEMA}.revenue`)} values (${provider}, 42, 8, 50, 1700000000)`;
    const { provider: owed } = await query<{ provider: { revenueOwed: string } }>(
      `query($a: Address!) { provider(address: $a) { revenueOwed } }`,
      { a: provider },
    );
    expect(owed.revenueOwed).toBe("42");
  });

  it("Derivative.creditLine (the open one), its debt accruing; the pools", async () => {
    // Derivative 1000: line 500, (500 mod 3 = 2) DEFAULTED; 1002: line 501, OPEN.
    const { a, b, rewardPool, creditPool } = await query<{
      a: { creditLine: null };
      b: { creditLine: Record<string, unknown> & { interest: string; debt: string } };
      rewardPool: unknown;
      creditPool: unknown;
    }>(`{ a: derivative(id: "1000") { creditLine { id } }
      b: derivative(id: "1002") { creditLine { id status borrower { address } domain weightBps limit principal
        interest debt dueAt closedAt principalLost derivative { id } } }
      rewardPool { balance totalFunded totalClaimed shareBps }
      creditPool { totalAssets idle outstandingPrincipal totalLosses totalShares interestRateBps termSeconds } }`);
    expect(a.creditLine).toBeNull();
    expect(b.creditLine).toMatchObject({
      id: "501",
      status: "OPEN",
      borrower: { address: scratchProvider((1002 % PROVIDERS) + 1) },
      // Domain 1 + (i / 7) mod 2 in the seed.
      domain: "INDUSTRIAL",
      weightBps: 15000,
      limit: "1500000000000000000000",
      principal: "100000000000000000000",
      closedAt: null,
      principalLost: "0",
      derivative: { id: "1002" },
    });
    // Opened in 2023 at 800 bps a year on 100 ERA: more than 2 ERA of interest by now.
    expect(BigInt(b.creditLine.interest)).toBeGreaterThan(2n * 10n ** 18n);
    expect(BigInt(b.creditLine.debt)).toBe(BigInt(b.creditLine.interest) + 100n * 10n ** 18n);
    expect(rewardPool).toEqual({ balance: "100", totalFunded: "300", totalClaimed: "200", shareBps: 1000 });
    expect(creditPool).toEqual({
      totalAssets: "5000",
      idle: "3000",
      outstandingPrincipal: "2000",
      totalLosses: "0",
      totalShares: "5000",
      interestRateBps: 800,
      termSeconds: "7776000",
    });
  });

  it("interestNow: simple interest since the last accrual, rounded up; nothing accrues on a closed line", () => {
    const line = {
      status: "OPEN",
      principal: "1000000",
      interest: "5",
      accruedAt: "1000",
    } as CreditLineRow;
    const pool = { interestRateBps: 800, headTime: "0" } as CreditPoolRow;
    const year = 365 * 86_400;
    expect(interestNow(line, pool, 1000 + year)).toBe(5n + 80_000n);
    expect(interestNow(line, pool, 1001)).toBe(5n + 1n);
    expect(interestNow(line, pool, 1000)).toBe(5n);
    expect(interestNow(line, { ...pool, headTime: String(1000 + year) }, 1000)).toBe(5n + 80_000n);
    expect(interestNow({ ...line, status: "DEFAULTED" }, pool, 1000 + year)).toBe(5n);
  });
});

describe("utilisation", () => {
  /** The README's "Utilisation rate (SQL)" blocks, as an analyst copies them: as served, then the definition. */
  const readmeStatements = () =>
    [
      ...(readFileSync(new URL("../README.md", import.meta.url), "utf8")
        .split(/#+ Utilisation rate \(SQL\)/)[1]
        ?.matchAll(/```sql\n([\s\S]*?)```/g) ?? []),
    ].map((m) => (m[1] as string).trim());
  const inUse = () =>
    Array.from({ length: DERIVATIVES }, (_, k) => k + 1).filter((i) => i % 4 !== 0 && i % 5 !== 0);

  it("the definition over the seeded rows = the count worked out here = Query.utilisation = the README's statements", async () => {
    // Derivative i (bound to certificate i) is used unless i mod 4 = 0, by a licensed account unless i mod 5 = 0.
    const expected = {
      certifiedCores: DERIVATIVES,
      coresWithDerivativeInUse: inUse().length,
      rate: inUse().length / DERIVATIVES,
    };
    // This file's client camel-cases column names (postgres.camel).
    const asRow = (row: Record<string, unknown> | undefined) => ({
      certifiedCores: row?.certifiedCores,
      coresWithDerivativeInUse: row?.coresWithDerivativeInUse,
      rate: row?.rate,
    });
    const [fromDefinition] = await sql.unsafe(utilisationDefinitionSql(SCHEMA));
    expect(asRow(fromDefinition)).toEqual(expected);

    await seedUtilisationCount(sql, SCHEMA);
    const { utilisation } = await query<{ utilisation: Record<string, number> }>(
      "{ utilisation { certifiedCores coresWithDerivativeInUse rate } }",
    );
    expect(utilisation).toEqual(expected);

    const [served, definition] = readmeStatements();
    expect(served).toBe(utilisationSql("caldera"));
    expect(definition).toBe(utilisationDefinitionSql("caldera"));
    for (const statement of [served, definition]) {
      const [row] = await sql.unsafe((statement as string).replaceAll(/\bcaldera\./g, `${SCHEMA}.`));
      expect(asRow(row)).toEqual(expected);
    }
  });

  it("the definition counts a second core bound to a used derivative once, a use by an unlicensed account not at all", async () => {
    const core = sql(`${SCHEMA}.derivative_core`);
    // Certificate 4 (derivative 4: not used) joins derivative 1 (used): +1 core in use. Certificate 1 also joins
    // derivative 2 (used): still one.
    await sql`insert into ${core} values (1, 4, 1), (2, 1, 1)`;
    try {
      const [row] = await sql.unsafe(utilisationDefinitionSql(SCHEMA));
      expect(row?.coresWithDerivativeInUse).toBe(inUse().length + 1);
    } finally {
      await sql`delete from ${core} where (derivative_id, certificate_id) in ((1, 4), (2, 1))`;
    }
  });
});

describe("composition", () => {
  it("CreditLine is an entity: a partner subgraph's reference resolves by id", async () => {
    const { _entities } = await query<{ _entities: unknown[] }>(`{ _entities(representations: [
      { __typename: "CreditLine", id: "501" }, { __typename: "CreditLine", id: "x" }]) {
      ... on CreditLine { id status derivative { id } } } }`);
    expect(_entities).toEqual([{ id: "501", status: "OPEN", derivative: { id: "1002" } }, null]);
  });

  it("the subgraph's schema, circulation included, composes into a supergraph", () => {
    const result = composeServices([
      { name: "caldera", typeDefs: parse(printSubgraphSchema(schema)), url: "http://localhost:4001/graphql" },
    ]);
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    const supergraph = result.supergraphSdl ?? "";
    for (const name of [
      "licences(first: Int = 20, after: String): LicenceConnection!",
      "creditLines(filter: CreditLineFilter, first: Int = 20, after: String): CreditLineConnection!",
      "earnings(from: DateTime, to: DateTime, bucket: EarningsBucket = DAY): [EarningsPoint!]!",
      "utilisation: Utilisation!",
    ])
      expect(supergraph).toContain(name);
  });
});
