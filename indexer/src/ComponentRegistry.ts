import { ponder } from "ponder:registry";
import { absorption, component, componentEvent, evolutionReport, paidInvocation } from "ponder:schema";
import { hexToString } from "viem";

type Context = Parameters<
  Parameters<typeof ponder.on<"ComponentRegistry:ComponentPriceSet">>[1]
>[0]["context"];
type Event = Parameters<Parameters<typeof ponder.on<"ComponentRegistry:ComponentPriceSet">>[1]>[0]["event"];

/** The kinds of a component's timeline (indexer/schema/evolution.ts, component_event). */
type TimelineKind =
  | "REGISTERED"
  | "EVOLUTION_REPORT"
  | "LOGIC_UPDATED"
  | "ABSORPTION_REQUESTED"
  | "ABSORBED"
  | "REWARDED"
  | "SLASHED"
  | "PRICE_SET"
  | "PLEDGE_ADDED";

/** The bytes32 name as text: trailing zero bytes trimmed, any other zero byte dropped (Postgres text has none). */
function nameOf(name: `0x${string}`): string {
  try {
    return hexToString(name, { size: 32 }).replaceAll("\u0000", "");
  } catch {
    return "";
  }
}

/**
 * One entry of a component's timeline, keyed by (event, component): a replayed event writes nothing twice, and an
 * absorption's events appear on both the absorber's and the source's timeline.
 */
