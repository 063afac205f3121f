import DataLoader from "dataloader";
import type { Row, Sql } from "postgres";
import { MAX_ADAPTATION_SCENARIOS } from "../guard/listSizes.js";
import { MAX_PAGE_SIZE } from "../guard/pageSize.js";
import { type AdaptationCycle, adaptationCycles } from "../usecases/evolution/adaptationCycles.js";
import { batchByShape } from "./batchByShape.js";
import type { KeysetList } from "./circulationListQueries.js";
import { columnLoaders } from "./columnLoaders.js";
import { estimateRowCount, type TotalCount, toTotalCount } from "./connection.js";
import type { Page } from "./createCirculationLoaders.js";
import {
  type ComponentFilterKey,
  type EpochSettlementFilterKey,
  type EvolutionReportFilterKey,
  evolutionListQueries,
  type InvocationPageKey,
  type MetricsBucketUnit,
  type NoFilterKey,
} from "./evolutionListQueries.js";
import { keysetListLoaders } from "./keysetListLoaders.js";

/** Rows of the evolution views as `postgres` returns them (camel-cased; numeric(78) columns as strings). */
export type ComponentRow = {
  id: string;
  provider: `0x${string}`;
  kind: number;
  nameHash: `0x${string}`;
  name: string;
  price: string;
  pledge: string;
  logicHash: `0x${string}`;
  version: number;
  registeredAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
  updatedAt: string;
};

export type PaidInvocationRow = {
  id: string;
  componentId: string;
  caller: `0x${string}`;
  requestHash: `0x${string}`;
  fee: string;
  toPool: string;
  toProvider: string;
  invokedAt: string;
};

export type EvolutionReportRow = {
  id: string;
  componentId: string;
  beforeP50LatencyMicros: string;
  beforeP95LatencyMicros: string;
  beforeAccuracyBps: number;
  beforeComplianceBps: number;
  beforeInvocations: number;
  afterP50LatencyMicros: string;
  afterP95LatencyMicros: string;
  afterAccuracyBps: number;
  afterComplianceBps: number;
  afterInvocations: number;
  efficiencyImprovementBps: number;
  evidenceHash: `0x${string}`;
  decisionLogHash: `0x${string}`;
  logicHash: `0x${string}`;
  publishedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type AbsorptionRow = {
  id: string;
  absorberId: string;
  sourceId: string;
  moduleHash: `0x${string}`;
  compensation: string;
  status: "REQUESTED" | "APPROVED" | "RECLAIMED";
  requestedAt: string;
  approvedAt: string | null;
  approvedBy: `0x${string}`[];
  paidTo: `0x${string}` | null;
  reclaimedAt: string | null;
};

export type EpochSettlementRow = {
  epoch: number;
  componentId: string;
  outcome: "REWARDED" | "SLASHED";
  amount: string;
  efficiencyImprovementBps: number;
  scenarioRangeDelta: number;
  evidenceHash: `0x${string}`;
  nodes: `0x${string}`[];
  eventId: string;
  settledAt: string;
};

export type ComponentEventRow = {
  id: string;
  componentId: string;
  kind: string;
  reportId: string | null;
  absorptionId: string | null;
  epoch: number | null;
  amount: string | null;
  version: number | null;
  logicHash: `0x${string}` | null;
  timestamp: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

/** The pool's row with the newest indexed block's time (`head_time`, from ponder's checkpoint). */
export type EvolutionPoolRow = {
  genesis: string;
  epochLength: string;
  totalFunded: string;
  totalSlashed: string;
  totalRewarded: string;
  balance: string;
  headTime: string;
};

/** A row of the hub's telemetry (`caldera_hub.component_invocation`), with `at` to the microsecond. */
export type InvocationRow = {
  id: string;
  componentId: string;
  at: Date;
  atMicros: string;
  latencyMs: number;
  success: boolean;
  accuracy: number | null;
  compliant: boolean;
  /** The stored JSON text of `configuration` (read as stored: the pool's camel-casing would rename its keys). */
  configurationJson: string | null;
  scenario: string;
  caller: `0x${string}` | null;
  errorCode: string | null;
  decisionMode: string | null;
  onchainInvocationId: string | null;
};

export type MetricsKey = { component: string; from: number; to: number; unit: MetricsBucketUnit };
export type MetricsRow = {
  bucketStart: string;
  invocations: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  accuracy: number | null;
  complianceRate: number;
};

/** Postgres' "relation does not exist", "column does not exist", "schema does not exist": no telemetry (yet). */
const MISSING = new Set(["42P01", "42703", "3F000"]);
const isMissing = (error: unknown) => MISSING.has((error as { code?: string }).code ?? "");

/** What a query on the hub's telemetry answers when the table is not there: the hub never recorded any. */
async function orWhenMissing<T>(run: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isMissing(error)) return fallback;
    throw error;
  }
}

/**
 * Per-request loaders over the evolution views (indexer/schema/evolution.ts) and the hub's telemetry table
 * (`hubSchema`.component_invocation, services/createTelemetryRecorder.ts; read without its `create … if not
 * exists`, and as empty when it does not exist). Lists are keyset pages on an index (evolutionListQueries), batched
 * one statement per shape of key, with a bounded count only when selected; single rows by key, every parent of a
 * level in one statement.
 */
