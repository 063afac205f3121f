import postgres, { type PendingQuery, type Row, type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CertificatePageKey, certificateListQueries } from "../../resolvers/certificateListQueries.js";
import { type CreditLineFilterKey, circulationListQueries } from "../../resolvers/circulationListQueries.js";
import { createLoaders } from "../../resolvers/createLoaders.js";
import { type DerivativePageKey, derivativeListQueries } from "../../resolvers/derivativeListQueries.js";
import { governanceListQueries } from "../../resolvers/governanceListQueries.js";
import {
  type CaseFilterKey,
  type RiskFeaturePageKey,
  riskListQueries,
} from "../../resolvers/riskListQueries.js";
import { createScratchTables } from "../support/createScratchTables.js";
import { scratchEventId, seedCirculationRows } from "../support/seedCirculationRows.js";
import { scratchFeatureTime, seedRiskRows } from "../support/seedRiskRows.js";
import { scratchProvider, seedScratchRows } from "../support/seedScratchRows.js";
import { startTestPostgres, type TestPostgres } from "../support/startTestPostgres.js";

/**
 * Every list query shape the loaders issue, planned over tables with the indexes ponder builds and enough rows that
 * a sequential scan would cost the whole table: a plan with a Seq Scan of a large table fails. The statements come
 * from the loaders' own builders (resolvers/*ListQueries.ts).
 */
const SCHEMA = "scale_explain";
const CERTIFICATES = 60_000;
const LARGE_TABLES = [
  "certificate",
  "derivative",
  "derivative_core",
  "vote",
  "node_stake",
  "proposal",
  "provider",
  "licence",
  "adoption",
  "invocation",
  "credit_line",
  "credit_event",
  "earning",
  "risk_feature",
  "risk_feature_attestation",
  "margin",
  "freeze_case",
  "case_event",
  "disposal",
  "disposal_share",
];
/** Providers with a margin (seedRiskRows makes one per provider), so that `margins` is a large table too. */
const RISK_PROVIDERS = 20_000;

type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Filter?: string;
  Plans?: PlanNode[];
};

