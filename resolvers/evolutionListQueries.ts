import type { PendingQuery, Row, Sql } from "postgres";
import { keysetList } from "./circulationListQueries.js";
import { EXACT_COUNT_LIMIT } from "./connection.js";

export type ComponentFilterKey = {
  /** IComponentRegistry.ComponentKind 1..4. */
  kind?: number | undefined;
  provider?: `0x${string}` | undefined;
};
export type EvolutionReportFilterKey = { component?: string | undefined };
export type EpochSettlementFilterKey = { epoch?: number | undefined };
export type NoFilterKey = Record<never, never>;

/** A keyset position in a component's telemetry, newest first: `at` in microseconds since 1970, and the row id. */
export type InvocationPosition = { atMicros: string; id: string };

export type InvocationPageKey = {
  component: string;
  first: number;
  /** Rows strictly after this position (the row itself may have gone since). */
  after?: InvocationPosition | undefined;
};

/**
 * `at` to the microsecond, exactly (a JavaScript Date would drop the microseconds a keyset needs), and the
 * configuration as its JSON text (the camel-casing pool would rename the keys of a jsonb value).
 */
const AT_MICROS =
  "(extract(epoch from i.at) * 1000000)::bigint::text as at_micros, i.configuration::text as configuration_json";

/**
 * A component's telemetry (the hub's `component_invocation`), newest first: order (at desc, id desc), a keyset on
 * it, read on the table's (component_id, at desc, id desc) index. Batches (`Component.invocations` of a list of
 * components) are one statement per shape (with or without a cursor), a LATERAL join over the keys, each reading
 * `first + 1` index entries. Exported for the EXPLAIN test (evolutionListQueries.test.ts).
 */
export function invocationListQueries(sql: Sql, hubSchema: string) {
  const table = sql(`${hubSchema}.component_invocation`);
  /** Microseconds since 1970 as a timestamptz, exactly (integers below 2^53 survive the float multiplication). */
  const instant = (micros: PendingQuery<Row[]>) =>
    sql`(timestamptz 'epoch' + ${micros} * interval '1 microsecond')`;

  return {
    shapeOf: (key: InvocationPageKey) => (key.after === undefined ? "0" : "1"),
    /** Up to `first + 1` rows per key, tagged with the key's index; `at_micros` beside every row. */
    page: <R extends Row>(keys: readonly InvocationPageKey[]) => {
      const key = keys[0] as InvocationPageKey;
      if (keys.length === 1) {
        const after = key.after;
        return sql<(R & { batchIndex: number; atMicros: string })[]>`
          select 0 as batch_index, i.*, ${sql.unsafe(AT_MICROS)} from ${table} i
          where i.component_id = ${key.component}::numeric
          ${
            after === undefined
              ? sql``
              : sql`and (i.at, i.id) < (${instant(sql`${after.atMicros}::bigint`)}, ${after.id}::bigint)`
          }
          order by i.at desc, i.id desc limit ${key.first + 1}`;
      }
      return sql<(R & { batchIndex: number; atMicros: string })[]>`
        select k.batch_index, p.* from unnest(
          ${keys.map((_, i) => i)}::int[],
          ${keys.map((k) => k.first + 1)}::int[],
          ${keys.map((k) => k.component)}::numeric[],
          ${keys.map((k) => k.after?.atMicros ?? "0")}::bigint[],
          ${keys.map((k) => k.after?.id ?? "0")}::bigint[]
        ) as k(batch_index, lim, component_id, after_micros, after_id)
        cross join lateral (
          select i.*, ${sql.unsafe(AT_MICROS)} from ${table} i
          where i.component_id = k.component_id
          ${
            key.after === undefined
              ? sql``
              : sql`and (i.at, i.id) < (${instant(sql`k.after_micros`)}, k.after_id)`
          }
          order by i.at desc, i.id desc limit k.lim) p
        order by k.batch_index, p.at desc, p.id desc`;
    },
    /** Per component, its rows counted up to EXACT_COUNT_LIMIT + 1 (index entries, then stop). */
    boundedCount: (components: readonly string[]) =>
      sql<{ batchIndex: number; count: number }[]>`
        select k.batch_index, (
          select count(*)::int from (select 1 from ${table} i where i.component_id = k.component_id
            limit ${EXACT_COUNT_LIMIT + 1}) bounded
        ) as count
        from unnest(${components.map((_, i) => i)}::int[], ${components as string[]}::numeric[])
          as k(batch_index, component_id)`,
    /** One component's rows, for the planner's estimate (only explained, never run). */
    matching: (component: string) =>
      sql`select 1 from ${table} i where i.component_id = ${component}::numeric`,
  };
}