async function recordComponentEvent(
  context: Pick<Context, "db">,
  event: Pick<Event, "id" | "block" | "transaction">,
  row: {
    componentId: bigint;
    kind: TimelineKind;
    reportId?: bigint | null;
    absorptionId?: bigint | null;
    epoch?: number | null;
    amount?: bigint | null;
    version?: number | null;
    logicHash?: `0x${string}` | null;
  },
) {
  await context.db
    .insert(componentEvent)
    .values({
      id: event.id,
      componentId: row.componentId,
      kind: row.kind,
      reportId: row.reportId ?? null,
      absorptionId: row.absorptionId ?? null,
      epoch: row.epoch ?? null,
      amount: row.amount ?? null,
      version: row.version ?? null,
      logicHash: row.logicHash ?? null,
      timestamp: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
}

/** Changes a component row if it is known (every event of a component follows its registration on-chain). */
async function updateComponent(
  context: Context,
  componentId: bigint,
  timestamp: bigint,
  change: Partial<{ price: bigint; pledge: bigint; logicHash: `0x${string}`; version: number }>,
) {
  if ((await context.db.find(component, { id: componentId })) === null) return;
  await context.db.update(component, { id: componentId }).set({ ...change, updatedAt: timestamp });
}

ponder.on("ComponentRegistry:ComponentRegistered", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(component)
    .values({
      id: a.componentId,
      provider: a.provider,
      kind: a.kind,
      nameHash: a.name,
      name: nameOf(a.name),
      price: a.price,
      pledge: a.pledge,
      logicHash: a.logicHash,
      version: 1,
      registeredAt: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoNothing();
  await recordComponentEvent(context, event, {
    componentId: a.componentId,
    kind: "REGISTERED",
    amount: a.pledge,
    version: 1,
    logicHash: a.logicHash,
  });
});

ponder.on("ComponentRegistry:ComponentPriceSet", async ({ event, context }) => {
  const { componentId, price } = event.args;
  await updateComponent(context, componentId, event.block.timestamp, { price });
  await recordComponentEvent(context, event, { componentId, kind: "PRICE_SET", amount: price });
});

// Both pledge events carry the new total: set, not add, so a replay changes nothing.
ponder.on("ComponentRegistry:PledgeAdded", async ({ event, context }) => {
  const { componentId, amount, pledge } = event.args;
  await updateComponent(context, componentId, event.block.timestamp, { pledge });
  await recordComponentEvent(context, event, { componentId, kind: "PLEDGE_ADDED", amount });
});

// Only the pool slashes, inside settleEpoch: its EpochSettled puts SLASHED (with the epoch) on the timeline.
ponder.on("ComponentRegistry:PledgeSlashed", async ({ event, context }) => {
  const { componentId, pledge } = event.args;
  await updateComponent(context, componentId, event.block.timestamp, { pledge });
});

ponder.on("ComponentRegistry:ComponentInvoked", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(paidInvocation)
    .values({
      id: a.invocationId,
      componentId: a.componentId,
      caller: a.caller,
      requestHash: a.requestHash,
      fee: a.fee,
      toPool: a.toPool,
      toProvider: a.toProvider,
      invokedAt: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
});

ponder.on("ComponentRegistry:EvolutionReportPublished", async ({ event, context }) => {
  const a = event.args;
  const before = a.beforeMetrics;
  const after = a.afterMetrics;
  await context.db
    .insert(evolutionReport)
    .values({
      id: a.reportId,
      componentId: a.componentId,
      beforeP50LatencyMicros: before.p50LatencyMicros,
      beforeP95LatencyMicros: before.p95LatencyMicros,
      beforeAccuracyBps: before.accuracyBps,
      beforeComplianceBps: before.complianceBps,
      beforeInvocations: before.invocations,
      afterP50LatencyMicros: after.p50LatencyMicros,
      afterP95LatencyMicros: after.p95LatencyMicros,
      afterAccuracyBps: after.accuracyBps,
      afterComplianceBps: after.complianceBps,
      afterInvocations: after.invocations,
      efficiencyImprovementBps: a.efficiencyImprovementBps,
      evidenceHash: a.evidenceHash,
      decisionLogHash: a.decisionLogHash,
      logicHash: a.logicHash,
      publishedAt: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  await recordComponentEvent(context, event, {
    componentId: a.componentId,
    kind: "EVOLUTION_REPORT",
    reportId: a.reportId,
    logicHash: a.logicHash,
  });
});

ponder.on("ComponentRegistry:LogicUpdated", async ({ event, context }) => {
  const { componentId, version, logicHash } = event.args;
  const row = await context.db.find(component, { id: componentId });
  // Versions only rise on-chain; an older event replayed after a newer one leaves the row as it is.
  if (row !== null && version >= row.version)
    await context.db
      .update(component, { id: componentId })
      .set({ version, logicHash, updatedAt: event.block.timestamp });
  await recordComponentEvent(context, event, { componentId, kind: "LOGIC_UPDATED", version, logicHash });
});

ponder.on("ComponentRegistry:AbsorptionRequested", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(absorption)
    .values({
      id: a.absorptionId,
      absorberId: a.absorberId,
      sourceId: a.sourceId,
      moduleHash: a.moduleHash,
      compensation: a.compensation,
      status: "REQUESTED",
      requestedAt: event.block.timestamp,
      approvedAt: null,
      approvedBy: [],
      paidTo: null,
      reclaimedAt: null,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  for (const componentId of [a.absorberId, a.sourceId])
    await recordComponentEvent(context, event, {
      componentId,
      kind: "ABSORPTION_REQUESTED",
      absorptionId: a.absorptionId,
      amount: a.compensation,
    });
});

ponder.on("ComponentRegistry:AbsorptionApproved", async ({ event, context }) => {
  const { absorptionId, nodes, paidTo, compensation } = event.args;
  const row = await context.db.find(absorption, { id: absorptionId });
  if (row === null) return;
  await context.db.update(absorption, { id: absorptionId }).set({
    status: "APPROVED",
    approvedAt: event.block.timestamp,
    approvedBy: [...nodes],
    paidTo,
  });
  for (const componentId of [row.absorberId, row.sourceId])
    await recordComponentEvent(context, event, {
      componentId,
      kind: "ABSORBED",
      absorptionId,
      amount: compensation,
    });
});

// The escrow went back to the absorber's provider: no timeline entry (nothing was absorbed), the status says it.
ponder.on("ComponentRegistry:AbsorptionReclaimed", async ({ event, context }) => {
  const { absorptionId, refundedTo } = event.args;
  if ((await context.db.find(absorption, { id: absorptionId })) === null) return;
  await context.db
    .update(absorption, { id: absorptionId })
    .set({ status: "RECLAIMED", reclaimedAt: event.block.timestamp, paidTo: refundedTo });
});
