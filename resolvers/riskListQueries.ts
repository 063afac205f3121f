import type { PendingQuery, Row, Sql } from "postgres";
import { keysetList } from "./circulationListQueries.js";
import { EXACT_COUNT_LIMIT } from "./connection.js";

/** The kinds (IRiskFeatureRegistry.RiskKind 1..5), severities (0..4) and `verified` values a filter can leave open. */
const KINDS = [1, 2, 3, 4, 5];
const SEVERITIES = [0, 1, 2, 3, 4];
const VERIFIED = [false, true];

export type RiskFeatureFilterKey = {
  subject?: `0x${string}` | undefined;
  ecosystem?: number | undefined;
  kind?: number | undefined;
  /** 0..4; features of this severity or higher. */
  minSeverity?: number | undefined;
  /** Publication time, unix seconds: from inclusive, to exclusive. */
  from?: number | undefined;
  to?: number | undefined;
  verified?: boolean | undefined;
};

/** A keyset position in the newest-first order: the last row of the previous page. */
export type RiskFeaturePosition = { publishedAt: string; id: string };

export type RiskFeaturePageKey = RiskFeatureFilterKey & {
  first: number;
  /** Rows strictly after this position (the row itself may have gone since). */
  after?: RiskFeaturePosition | undefined;
};

/** The class columns a key pins: a kind, the severities it accepts, a verified value, each or all. */
function classOf(key: RiskFeatureFilterKey) {
  const minSeverity = key.minSeverity ?? 0;
  return {
    kinds: key.kind === undefined ? KINDS : [key.kind],
    severities: SEVERITIES.filter((s) => s >= minSeverity),
    verified: key.verified === undefined ? VERIFIED : [key.verified],
    /** No class filter at all: the prefix's plain (…, published_at, id) index serves it in one branch. */
    open: key.kind === undefined && minSeverity === 0 && key.verified === undefined,
  };
}

/**
 * Which filters a key sets, and the minimum severity (it decides the branches): keys of one shape share one
 * statement.
 */
export function riskFeatureKeyShape(key: RiskFeaturePageKey | RiskFeatureFilterKey): string {
  const set = (value: unknown) => (value === undefined ? "0" : "1");
  return [
    set(key.subject),
    set(key.ecosystem),
    set(key.kind),
    String(key.minSeverity ?? 0),
    set(key.from),
    set(key.to),
    set(key.verified),
    set("after" in key ? key.after : undefined),
  ].join("");
}

/**
 * The SQL of risk feature lists, newest first: order (published_at desc, id desc), a keyset on it. Subject and
 * ecosystem are equality prefixes of an index each (and together); kind, severity and verified — five, five and two
 * values — are the next columns of the prefix's `…Class` index (indexer/schema/risk.ts). A filter on any of those
 * reads that index once per combination of the class values it accepts (a set filter pins its value; an open one is
 * enumerated; `minSeverity` accepts its severity and above), each branch in page order, and a Merge Append keeps the
 * newest `first + 1` of them: at most 5 × 5 × 2 = 50 index descents and `first + 1` rows, whatever the table's size.
 * A time range and the cursor are bounds on (published_at, id), the trailing columns of every one of these indexes.
 * Batches (Provider.riskFeatures in a list) are one statement per shape, a LATERAL join over the keys. Exported for
 * test/scale/explain.test.ts, which checks the plans.
 */