/** Filters that cannot grow with the table (see seqScansOf). */
const ALLOWED_FILTERS: { relation: string; indexCond?: RegExp; filter: RegExp; why: string }[] = [
  {
    relation: "certificate",
    filter: /^\(domain = /,
    why: "two domains: the planner filters the time-ordered index only when the domain is common (≥ ~half the rows)",
  },
  {
    relation: "derivative",
    filter: /^\(kind = /,
    why: "three kinds: filtered only when common, as for domains",
  },
  {
    relation: "derivative",
    indexCond: /id = dc\.derivative_id/,
    filter: /^\((owner|kind) = /,
    why: "a lookup by id of each derivative of one certificate (found on derivative_core's index): one row each",
  },
  {
    relation: "credit_line",
    filter: /^\(status = /,
    why: "three statuses: filtered only when common, as for domains (a rare one takes its (status, id) index)",
  },
  {
    relation: "credit_line",
    indexCond: /derivative_id = /,
    filter: /^\(\(?borrower\)?(::text)? = /,
    why: "creditLines by borrower and derivative: the derivative's own lines (one pledge at a time), few ever",
  },
  {
    relation: "freeze_case",
    filter: /^(\(|\)|status = ('[A-Z]+'::text|k\.\w+)|ecosystem_id = (\d+|k\.\w+)| AND )+$/,
    why: "five statuses, few ecosystems: filtered only when common, as for credit lines (a rare one takes its index)",
  },
  {
    relation: "risk_feature",
    filter:
      /^(\(|\)|NOT verified|verified = \(k\.verified = 1\)|verified|(kind|severity|ecosystem_id) = (\d+|k\.\w+)| AND )+$/,
    why: "one branch's kind, severity and verified (5, 5, 2 values, few ecosystems): filtered only when common",
  },
  {
    relation: "node_stake",
    filter: /staked > .*pending_unstake > /,
    why: "nodes that withdrew everything sort last (stake 0); documented in README",
  },
];

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/** Every subset of `names`, as objects with the chosen names set by `value`. */
function combinations<T>(names: readonly (keyof T)[], value: (name: keyof T) => unknown): Partial<T>[] {
  return Array.from({ length: 2 ** names.length }, (_, mask) =>
    Object.fromEntries(names.filter((_, bit) => mask & (1 << bit)).map((name) => [name, value(name)])),
  ) as Partial<T>[];
}

let pg: TestPostgres;
let sql: Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { transform: postgres.camel, onnotice: () => {}, max: 2 });
  await createScratchTables(sql, SCHEMA);
  await seedScratchRows(sql, SCHEMA, {
    fromId: 1,
    toId: CERTIFICATES,
    proposals: 2_000,
    votesPerProposal: 30,
    nodes: 20_000,
  });
  await seedCirculationRows(sql, SCHEMA, { fromId: 1, toId: CERTIFICATES });
  await seedRiskRows(sql, SCHEMA, { fromId: 1, toId: CERTIFICATES, providers: RISK_PROVIDERS });
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

async function unboundedScansOf<T extends readonly (object | undefined)[]>(
  query: PendingQuery<T>,
): Promise<{ scans: string[]; plan: string }> {
  return scansOfPlan(await sql<Row[]>`explain (format json) ${query}`);
}

/**
 * The statements a loader sends for `load` (recorded by postgres.js's `debug` hook on a pool of its own), each
 * planned as `unboundedScansOf` plans a builder's: for the loaders whose statement is not a list builder's.
 */
async function unboundedScansOfLoader(
  load: (recording: Sql) => Promise<unknown>,
): Promise<{ scans: string[]; plan: string }[]> {
  const statements: { string: string; parameters: unknown[] }[] = [];
  const recording = postgres(pg.url, {
    transform: postgres.camel,
    onnotice: () => {},
    max: 1,
    // Only the loader's own: a fresh pool first reads Postgres's array types.
    debug: (_connection, string, parameters) => {
      if (string.includes(SCHEMA)) statements.push({ string, parameters });
    },
  });
  try {
    await load(recording);
  } finally {
    await recording.end();
  }
  expect(statements.length).toBeGreaterThan(0);
  return Promise.all(
    statements.map(async ({ string, parameters }) =>
      scansOfPlan(await sql.unsafe<Row[]>(`explain (format json) ${string}`, parameters as never[])),
    ),
  );
}

function scansOfPlan([row]: readonly Row[]): { scans: string[]; plan: string } {
  const plan = (Object.values(row ?? {})[0] as [{ Plan: PlanNode }])[0].Plan;
  const large = nodesOf(plan).filter((node) => LARGE_TABLES.includes(node["Relation Name"] ?? ""));
  const scans = [
    ...large
      .filter((node) => node["Node Type"] === "Seq Scan")
      .map((node) => `Seq Scan on ${node["Relation Name"]}`),
    // An index walked in page order while a Filter throws rows away grows with the table too, unless what it
    // throws away is bounded (ALLOWED_FILTERS, each with its reason).
    ...large
      .filter(
        (node) =>
          node.Filter !== undefined &&
          !ALLOWED_FILTERS.some(
            (allowed) =>
              allowed.relation === node["Relation Name"] &&
              (allowed.indexCond === undefined || allowed.indexCond.test(node["Index Cond"] ?? "")) &&
              allowed.filter.test(node.Filter ?? ""),
          ),
      )
      .map((node) => `${node["Node Type"]} on ${node["Relation Name"]} filtering ${node.Filter}`),
  ];
  return { scans, plan: JSON.stringify(plan) };
}

describe("EXPLAIN of every list query shape: no sequential scan of a large table", () => {
  it("seeded large tables (the check is not vacuous)", async () => {
    const [{ count } = { count: 0 }] = await sql<{ count: number }[]>`
      select count(*)::int as count from ${sql(`${SCHEMA}.certificate`)}`;
    expect(count).toBe(CERTIFICATES);
    // Without its indexes the same statement must plan a Seq Scan, or this test could not fail.
    let plan = "";
    await sql
      .begin(async (tx) => {
        const indexes = await tx<{ name: string }[]>`
          select indexname as name from pg_indexes where schemaname = ${SCHEMA} and tablename = 'certificate'`;
        for (const { name } of indexes)
          await tx.unsafe(`alter table "${SCHEMA}".certificate drop constraint if exists "${name}"`);
        for (const { name } of indexes) await tx.unsafe(`drop index if exists "${SCHEMA}"."${name}"`);
        const query = certificateListQueries(tx as unknown as Sql, SCHEMA).page([{ first: 20 }]);
        plan = JSON.stringify(await tx<Row[]>`explain (format json) ${query}`);
        throw new Error("roll back");
      })
      .catch((error: Error) => {
        if (error.message !== "roll back") throw error;
      });
    expect(plan).toContain('"Seq Scan"');
  });

  const certificateFilters = combinations<Omit<CertificatePageKey, "first" | "columns">>(
    ["provider", "domain", "certifiedFrom", "certifiedBefore", "after"],
    (name) =>
      ({
        provider: scratchProvider(5),
        domain: 2,
        certifiedFrom: 1_700_000_000 + 12 * 1_000,
        certifiedBefore: 1_700_000_000 + 12 * 15_000,
        after: { certifiedAt: String(1_700_000_000 + 12 * 10_000), id: "30000" },
      })[name],
  );

  it.each(certificateFilters.map((key) => [JSON.stringify(key), key] as const))(
    "certificates page and count %s",
    async (_, filter) => {
      const queries = certificateListQueries(sql, SCHEMA);
      const page = await unboundedScansOf(queries.page([{ ...filter, first: 20 }]));
      expect(page.scans, page.plan).toEqual([]);
      const { after: _after, ...countKey } = filter;
      const count = await unboundedScansOf(queries.boundedCount([countKey]));
      expect(count.scans, count.plan).toEqual([]);
    },
  );

  it("certificates of 20 providers at once (Provider.certificates in a list): one statement on an index", async () => {
    const keys = Array.from({ length: 20 }, (_, i) => ({ provider: scratchProvider(i + 1), first: 5 }));
    const { scans, plan } = await unboundedScansOf(certificateListQueries(sql, SCHEMA).page(keys));
    expect(scans, plan).toEqual([]);
    expect(plan).toContain("certificate_provider");
    // As the nested query asks: only the columns its selection reads (certificateColumns), the same index.
    const narrow = keys.map((key) => ({ ...key, columns: ["certified_at", "id"] }));
    const selected = await unboundedScansOf(certificateListQueries(sql, SCHEMA).page(narrow));
    expect(selected.scans, selected.plan).toEqual([]);
    expect(selected.plan).toContain("certificate_provider");
  });

  const derivativeFilters = combinations<Omit<DerivativePageKey, "first">>(
    ["owner", "kind", "certificate", "afterId"],
    (name) => ({ owner: scratchProvider(5), kind: 2, certificate: "4989", afterId: "30000" })[name],
  );

  it.each(derivativeFilters.map((key) => [JSON.stringify(key), key] as const))(
    "derivatives page and count %s",
    async (_, filter) => {
      const queries = derivativeListQueries(sql, SCHEMA);
      const page = await unboundedScansOf(queries.page([{ ...filter, first: 20 }]));
      expect(page.scans, page.plan).toEqual([]);
      const { afterId: _after, ...countKey } = filter;
      const count = await unboundedScansOf(queries.boundedCount([countKey]));
      expect(count.scans, count.plan).toEqual([]);
    },
  );

  it("derivatives of 20 providers at once (Provider.derivatives in a list)", async () => {
    const keys = Array.from({ length: 20 }, (_, i) => ({ owner: scratchProvider(i + 1), first: 5 }));
    const { scans, plan } = await unboundedScansOf(derivativeListQueries(sql, SCHEMA).page(keys));
    expect(scans, plan).toEqual([]);
  });

  it("Certificate.derivatives of 20 certificates at once: each certificate's newest 100 on derivative_core's index", async () => {
    const certificates = Array.from({ length: 20 }, (_, i) => String(1_000 + i * 997));
    const plans = await unboundedScansOfLoader((recording) =>
      createLoaders(recording, SCHEMA).derivativeIdsByCertificate.loadMany(certificates),
    );
    for (const { scans, plan } of plans) {
      expect(scans, plan).toEqual([]);
      expect(plan).toContain("derivative_core_certificate");
    }
  });

  it("proposals, votes and nodes: pages and counts", async () => {
    const queries = governanceListQueries(sql, SCHEMA);
    const proposalIds = Array.from({ length: 20 }, (_, i) => String(i + 100));
    // biome-ignore lint/suspicious/noExplicitAny: statements of several row types, only explained
    const shapes: [string, PendingQuery<any>][] = [
      ["proposals", queries.proposalPage({ first: 20 })],
      ["proposals after", queries.proposalPage({ first: 20, after: { createdBlock: "9999", id: "1000" } })],
      ["proposal count", queries.proposalBoundedCount()],
      ["votes", queries.votePage(proposalIds.map((proposalId) => ({ proposalId, first: 5 })))],
      [
        "votes after",
        queries.votePage(
          proposalIds.map((proposalId) => ({
            proposalId,
            first: 5,
            after: { blockNumber: "2000", voter: `0x${"0".repeat(39)}9` },
          })),
        ),
      ],
      ["vote count", queries.voteBoundedCount(proposalIds)],
      ["nodes", queries.nodePage({ first: 20 })],
      [
        "nodes after",
        queries.nodePage({ first: 20, after: { staked: "25000", account: `0x${"0".repeat(39)}1` } }),
      ],
      ["node count", queries.nodeBoundedCount()],
    ];
    for (const [name, query] of shapes) {
      const { scans, plan } = await unboundedScansOf(query);
      expect(scans, `${name}: ${plan}`).toEqual([]);
    }
  });

  it("a derivative's licences, adoptions and invocations, and a line's events: pages (one key, 20 keys) and counts", async () => {
    const lists = circulationListQueries(sql, SCHEMA);
    const derivatives = Array.from({ length: 20 }, (_, i) => String(30_001 + i * 7));
    const cursors = {
      licences: "40000",
      adoptions: scratchEventId(300_011),
      invocations: scratchEventId(300_011),
    };
    // biome-ignore lint/suspicious/noExplicitAny: statements of several row types, only explained
    const shapes: [string, PendingQuery<any>][] = [];
    for (const name of ["licences", "adoptions", "invocations"] as const) {
      const list = lists[name];
      const after = cursors[name];
      shapes.push(
        [`${name} page`, list.page([{ derivative: "30001", first: 20 }])],
        [`${name} page after`, list.page([{ derivative: "30001", first: 20, after }])],
        [`${name} pages`, list.page(derivatives.map((derivative) => ({ derivative, first: 5 })))],
        [
          `${name} pages after`,
          list.page(derivatives.map((derivative) => ({ derivative, first: 5, after }))),
        ],
        [`${name} count`, list.boundedCount([{ derivative: "30001" }])],
        [`${name} counts`, list.boundedCount(derivatives.map((derivative) => ({ derivative })))],
      );
    }
    const lines = derivatives.map((id) => String(Number(id) + 1));
    shapes.push(
      ["credit events page", lists.creditEvents.page([{ line: "15001", first: 20 }])],
      [
        "credit events pages after",
        lists.creditEvents.page(lines.map((line) => ({ line, first: 5, after: scratchEventId(300_011) }))),
      ],
      ["credit events counts", lists.creditEvents.boundedCount(lines.map((line) => ({ line })))],
      [
        "earnings of 20 providers by week",
        lists.earnings(
          Array.from({ length: 20 }, (_, i) => scratchProvider(i + 1)),
          1_700_006_400 + 10 * 86_400,
          1_700_006_400 + 40 * 86_400,
          "WEEK",
        ),
      ],
    );
    for (const [name, query] of shapes) {
      const { scans, plan } = await unboundedScansOf(query);
      expect(scans, `${name}: ${plan}`).toEqual([]);
    }
  });

  const creditLineFilters = combinations<Omit<CreditLineFilterKey, "first"> & { after: string }>(
    ["borrower", "status", "derivative", "after"],
    (name) => ({ borrower: scratchProvider(5), status: "OPEN", derivative: "30004", after: "12000" })[name],
  );

  it.each(creditLineFilters.map((key) => [JSON.stringify(key), key] as const))(
    "creditLines page and count %s",
    async (_, filter) => {
      const lines = circulationListQueries(sql, SCHEMA).creditLines;
      const page = await unboundedScansOf(lines.page([{ ...filter, first: 20 }]));
      expect(page.scans, page.plan).toEqual([]);
      const { after: _after, ...countKey } = filter;
      const count = await unboundedScansOf(lines.boundedCount([countKey]));
      expect(count.scans, count.plan).toEqual([]);
      const batch = await unboundedScansOf(
        lines.page(
          Array.from({ length: 20 }, (_, i) => ({
            ...filter,
            first: 5,
            ...(filter.borrower ? { borrower: scratchProvider(i + 1) } : {}),
          })),
        ),
      );
      expect(batch.scans, batch.plan).toEqual([]);
    },
  );

  /** Every combination of riskFeatures' filters and a cursor (2⁸), for one page, one count and a batch of 20. */
  const riskFeatureFilters = combinations<Omit<RiskFeaturePageKey, "first">>(
    ["subject", "ecosystem", "kind", "minSeverity", "from", "to", "verified", "after"],
    (name) =>
      ({
        subject: scratchProvider(5),
        ecosystem: 3,
        kind: 2,
        minSeverity: 3,
        from: scratchFeatureTime(1_000),
        to: scratchFeatureTime(50_000),
        verified: true,
        after: { publishedAt: String(scratchFeatureTime(30_000)), id: "30000" },
      })[name],
  );

  it("riskFeatures and Provider.riskFeatures: pages (one key, 20 keys) and counts under all 256 filter shapes", async () => {
    const features = riskListQueries(sql, SCHEMA).riskFeatures;
    const failures: string[] = [];
    for (const filter of riskFeatureFilters) {
      const { after: _after, ...countKey } = filter;
      // biome-ignore lint/suspicious/noExplicitAny: statements of several row types, only explained
      const shapes: [string, PendingQuery<any>][] = [
        ["page", features.page([{ ...filter, first: 20 }])],
        ["count", features.boundedCount([countKey])],
        [
          "20 providers",
          features.page(
            Array.from({ length: 20 }, (_, i) => ({ ...filter, subject: scratchProvider(i + 1), first: 5 })),
          ),
        ],
      ];
      for (const [name, query] of shapes) {
        const { scans, plan } = await unboundedScansOf(query);
        if (scans.length > 0) failures.push(`${name} ${JSON.stringify(filter)}: ${scans.join("; ")} ${plan}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("riskFeatures by severity alone (its own index, a branch per severity), by verified alone (5 × 5 × 2 class branches) and by kind and minSeverity LOW", async () => {
    const features = riskListQueries(sql, SCHEMA).riskFeatures;
    for (const key of [
      { minSeverity: 1 },
      { minSeverity: 4 },
      { verified: false },
      { kind: 5, minSeverity: 1 },
    ]) {
      const page = await unboundedScansOf(features.page([{ ...key, first: 20 }]));
      expect(page.scans, page.plan).toEqual([]);
      const count = await unboundedScansOf(features.boundedCount([key]));
      expect(count.scans, count.plan).toEqual([]);
      // A minimum severity alone reads (severity, published_at, id), not 5 × 2 class branches per severity.
      if (Object.keys(key).join() === "minSeverity")
        for (const plan of [page.plan, count.plan])
          expect(plan).toContain("risk_feature_severity_published_at_id_idx");
    }
  });

  const caseFilters = combinations<Omit<CaseFilterKey, "first"> & { after: string }>(
    ["provider", "ecosystem", "status", "after"],
    (name) => ({ provider: scratchProvider(5), ecosystem: 3, status: "OPEN", after: "30000" })[name],
  );

  it.each(caseFilters.map((key) => [JSON.stringify(key), key] as const))(
    "cases page and count %s",
    async (_, filter) => {
      const cases = riskListQueries(sql, SCHEMA).cases;
      const page = await unboundedScansOf(cases.page([{ ...filter, first: 20 }]));
      expect(page.scans, page.plan).toEqual([]);
      const { after: _after, ...countKey } = filter;
      const count = await unboundedScansOf(cases.boundedCount([countKey]));
      expect(count.scans, count.plan).toEqual([]);
    },
  );

  it("margins, disposals and ecosystems: pages, after a cursor, counts", async () => {
    const lists = riskListQueries(sql, SCHEMA);
    // biome-ignore lint/suspicious/noExplicitAny: statements of several row types, only explained
    const shapes: [string, PendingQuery<any>][] = [
      ["margins", lists.margins.page([{ first: 20 }])],
      ["margins after", lists.margins.page([{ first: 20, after: scratchEventId(10_000) }])],
      ["margin count", lists.margins.boundedCount([{}])],
      ["disposals", lists.disposals.page([{ first: 20 }])],
      ["disposals after", lists.disposals.page([{ first: 20, after: "30000" }])],
      ["disposal count", lists.disposals.boundedCount([{}])],
      ["ecosystems", lists.ecosystemPage(20, 5)],
    ];
    for (const [name, query] of shapes) {
      const { scans, plan } = await unboundedScansOf(query);
      expect(scans, `${name}: ${plan}`).toEqual([]);
    }
  });
});
