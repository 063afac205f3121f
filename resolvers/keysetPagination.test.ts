import { graphql as execute } from "graphql";
import postgres, { type PendingQuery, type Row, type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchTables } from "../test/support/createScratchTables.js";
import { scratchProvider, seedScratchRows } from "../test/support/seedScratchRows.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { EXACT_COUNT_LIMIT } from "./connection.js";
import { createLoaders } from "./createLoaders.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * Keyset pagination through the subgraph's own schema, resolvers and loaders over real Postgres (tables as ponder
 * declares them, rows generated in bulk): every page walk must return each matching row exactly once, in order,
 * across ties, deletes and combined filters. The list reads need nothing of the hub (chain, signer).
 */
const SCHEMA = "keyset_test";
// Past EXACT_COUNT_LIMIT, so the unfiltered total is an estimate; three certificates per block (ties).
const CERTIFICATES = EXACT_COUNT_LIMIT + 2_000;
const PROVIDERS = 7;

let pg: TestPostgres;
let sql: Sql;
const schema = createSubgraphSchema();

async function query<T>(source: string, variables: Record<string, unknown> = {}): Promise<T> {
  const context = { loaders: createLoaders(sql, SCHEMA), caller: {} } as unknown as SubgraphContext;
  const result = await execute({ schema, source, variableValues: variables, contextValue: context });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

type Page = {
  totalCount: number;
  totalCountIsExact: boolean;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { id: string } }[];
};

const CERTIFICATE_PAGE = `query($f: CertificateFilter, $n: Int, $after: String) {
  certificates(filter: $f, first: $n, after: $after) {
    totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`;

/** Walks every page of a list; returns the ids in the order served. */
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

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { transform: postgres.camel, onnotice: () => {}, max: 4 });
  await createScratchTables(sql, SCHEMA);
  await seedScratchRows(sql, SCHEMA, {
    fromId: 1,
    toId: CERTIFICATES,
    providers: PROVIDERS,
    proposals: 3,
    votesPerProposal: 41,
    nodes: 300,
  });
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

