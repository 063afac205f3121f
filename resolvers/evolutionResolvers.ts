import { GraphQLError } from "graphql";
import { MAX_METRICS_BUCKETS } from "../guard/listSizes.js";
import type { AdaptationCycle } from "../usecases/evolution/adaptationCycles.js";
import { firstOfList, UINT_KEY } from "./connection.js";
import type {
  AbsorptionRow,
  ComponentEventRow,
  ComponentRow,
  EpochSettlementRow,
  EvolutionReportRow,
  InvocationRow,
  MetricsRow,
} from "./createEvolutionLoaders.js";
import type { ComponentFilterKey, MetricsBucketUnit } from "./evolutionListQueries.js";
import { keysetPage, type PageArgs } from "./keysetPage.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/** IComponentRegistry.ComponentKind by ordinal. */
const KINDS = ["NONE", "COMPUTE", "DATA", "RULES", "SERVICE"] as const;
type KindName = Exclude<(typeof KINDS)[number], "NONE">;
/** ponder's event ids (75-digit checkpoints): settlements page on the settling event's. */
const EVENT_KEY = /^\d{75}$/;
const INT32_MAX = 2 ** 31 - 1;
const BUCKETS: Record<"MINUTE" | "HOUR" | "DAY", { unit: MetricsBucketUnit; seconds: number }> = {
  MINUTE: { unit: "minute", seconds: 60 },
  HOUR: { unit: "hour", seconds: 3_600 },
  DAY: { unit: "day", seconds: 86_400 },
};

const lower = (address: string) => address.toLowerCase() as `0x${string}`;
/** A component, report or absorption id argument that is not a positive uint matches nothing. */
const idOrNull = (id: string) => (/^[1-9]\d{0,77}$/.test(id) ? id : null);
/** A Date as the DateTime scalar takes it: unix seconds (milliseconds kept as fractions). */
const seconds = (at: Date) => at.getTime() / 1000;
const badInput = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

const componentOf = (id: string, { loaders }: SubgraphContext) => loaders.componentById.load(id);

function reportConnection(component: string | undefined, args: PageArgs, { loaders }: SubgraphContext) {
  const filter = { component };
  return keysetPage<EvolutionReportRow>(
    "evolutionReport",
    [UINT_KEY],
    args,
    (row) => [row.id],
    (first, after) => loaders.evolutionReportPage.load({ ...filter, first, after: after?.[0] }),
    () => loaders.evolutionReportCount.load(filter),
  );
}

/** The report's figures: latencies from the contract's microseconds to ms, rates from bps to 0..1. */
const metricsOf = (row: EvolutionReportRow, side: "before" | "after") => ({
  p50LatencyMs: Number(row[`${side}P50LatencyMicros`]) / 1000,
  p95LatencyMs: Number(row[`${side}P95LatencyMicros`]) / 1000,
  accuracy: row[`${side}AccuracyBps`] / 10_000,
  complianceRate: row[`${side}ComplianceBps`] / 10_000,
  invocations: row[`${side}Invocations`],
});

/** The window's buckets, every one of them (gaps as 0 invocations), or BAD_USER_INPUT. */
function bucketsOf(window: { from: number; to: number }, bucket: keyof typeof BUCKETS) {
  const { unit, seconds: size } = BUCKETS[bucket];
  if (window.from >= window.to) throw badInput("metrics: window.from must be before window.to");
  // date_trunc of a UTC time is the floor to whole minutes, hours or days of unix seconds.
  const first = Math.floor(window.from / size) * size;
  const count = Math.ceil((window.to - first) / size);
  if (count > MAX_METRICS_BUCKETS)
    throw badInput(
      `metrics: the window holds ${count} ${bucket} buckets, at most ${MAX_METRICS_BUCKETS} (a shorter window or a wider bucket)`,
    );
  return { unit, starts: Array.from({ length: count }, (_, i) => first + i * size) };
}

