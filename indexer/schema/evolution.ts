import { index, onchainTable, primaryKey } from "ponder";

/**
 * Capability evolution (ComponentRegistry, EvolutionPool): the hub's and providers' components with their pledge,
 * price and logic version, paid invocations with the fee split, evolution reports, absorptions, epoch settlements,
 * the pool's totals, and each component's timeline of evolution events. Per-invocation telemetry is the hub's own
 * table (`caldera_hub.component_invocation`), not the chain's. Amounts are ERA wei; times are unix seconds of the
 * emitting block; latencies in reports are the contract's microseconds, rates its basis points. Kinds are the
 * contract's ordinals (IComponentRegistry.ComponentKind: 1 COMPUTE, 2 DATA, 3 RULES, 4 SERVICE).
 */

/** A registered component, as it stands now (price, pledge and logic as the latest events left them). */
export const component = onchainTable(
  "component",
  (t) => ({
    id: t.bigint().primaryKey(),
    provider: t.hex().notNull(),
    kind: t.integer().notNull(),
    /** The on-chain bytes32 name. */
    nameHash: t.hex().notNull(),
    /** The name as text (the bytes32 read as UTF-8, zero bytes dropped). */
    name: t.text().notNull(),
    price: t.bigint().notNull(),
    pledge: t.bigint().notNull(),
    logicHash: t.hex().notNull(),
    /** 1 at registration, then each LogicUpdated's. */
    version: t.integer().notNull(),
    registeredAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  // `components` pages newest first (id desc) under every combination of its filters (kind, provider);
  // `Provider.components` reads (provider, id).
  (table) => ({
    kindIdx: index().on(table.kind, table.id),
    providerIdx: index().on(table.provider, table.id),
    providerKindIdx: index().on(table.provider, table.kind, table.id),
  }),
);

/** A paid invocation (ComponentInvoked): the fee and its split between the evolution pool and the provider. */
export const paidInvocation = onchainTable(
  "paid_invocation",
  (t) => ({
    id: t.bigint().primaryKey(),
    componentId: t.bigint().notNull(),
    caller: t.hex().notNull(),
    requestHash: t.hex().notNull(),
    fee: t.bigint().notNull(),
    toPool: t.bigint().notNull(),
    toProvider: t.bigint().notNull(),
    invokedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ componentIdx: index().on(table.componentId, table.id) }),
);

/** An evolution report: before/after metrics (latencies in microseconds, rates in bps) and what backs them. */
export const evolutionReport = onchainTable(
  "evolution_report",
  (t) => ({
    id: t.bigint().primaryKey(),
    componentId: t.bigint().notNull(),
    beforeP50LatencyMicros: t.bigint().notNull(),
    beforeP95LatencyMicros: t.bigint().notNull(),
    beforeAccuracyBps: t.integer().notNull(),
    beforeComplianceBps: t.integer().notNull(),
    beforeInvocations: t.integer().notNull(),
    afterP50LatencyMicros: t.bigint().notNull(),
    afterP95LatencyMicros: t.bigint().notNull(),
    afterAccuracyBps: t.integer().notNull(),
    afterComplianceBps: t.integer().notNull(),
    afterInvocations: t.integer().notNull(),
    efficiencyImprovementBps: t.integer().notNull(),
    evidenceHash: t.hex().notNull(),
    decisionLogHash: t.hex().notNull(),
    logicHash: t.hex().notNull(),
    publishedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  // `evolutionReports` pages newest first on the primary key; `Component.evolutionReports` on (component_id, id).
  (table) => ({ componentIdx: index().on(table.componentId, table.id) }),
);

/** An absorption request: status REQUESTED, APPROVED or RECLAIMED; the approving nodes once approved. */
export const absorption = onchainTable(
  "absorption",
  (t) => ({
    id: t.bigint().primaryKey(),
    absorberId: t.bigint().notNull(),
    sourceId: t.bigint().notNull(),
    moduleHash: t.hex().notNull(),
    compensation: t.bigint().notNull(),
    status: t.text().notNull(),
    requestedAt: t.bigint().notNull(),
    approvedAt: t.bigint(),
    approvedBy: t.json().$type<`0x${string}`[]>().notNull(),
    /** The source's provider on approval, the absorber's on reclaim. */
    paidTo: t.hex(),
    reclaimedAt: t.bigint(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    absorberIdx: index().on(table.absorberId, table.id),
    sourceIdx: index().on(table.sourceId, table.id),
  }),
);

/** One component's settlement of one epoch (at most one per pair on-chain). Outcome REWARDED or SLASHED. */
export const epochSettlement = onchainTable(
  "epoch_settlement",
  (t) => ({
    epoch: t.integer().notNull(),
    componentId: t.bigint().notNull(),
    outcome: t.text().notNull(),
    amount: t.bigint().notNull(),
    efficiencyImprovementBps: t.integer().notNull(),
    scenarioRangeDelta: t.integer().notNull(),
    evidenceHash: t.hex().notNull(),
    nodes: t.json().$type<`0x${string}`[]>().notNull(),
    /** The event's checkpoint: `epochSettlements` pages newest first on it. */
    eventId: t.text().notNull(),
    settledAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.epoch, table.componentId] }),
    eventIdx: index().on(table.eventId),
    epochEventIdx: index().on(table.epoch, table.eventId),
    componentIdx: index().on(table.componentId, table.epoch),
  }),
);

/** A PoolFunded event (componentId 0: someone's `fund`; else an invocation fee's pool share). */
export const evolutionPoolFunding = onchainTable("evolution_pool_funding", (t) => ({
  id: t.text().primaryKey(),
  from: t.hex().notNull(),
  componentId: t.bigint().notNull(),
  amount: t.bigint().notNull(),
  fundedAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  transactionHash: t.hex().notNull(),
}));

/**
 * The evolution pool: one row, id 1. `genesis` and `epoch_length` are read from the contract when indexing starts;
 * balance = funded + slashed − rewarded (the contract's invariant).
 */
export const evolutionPool = onchainTable("evolution_pool", (t) => ({
  id: t.integer().primaryKey(),
  genesis: t.bigint().notNull(),
  epochLength: t.bigint().notNull(),
  totalFunded: t.bigint().notNull(),
  totalSlashed: t.bigint().notNull(),
  totalRewarded: t.bigint().notNull(),
  balance: t.bigint().notNull(),
  slashBps: t.integer().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * A component's timeline, one row per (event, component): REGISTERED, EVOLUTION_REPORT, LOGIC_UPDATED,
 * ABSORPTION_REQUESTED, ABSORBED (for the absorber and the source), REWARDED, SLASHED, PRICE_SET, PLEDGE_ADDED.
 * `amount`: the pledge at registration, the new price, the pledge added, the compensation, the reward or the slash.
 */
export const componentEvent = onchainTable(
  "component_event",
  (t) => ({
    id: t.text().notNull(),
    componentId: t.bigint().notNull(),
    kind: t.text().notNull(),
    reportId: t.bigint(),
    absorptionId: t.bigint(),
    epoch: t.integer(),
    amount: t.bigint(),
    version: t.integer(),
    logicHash: t.hex(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.id, table.componentId] }),
    timelineIdx: index().on(table.componentId, table.timestamp, table.id),
  }),
);