/** The expected newest-first order of certificate ids under a filter, straight from SQL. */
async function expectedCertificates(where: PendingQuery<Row[]>): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from ${sql(`${SCHEMA}.certificate`)} where true ${where} order by certified_at desc, id desc`;
  return rows.map((row) => row.id);
}

describe("certificates: keyset pagination", () => {
  it("combined filters: every page walk returns each match once, newest first, across certified_at ties", async () => {
    const from = 1_700_000_000 + 12 * 1_000;
    const before = 1_700_000_000 + 12 * 1_400;
    const cases = [
      [
        { provider: scratchProvider(3), domain: "INDUSTRIAL" },
        sql`and provider = ${scratchProvider(3)} and domain = 2`,
      ],
      [
        { domain: "AGRICULTURAL", certifiedFrom: from, certifiedBefore: before },
        sql`and domain = 1 and certified_at >= ${from} and certified_at < ${before}`,
      ],
      [
        { provider: scratchProvider(5), certifiedBefore: before },
        sql`and provider = ${scratchProvider(5)} and certified_at < ${before}`,
      ],
      [
        { certifiedFrom: from, certifiedBefore: before },
        sql`and certified_at >= ${from} and certified_at < ${before}`,
      ],
    ] as const;
    for (const [filter, where] of cases) {
      const variables = {
        f: {
          ...filter,
          ...("certifiedFrom" in filter
            ? { certifiedFrom: new Date(filter.certifiedFrom * 1000).toISOString() }
            : {}),
          ...("certifiedBefore" in filter
            ? { certifiedBefore: new Date(filter.certifiedBefore * 1000).toISOString() }
            : {}),
        },
      };
      const expected = await expectedCertificates(where);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(20);
      // 7 per page: page boundaries fall inside groups of three certificates with one certified_at.
      const served = await walk(
        async (after) =>
          (await query<{ certificates: Page }>(CERTIFICATE_PAGE, { ...variables, n: 7, after })).certificates,
      );
      expect(served, JSON.stringify(filter)).toEqual(expected);
      const { certificates } = await query<{ certificates: Page }>(CERTIFICATE_PAGE, { ...variables, n: 1 });
      expect([certificates.totalCount, certificates.totalCountIsExact], JSON.stringify(filter)).toEqual([
        expected.length,
        true,
      ]);
    }
  });

  it("a page boundary inside a tie: the cursor carries (certifiedAt, id), so no row of the tie is lost", async () => {
    // Ids 3k, 3k+1, 3k+2 share a certified_at: a page of 2 ending at the newest id splits the tie.
    const first = (await query<{ certificates: Page }>(CERTIFICATE_PAGE, { n: 2 })).certificates;
    const second = (
      await query<{ certificates: Page }>(CERTIFICATE_PAGE, { n: 2, after: first.pageInfo.endCursor })
    ).certificates;
    const [a, b, c] = await sql<{ certifiedAt: string }[]>`
      select certified_at from ${sql(`${SCHEMA}.certificate`)} where id = any(${
        [first.edges[1]?.node.id, second.edges[0]?.node.id, first.edges[0]?.node.id] as string[]
      }::numeric[]) order by id desc`;
    expect(new Set([a?.certifiedAt, b?.certifiedAt, c?.certifiedAt]).size).toBeLessThan(3);
    expect([...first.edges, ...second.edges].map((e) => Number(e.node.id))).toEqual(
      [0, 1, 2, 3].map((i) => CERTIFICATES - i),
    );
  });

  it("rows deleted between pages, including the cursor's own row: the next page starts strictly after it", async () => {
    const filter = { provider: scratchProvider(2) };
    const first = (await query<{ certificates: Page }>(CERTIFICATE_PAGE, { f: filter, n: 5 })).certificates;
    const expected = await expectedCertificates(sql`and provider = ${scratchProvider(2)}`);
    const lastShown = first.edges.at(-1)?.node.id as string;
    const nextUnseen = expected[5] as string;
    const table = sql(`${SCHEMA}.certificate`);
    const kept = sql(`${SCHEMA}.deleted_certificate`);
    await sql`create table ${kept} as select * from ${table} where id = any(${[lastShown, nextUnseen]}::numeric[])`;
    await sql`delete from ${table} where id in (select id from ${kept})`;
    try {
      const second = (
        await query<{ certificates: Page }>(CERTIFICATE_PAGE, {
          f: filter,
          n: 5,
          after: first.pageInfo.endCursor,
        })
      ).certificates;
      expect(second.edges.map((e) => e.node.id)).toEqual(expected.slice(6, 11));
    } finally {
      await sql`insert into ${table} select * from ${kept}`;
      await sql`drop table ${kept}`;
    }
  });

  it("after a cursor of a row that never existed in this list (another filter's row): strictly after its position", async () => {
    const other = (
      await query<{ certificates: Page }>(CERTIFICATE_PAGE, { f: { provider: scratchProvider(1) }, n: 1 })
    ).certificates;
    const page = (
      await query<{ certificates: Page }>(CERTIFICATE_PAGE, {
        f: { provider: scratchProvider(4) },
        n: 3,
        after: other.edges[0]?.cursor,
      })
    ).certificates;
    const expected = await expectedCertificates(sql`
      and provider = ${scratchProvider(4)}
      and (certified_at, id) < (select certified_at, id from ${sql(`${SCHEMA}.certificate`)} where id = ${other.edges[0]?.node.id as string}::numeric)`);
    expect(page.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 3));
  });

  it("a cursor of another list, or not a cursor, is BAD_USER_INPUT", async () => {
    const context = { loaders: createLoaders(sql, SCHEMA), caller: {} } as unknown as SubgraphContext;
    for (const after of [
      Buffer.from("derivative:5").toString("base64url"),
      "nonsense",
      Buffer.from("certificate:1").toString("base64url"),
    ]) {
      const result = await execute({
        schema,
        source: CERTIFICATE_PAGE,
        variableValues: { after },
        contextValue: context,
      });
      expect(result.errors?.[0]?.extensions?.code, after).toBe("BAD_USER_INPUT");
    }
  });

  it("totalCount: exact for a provider and for filters up to the limit; beyond it an estimate, flagged", async () => {
    const all = (await query<{ certificates: Page }>(CERTIFICATE_PAGE, { n: 0 })).certificates;
    expect(all.totalCountIsExact).toBe(false);
    expect(all.totalCount).toBeGreaterThan(EXACT_COUNT_LIMIT);
    expect(all.edges).toEqual([]);
    expect(all.pageInfo.hasNextPage).toBe(true);
    const [{ count } = { count: 0 }] = await sql<{ count: number }[]>`
      select count(*)::int as count from ${sql(`${SCHEMA}.certificate`)} where provider = ${scratchProvider(6)}`;
    const byProvider = await query<{ provider: { certificates: Page } }>(
      `query($a: Address!) { provider(address: $a) { certificates(first: 1) { totalCount totalCountIsExact
        pageInfo { hasNextPage endCursor } edges { cursor node { id } } } } }`,
      { a: scratchProvider(6) },
    );
    expect([
      byProvider.provider.certificates.totalCount,
      byProvider.provider.certificates.totalCountIsExact,
    ]).toEqual([count, true]);
  });

  it("nested Provider.certificates for many providers (one batched statement) equals each provider's own page", async () => {
    const nested = await query<{
      certificates: { edges: { node: { provider: { address: string; certificates: Page } } }[] };
    }>(`{ certificates(first: 10) { edges { node { provider { address certificates(first: 4) {
          totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { id } } } } } } } }`);
    const providers = nested.certificates.edges.map((e) => e.node.provider);
    expect(new Set(providers.map((p) => p.address)).size).toBe(PROVIDERS);
    for (const { address, certificates } of providers) {
      const expected = await expectedCertificates(sql`and provider = ${address.toLowerCase()}`);
      expect(certificates.edges.map((e) => e.node.id)).toEqual(expected.slice(0, 4));
      expect(certificates.totalCount).toBe(expected.length);
    }
  });
});

describe("derivatives, votes and nodes: keyset pagination", () => {
  it("derivatives under combined filters", async () => {
    const PAGE = `query($f: DerivativeFilter, $after: String) { derivatives(filter: $f, first: 6, after: $after) {
      totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`;
    const cases = [
      [
        { owner: scratchProvider(3), kind: "MARKET_FORECAST" },
        sql`and owner = ${scratchProvider(3)} and kind = 2`,
      ],
      [{ certificate: "4989" }, sql`and id = 4989`],
      [
        { owner: scratchProvider(1), certificate: "4989" },
        sql`and owner = ${scratchProvider(1)} and id = 4989`,
      ],
    ] as const;
    for (const [filter, where] of cases) {
      const expected = (
        await sql<{ id: string }[]>`
          select id from ${sql(`${SCHEMA}.derivative`)} where true ${where} order by id desc`
      ).map((row) => row.id);
      const served = await walk(
        async (after) => (await query<{ derivatives: Page }>(PAGE, { f: filter, after })).derivatives,
      );
      expect(served, JSON.stringify(filter)).toEqual(expected);
      const { derivatives } = await query<{ derivatives: Page }>(PAGE, { f: filter });
      expect([derivatives.totalCount, derivatives.totalCountIsExact]).toEqual([expected.length, true]);
    }
  });

  it("a proposal's votes (four per block: ties) and the nodes (many equal stakes)", async () => {
    const [proposal] = await sql<
      { id: string }[]
    >`select id from ${sql(`${SCHEMA}.proposal`)} order by id limit 1`;
    const VOTES = `query($id: ID!, $after: String) { proposal(id: $id) { voteList(first: 5, after: $after) {
      totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { voter { address } } } } } }`;
    const voters = await walk(async (after) => {
      const { proposal: p } = await query<{
        proposal: {
          voteList: Omit<Page, "edges"> & {
            edges: { cursor: string; node: { voter: { address: string } } }[];
          };
        };
      }>(VOTES, { id: proposal?.id, after });
      return {
        ...p.voteList,
        edges: p.voteList.edges.map((e) => ({ ...e, node: { id: e.node.voter.address.toLowerCase() } })),
      };
    });
    const expectedVoters = (
      await sql<{ voter: string }[]>`
        select voter from ${sql(`${SCHEMA}.vote`)} where proposal_id = ${proposal?.id as string}::numeric
        order by block_number desc, voter desc`
    ).map((row) => row.voter);
    expect(voters).toEqual(expectedVoters);

    const NODES = `query($after: String) { nodes(first: 7, after: $after) {
      totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { address } } } }`;
    const nodes = await walk(async (after) => {
      const { nodes: page } = await query<{
        nodes: Omit<Page, "edges"> & { edges: { cursor: string; node: { address: string } }[] };
      }>(NODES, { after });
      return {
        ...page,
        edges: page.edges.map((e) => ({ ...e, node: { id: e.node.address.toLowerCase() } })),
      };
    });
    const expectedNodes = (
      await sql<{ account: string }[]>`
        select account from ${sql(`${SCHEMA}.node_stake`)} where staked > 0 or pending_unstake > 0
        order by staked desc, account`
    ).map((row) => row.account);
    expect(nodes).toEqual(expectedNodes);
    const { nodes: counted } = await query<{ nodes: Page }>(NODES);
    expect([counted.totalCount, counted.totalCountIsExact]).toEqual([expectedNodes.length, true]);
  });
});

describe("Certificate.derivatives: the newest `first`, at most 100; the filtered page has them all", () => {
  it("a certificate bound to 121 derivatives", async () => {
    // Certificate 7 is the core of derivative 7 (seeded) and, here, of the 120 derivatives 1001..1120 as well.
    await sql`
      insert into ${sql(`${SCHEMA}.derivative_core`)} (derivative_id, certificate_id, position)
      select i, 7, 1 from generate_series(1001, 1120) as i`;
    const all = (
      await sql<{ id: string }[]>`
        select derivative_id as id from ${sql(`${SCHEMA}.derivative_core`)} where certificate_id = 7
        order by derivative_id desc`
    ).map((row) => row.id);
    expect(all).toHaveLength(121);
    const { certificate } = await query<{ certificate: { derivatives: { id: string }[] } }>(
      `{ certificate(id: "7") { derivatives { id } } }`,
    );
    expect(certificate.derivatives.map((d) => d.id)).toEqual(all.slice(0, 100));
    const { few } = await query<{ few: { derivatives: { id: string }[] } }>(
      `{ few: certificate(id: "7") { derivatives(first: 3) { id } } }`,
    );
    expect(few.derivatives.map((d) => d.id)).toEqual(all.slice(0, 3));
    const served = await walk(
      async (after) =>
        (
          await query<{ derivatives: Page }>(
            `query($after: String) { derivatives(filter: { certificate: "7" }, first: 50, after: $after) {
              totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }`,
            { after },
          )
        ).derivatives,
    );
    expect(served).toEqual(all);
  });
});