export function riskFeatureListQueries(sql: Sql, schema: string) {
  const table = sql(`${schema}.risk_feature`);

  /** The conditions of a key on `f`; a batch compares with the columns of its key row `k`. */
  const where = (key: RiskFeaturePageKey | RiskFeatureFilterKey, inline: boolean) => {
    const after = "after" in key ? key.after : undefined;
    const v = {
      subject: () => (inline ? sql`${key.subject ?? ""}` : sql`k.subject`),
      ecosystem: () => (inline ? sql`${key.ecosystem ?? 0}::int` : sql`k.ecosystem`),
      from: () => (inline ? sql`${String(key.from ?? 0)}::numeric` : sql`k.published_from`),
      to: () => (inline ? sql`${String(key.to ?? 0)}::numeric` : sql`k.published_to`),
      after: () =>
        inline
          ? sql`(${after?.publishedAt ?? "0"}::numeric, ${after?.id ?? "0"}::numeric)`
          : sql`(k.after_at, k.after_id)`,
    };
    return sql`
      ${key.subject === undefined ? sql`` : sql`and f.subject = ${v.subject()}`}
      ${key.ecosystem === undefined ? sql`` : sql`and f.ecosystem_id = ${v.ecosystem()}`}
      ${key.from === undefined ? sql`` : sql`and f.published_at >= ${v.from()}`}
      ${key.to === undefined ? sql`` : sql`and f.published_at < ${v.to()}`}
      ${after === undefined ? sql`` : sql`and (f.published_at, f.id) < ${v.after()}`}`;
  };

  /**
   * One branch per class combination the key accepts. Enumerated values are constants (part of the key's shape); a
   * kind or verified the key sets is its own (a batch's keys of one shape may differ in it).
   */
  const branches = (key: RiskFeaturePageKey | RiskFeatureFilterKey, inline: boolean) => {
    const cls = classOf(key);
    if (cls.open) return [sql``];
    // Only a minimum severity, no prefix: the (severity, published_at, id) index, one branch per severity.
    if (
      key.kind === undefined &&
      key.verified === undefined &&
      key.subject === undefined &&
      key.ecosystem === undefined
    )
      return cls.severities.map((severity) => sql`and f.severity = ${severity}::int`);
    const kindOf = (kind: number) => (key.kind !== undefined && !inline ? sql`k.kind` : sql`${kind}::int`);
    const verifiedOf = (verified: boolean) =>
      key.verified !== undefined && !inline ? sql`(k.verified = 1)` : sql`${verified}::boolean`;
    return cls.kinds.flatMap((kind) =>
      cls.severities.flatMap((severity) =>
        cls.verified.map(
          (verified) =>
            sql`and f.kind = ${kindOf(kind)} and f.severity = ${severity}::int and f.verified = ${verifiedOf(verified)}`,
        ),
      ),
    );
  };

  /** The matching rows in page order, at most `limit` of them: one branch, or the newest of all branches. */
  const ordered = (
    key: RiskFeaturePageKey | RiskFeatureFilterKey,
    inline: boolean,
    limit: PendingQuery<Row[]>,
    columns: PendingQuery<Row[]>,
  ) => {
    const conditions = where(key, inline);
    const parts = branches(key, inline);
    if (parts.length === 1)
      return sql`select ${columns} from ${table} f where true ${conditions} ${parts[0] as PendingQuery<Row[]>}
        order by f.published_at desc, f.id desc limit ${limit}`;
    const union = parts.map(
      (part, i) => sql`${i === 0 ? sql`` : sql`union all`} (select ${columns} from ${table} f
        where true ${conditions} ${part} order by f.published_at desc, f.id desc limit ${limit})`,
    );
    return sql`select * from (${union}) f order by f.published_at desc, f.id desc limit ${limit}`;
  };

  // `verified` travels as 0/1: postgres.js serializes a boolean[] parameter's elements with `=== true`.
  const keyRows = (keys: readonly (RiskFeaturePageKey | RiskFeatureFilterKey)[]) => sql`
    unnest(
      ${keys.map((_, i) => i)}::int[],
      ${keys.map((k) => ("first" in k ? k.first + 1 : 0))}::int[],
      ${keys.map((k) => k.subject ?? "")}::text[],
      ${keys.map((k) => k.ecosystem ?? 0)}::int[],
      ${keys.map((k) => k.kind ?? 0)}::int[],
      ${keys.map((k) => (k.verified ? 1 : 0))}::int[],
      ${keys.map((k) => String(k.from ?? 0))}::numeric[],
      ${keys.map((k) => String(k.to ?? 0))}::numeric[],
      ${keys.map((k) => ("after" in k && k.after ? k.after.publishedAt : "0"))}::numeric[],
      ${keys.map((k) => ("after" in k && k.after ? k.after.id : "0"))}::numeric[]
    ) as k(batch_index, lim, subject, ecosystem, kind, verified, published_from, published_to, after_at, after_id)`;

  return {
    shapeOf: riskFeatureKeyShape,
    /** Up to `first + 1` rows per key (the extra one says whether there is a next page), tagged with the key's index. */
    page: <R extends Row>(keys: readonly RiskFeaturePageKey[]) => {
      const key = keys[0] as RiskFeaturePageKey;
      if (keys.length === 1)
        return sql<(R & { batchIndex: number })[]>`
          select 0 as batch_index, p.* from (${ordered(key, true, sql`${key.first + 1}`, sql`f.*`)}) p`;
      return sql<(R & { batchIndex: number })[]>`
        select k.batch_index, p.* from ${keyRows(keys)}
        cross join lateral (${ordered(key, false, sql`k.lim`, sql`f.*`)}) p
        order by k.batch_index, p.published_at desc, p.id desc`;
    },
    /** Per key, the matching rows counted up to EXACT_COUNT_LIMIT + 1 (index entries, in page order, then stop). */
    boundedCount: (keys: readonly RiskFeatureFilterKey[]) => {
      const key = keys[0] as RiskFeatureFilterKey;
      const limit = sql`${EXACT_COUNT_LIMIT + 1}::int`;
      const columns = sql`f.published_at, f.id`;
      if (keys.length === 1)
        return sql<{ batchIndex: number; count: number }[]>`
          select 0 as batch_index, count(*)::int as count from (${ordered(key, true, limit, columns)}) bounded`;
      return sql<{ batchIndex: number; count: number }[]>`
        select k.batch_index, (select count(*)::int from (${ordered(key, false, limit, columns)}) bounded) as count
        from ${keyRows(keys)}`;
    },
    /** The rows of one filter, for the planner's estimate (only explained, never run). */
    matching: (key: RiskFeatureFilterKey) => {
      const cls = classOf(key);
      return sql`select 1 from ${table} f where true ${where(key, true)}
        ${key.kind === undefined ? sql`` : sql`and f.kind = ${key.kind}::int`}
        ${cls.severities.length === SEVERITIES.length ? sql`` : sql`and f.severity >= ${cls.severities[0] ?? 0}::int`}
        ${key.verified === undefined ? sql`` : sql`and f.verified = ${key.verified}::boolean`}`;
    },
  };
}