export type MetricsBucketUnit = "minute" | "hour" | "day";

/**
 * A component's telemetry per bucket of [from, to): count, p50/p95 latency (percentile_cont), mean accuracy over
 * the rows that have one, compliance rate. Buckets are date_trunc of the UTC time; only non-empty ones come back
 * (the resolver fills the gaps). One index range scan on (component_id, at desc, id desc).
 */
export function metricsQuery(
  sql: Sql,
  hubSchema: string,
  { component, from, to, unit }: { component: string; from: number; to: number; unit: MetricsBucketUnit },
) {
  const table = sql(`${hubSchema}.component_invocation`);
  return sql<
    {
      bucketStart: string;
      invocations: number;
      p50LatencyMs: number;
      p95LatencyMs: number;
      accuracy: number | null;
      complianceRate: number;
    }[]
  >`
    select extract(epoch from date_trunc(${unit}, i.at at time zone 'UTC'))::bigint::text as bucket_start,
      count(*)::int as invocations,
      percentile_cont(0.5) within group (order by i.latency_ms) as p50_latency_ms,
      percentile_cont(0.95) within group (order by i.latency_ms) as p95_latency_ms,
      avg(i.accuracy) as accuracy,
      avg(case when i.compliant then 1.0 else 0.0 end)::float8 as compliance_rate
    from ${table} i
    where i.component_id = ${component}::numeric
      and i.at >= to_timestamp(${from}::bigint) and i.at < to_timestamp(${to}::bigint)
    group by 1 order by 1`;
}

/**
 * The evolution lists, newest first by keyset on an index (indexer/schema/evolution.ts): `components` on
 * component's primary key, (kind, id), (provider, id), (provider, kind, id); evolution reports on the primary key
 * or (component_id, id); absorptions on the primary key; epoch settlements on (event_id) or (epoch, event_id) (the
 * settling event's checkpoint: settlement order). Exported for the EXPLAIN test.
 */
export function evolutionListQueries(sql: Sql, schema: string, hubSchema = "caldera_hub") {
  const timeline = sql(`${schema}.component_event`);
  return {
    components: keysetList<ComponentFilterKey>(sql, schema, {
      table: "component",
      sortKey: "id",
      sortType: "numeric",
      filters: {
        kind: { column: "kind", type: "int" },
        provider: { column: "provider", type: "text" },
      },
    }),
    evolutionReports: keysetList<EvolutionReportFilterKey>(sql, schema, {
      table: "evolution_report",
      sortKey: "id",
      sortType: "numeric",
      filters: { component: { column: "component_id", type: "numeric" } },
    }),
    absorptions: keysetList<NoFilterKey>(sql, schema, {
      table: "absorption",
      sortKey: "id",
      sortType: "numeric",
      filters: {},
    }),
    epochSettlements: keysetList<EpochSettlementFilterKey>(sql, schema, {
      table: "epoch_settlement",
      sortKey: "event_id",
      sortType: "text",
      filters: { epoch: { column: "epoch", type: "int" } },
    }),
    invocations: invocationListQueries(sql, hubSchema),
    metrics: (key: { component: string; from: number; to: number; unit: MetricsBucketUnit }) =>
      metricsQuery(sql, hubSchema, key),
    /** A component's timeline in [from, to), in chain order, on component_event's (component_id, timestamp, id). */
    events: <R extends Row>(component: string, from: number, to: number) =>
      sql<R[]>`select * from ${timeline} e
        where e.component_id = ${component}::numeric
          and e.timestamp >= ${from}::numeric and e.timestamp < ${to}::numeric
        order by e.timestamp, e.id`,
  };
}