export function createEvolutionLoaders(sql: Sql, schema: string, hubSchema = "caldera_hub") {
  const table = (name: string) => sql(`${schema}.${name}`);
  const lists = evolutionListQueries(sql, schema, hubSchema);
  const { byKey, groupedBy } = columnLoaders({ sql, schema });
  const listLoaders = <F extends Record<string, string | number | undefined>, R extends Row>(
    list: KeysetList<F>,
  ) => keysetListLoaders<F, R>(sql, list);

  const components = listLoaders<ComponentFilterKey, ComponentRow>(lists.components);
  const reports = listLoaders<EvolutionReportFilterKey, EvolutionReportRow>(lists.evolutionReports);
  const absorptions = listLoaders<NoFilterKey, AbsorptionRow>(lists.absorptions);
  const settlements = listLoaders<EpochSettlementFilterKey, EpochSettlementRow>(lists.epochSettlements);

  /** A component's telemetry, newest first: every component of a level in one statement per shape. */
  const invocationPage = new DataLoader<InvocationPageKey, Page<InvocationRow>, string>(
    async (keys) =>
      orWhenMissing(
        async () => {
          const rowsPerKey = await batchByShape(keys, lists.invocations.shapeOf, (group) =>
            lists.invocations.page<InvocationRow>(group),
          );
          return keys.map((key, i) => {
            const rows = (rowsPerKey[i] ?? []) as unknown as InvocationRow[];
            return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
          });
        },
        keys.map(() => ({ rows: [], hasNextPage: false })),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
  const invocationCount = new DataLoader<string, TotalCount>(async (ids) =>
    orWhenMissing(
      async () => {
        const rows = await lists.invocations.boundedCount(ids);
        const counts = new Map(rows.map((row) => [row.batchIndex, row.count]));
        return Promise.all(
          ids.map((id, i) =>
            toTotalCount(counts.get(i) ?? 0, () => estimateRowCount(sql, lists.invocations.matching(id))),
          ),
        );
      },
      ids.map(() => ({ count: 0, exact: true })),
    ),
  );

  const metrics = new DataLoader<MetricsKey, MetricsRow[], string>(
    async (keys) =>
      Promise.all(keys.map((key) => orWhenMissing(async () => [...(await lists.metrics(key))], []))),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
  const events = new DataLoader<{ component: string; from: number; to: number }, ComponentEventRow[], string>(
    async (keys) =>
      Promise.all(
        keys.map(async (key) => [
          ...(await lists.events<ComponentEventRow>(key.component, key.from, key.to)),
        ]),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const cycles = new DataLoader<string, AdaptationCycle[]>(async (ids) =>
    Promise.all(
      ids.map((id) =>
        orWhenMissing(
          () => adaptationCycles(sql, id, { schema: hubSchema, limit: MAX_ADAPTATION_SCENARIOS }),
          [],
        ),
      ),
    ),
  );

  const singleton = <R>(load: () => Promise<R>) =>
    new DataLoader<"all", R>(async (keys) => Promise.all(keys.map(() => load())));

  return {
    componentById: byKey<ComponentRow>("component", "id", "numeric", (r) => r.id),
    componentPage: components.page,
    componentCount: components.count,
    /** A provider's first MAX_PAGE_SIZE components by id (on component's (provider, id)). */
    componentsByProvider: groupedBy<ComponentRow>(
      "component",
      "provider",
      "text",
      (r) => r.provider,
      "provider, id",
      MAX_PAGE_SIZE,
    ),
    paidInvocationById: byKey<PaidInvocationRow>("paid_invocation", "id", "numeric", (r) => r.id),
    evolutionReportPage: reports.page,
    evolutionReportCount: reports.count,
    absorptionPage: absorptions.page,
    absorptionCount: absorptions.count,
    absorptionsByAbsorber: groupedBy<AbsorptionRow>(
      "absorption",
      "absorber_id",
      "numeric",
      (r) => r.absorberId,
      "absorber_id, id desc",
    ),
    absorptionsBySource: groupedBy<AbsorptionRow>(
      "absorption",
      "source_id",
      "numeric",
      (r) => r.sourceId,
      "source_id, id desc",
    ),
    epochSettlementPage: settlements.page,
    epochSettlementCount: settlements.count,
    settlementsByComponent: groupedBy<EpochSettlementRow>(
      "epoch_settlement",
      "component_id",
      "numeric",
      (r) => r.componentId,
      "component_id, epoch desc",
    ),
    evolutionPool: singleton(async (): Promise<EvolutionPoolRow> => {
      const [row] = await sql<(Partial<EvolutionPoolRow> & { headTime: string })[]>`
        select p.*, coalesce((select max(substring(latest_checkpoint from 1 for 10)::numeric)
          from ${table("_ponder_checkpoint")}), 0)::text as head_time
        from (select 1) one left join ${table("evolution_pool")} p on p.id = 1`;
      return {
        genesis: row?.genesis ?? "0",
        // IEvolutionPool's default, until the indexer has read the contract.
        epochLength: row?.epochLength ?? String(7 * 86_400),
        totalFunded: row?.totalFunded ?? "0",
        totalSlashed: row?.totalSlashed ?? "0",
        totalRewarded: row?.totalRewarded ?? "0",
        balance: row?.balance ?? "0",
        headTime: row?.headTime ?? "0",
      };
    }),
    componentInvocationPage: invocationPage,
    componentInvocationCount: invocationCount,
    componentMetrics: metrics,
    componentEvents: events,
    componentAdaptationCycles: cycles,
  };
}