export type CaseFilterKey = {
  provider?: `0x${string}` | undefined;
  ecosystem?: number | undefined;
  /** OPEN | UPHELD | REJECTED | DISMISSED | EXPIRED */
  status?: string | undefined;
};
export type NoFilterKey = Record<never, never>;

/**
 * The other risk lists, newest first by keyset on an index (indexer/schema/risk.ts): `cases` on freeze_case's
 * (provider, id), (ecosystem_id, id), (status, id) and their combinations; `disposals` on disposal's primary key
 * (case_id); `margins` on margin's (created_id) (the first event's checkpoint); `ecosystems` on ecosystem's primary
 * key, read here (an integer id: the generic list compares numeric keys). Exported for test/scale/explain.test.ts.
 */
export function riskListQueries(sql: Sql, schema: string) {
  const ecosystem = sql(`${schema}.ecosystem`);
  return {
    riskFeatures: riskFeatureListQueries(sql, schema),
    cases: keysetList<CaseFilterKey>(sql, schema, {
      table: "freeze_case",
      sortKey: "id",
      sortType: "numeric",
      filters: {
        provider: { column: "provider", type: "text" },
        ecosystem: { column: "ecosystem_id", type: "int" },
        status: { column: "status", type: "text" },
      },
    }),
    disposals: keysetList<NoFilterKey>(sql, schema, {
      table: "disposal",
      sortKey: "case_id",
      sortType: "numeric",
      filters: {},
    }),
    margins: keysetList<NoFilterKey>(sql, schema, {
      table: "margin",
      sortKey: "created_id",
      sortType: "text",
      filters: {},
    }),
    /** Ecosystems newest first (id desc), `first + 1` of them after the cursor's id. */
    ecosystemPage: <R extends Row>(first: number, after: number | undefined) =>
      sql<R[]>`select * from ${ecosystem} e
        where true ${after === undefined ? sql`` : sql`and e.id < ${after}::int`}
        order by e.id desc limit ${first + 1}`,
    ecosystemBoundedCount: () =>
      sql<{ count: number }[]>`select count(*)::int as count from
        (select 1 from ${ecosystem} limit ${EXACT_COUNT_LIMIT + 1}) bounded`,
  };
}