export const evolutionResolvers = {
  Query: {
    components: (
      _: unknown,
      args: PageArgs & { filter?: { kind?: KindName | null; provider?: string | null } | null },
      { loaders }: SubgraphContext,
    ) => {
      const filter: ComponentFilterKey = {
        kind: args.filter?.kind ? KINDS.indexOf(args.filter.kind) : undefined,
        provider: args.filter?.provider ? lower(args.filter.provider) : undefined,
      };
      return keysetPage<ComponentRow>(
        "component",
        [UINT_KEY],
        args,
        (row) => [row.id],
        (first, after) => loaders.componentPage.load({ ...filter, first, after: after?.[0] }),
        () => loaders.componentCount.load(filter),
      );
    },
    component: (_: unknown, { id }: { id: string }, context: SubgraphContext) => {
      const componentId = idOrNull(id);
      return componentId === null ? null : componentOf(componentId, context);
    },
    evolutionReports: (_: unknown, args: PageArgs, context: SubgraphContext) =>
      reportConnection(undefined, args, context),
    evolutionPool: async (_: unknown, __: unknown, { loaders }: SubgraphContext) => {
      const pool = await loaders.evolutionPool.load("all");
      const length = BigInt(pool.epochLength);
      const elapsed = BigInt(pool.headTime) - BigInt(pool.genesis);
      return {
        balance: pool.balance,
        totalFunded: pool.totalFunded,
        totalSlashed: pool.totalSlashed,
        totalRewarded: pool.totalRewarded,
        // Before the pool's genesis is indexed (or before it), epoch 0.
        currentEpoch:
          BigInt(pool.genesis) === 0n || elapsed < 0n || length === 0n ? 0 : Number(elapsed / length),
        epochLength: Number(length),
      };
    },
    epochSettlements: (
      _: unknown,
      args: PageArgs & { epoch?: number | null },
      { loaders }: SubgraphContext,
    ) => {
      if (args.epoch != null && (args.epoch < 0 || args.epoch > INT32_MAX))
        throw badInput("epochSettlements: epoch must be ≥ 0");
      const filter = { epoch: args.epoch ?? undefined };
      return keysetPage<EpochSettlementRow>(
        "epochSettlement",
        [EVENT_KEY],
        args,
        (row) => [row.eventId],
        (first, after) => loaders.epochSettlementPage.load({ ...filter, first, after: after?.[0] }),
        () => loaders.epochSettlementCount.load(filter),
      );
    },
    absorptions: (_: unknown, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<AbsorptionRow>(
        "absorption",
        [UINT_KEY],
        args,
        (row) => [row.id],
        (first, after) => loaders.absorptionPage.load({ first, after: after?.[0] }),
        () => loaders.absorptionCount.load({}),
      ),
  },
  Provider: {
    components: (
      { address }: { address: string },
      { first }: { first?: number | null },
      { loaders }: SubgraphContext,
    ) => firstOfList(first, () => loaders.componentsByProvider.load(lower(address))),
  },
  Component: {
    __resolveReference: ({ id }: { id: string }, context: SubgraphContext) => {
      const componentId = idOrNull(String(id));
      return componentId === null ? null : componentOf(componentId, context);
    },
    kind: (row: ComponentRow) => KINDS[row.kind] ?? null,
    provider: (row: ComponentRow) => ({ address: row.provider }),
    invocations: (row: ComponentRow, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<InvocationRow>(
        "componentInvocation",
        [UINT_KEY, UINT_KEY],
        args,
        (invocation) => [invocation.atMicros, invocation.id],
        (first, after) =>
          loaders.componentInvocationPage.load({
            component: row.id,
            first,
            after: after && { atMicros: after[0] as string, id: after[1] as string },
          }),
        () => loaders.componentInvocationCount.load(row.id),
      ),
    evolutionReports: (row: ComponentRow, args: PageArgs, context: SubgraphContext) =>
      reportConnection(row.id, args, context),
    metrics: (
      row: ComponentRow,
      { window, bucket }: { window: { from: number; to: number }; bucket: keyof typeof BUCKETS },
      { loaders }: SubgraphContext,
    ) => {
      const { unit, starts } = bucketsOf(window, bucket);
      const key = { component: row.id, from: window.from, to: window.to };
      // Resolvers: a client asking only for the events (or only the points) runs only that statement.
      return {
        points: async () => {
          const found = new Map<number, MetricsRow>(
            (await loaders.componentMetrics.load({ ...key, unit })).map((point) => [
              Number(point.bucketStart),
              point,
            ]),
          );
          return starts.map((start) => {
            const point = found.get(start);
            return {
              bucketStart: start,
              invocations: point?.invocations ?? 0,
              p50LatencyMs: point?.p50LatencyMs ?? null,
              p95LatencyMs: point?.p95LatencyMs ?? null,
              accuracy: point?.accuracy ?? null,
              complianceRate: point?.complianceRate ?? null,
            };
          });
        },
        events: () => loaders.componentEvents.load(key),
      };
    },
    absorptions: async (row: ComponentRow, _: unknown, { loaders }: SubgraphContext) => {
      const [absorbed, given] = await Promise.all([
        loaders.absorptionsByAbsorber.load(row.id),
        loaders.absorptionsBySource.load(row.id),
      ]);
      return [...absorbed, ...given].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    },
    settlements: (row: ComponentRow, _: unknown, { loaders }: SubgraphContext) =>
      loaders.settlementsByComponent.load(row.id),
    adaptationCycles: async (row: ComponentRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.componentAdaptationCycles.load(row.id)).map((cycle: AdaptationCycle) => ({
        scenario: cycle.scenario,
        firstRequestAt: seconds(cycle.firstRequestAt),
        firstServedAt: cycle.firstServedAt === null ? null : seconds(cycle.firstServedAt),
        cycleSeconds: cycle.cycleSeconds,
      })),
  },
  ComponentInvocation: {
    at: (row: InvocationRow) => Number(row.atMicros) / 1_000_000,
    configuration: (row: InvocationRow) =>
      row.configurationJson === null ? null : (JSON.parse(row.configurationJson) as unknown),
    scenario: (row: InvocationRow) => (row.scenario === "" ? null : row.scenario),
    paid: (row: InvocationRow) => row.onchainInvocationId !== null,
    fee: async (row: InvocationRow, _: unknown, { loaders }: SubgraphContext) =>
      row.onchainInvocationId === null
        ? null
        : ((await loaders.paidInvocationById.load(row.onchainInvocationId))?.fee ?? null),
  },
  EvolutionReport: {
    component: (row: EvolutionReportRow, _: unknown, context: SubgraphContext) =>
      componentOf(row.componentId, context),
    before: (row: EvolutionReportRow) => metricsOf(row, "before"),
    after: (row: EvolutionReportRow) => metricsOf(row, "after"),
  },
  EvolutionEvent: {
    at: (row: ComponentEventRow) => row.timestamp,
  },
  Absorption: {
    absorber: (row: AbsorptionRow, _: unknown, context: SubgraphContext) =>
      componentOf(row.absorberId, context),
    source: (row: AbsorptionRow, _: unknown, context: SubgraphContext) => componentOf(row.sourceId, context),
  },
  EpochSettlement: {
    component: (row: EpochSettlementRow, _: unknown, context: SubgraphContext) =>
      componentOf(row.componentId, context),
    attestedBy: (row: EpochSettlementRow) => row.nodes,
  },
};
