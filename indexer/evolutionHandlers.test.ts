import { stringToHex } from "viem";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createMemoryStore, type Row } from "../test/support/createMemoryStore.js";
import * as schema from "./ponder.schema";

/**
 * The capability evolution handlers (src/ComponentRegistry.ts, src/EvolutionPool.ts) fed the events the contracts
 * emit, in the order they emit them (publishEvolutionReport emits EvolutionReportPublished then LogicUpdated;
 * approveAbsorption AbsorptionApproved then LogicUpdated; a paid invocation ComponentInvoked and the pool's
 * PoolFunded; a slashing settlement PledgeSlashed then EpochSettled), against the in-memory stand-in for ponder's
 * store. Every event is then delivered again (a replay after a restart or a reorg re-run): nothing changes.
 */

type Handler = (input: { event?: unknown; context: unknown }) => Promise<void>;

const handlers = new Map<string, Handler>();
vi.mock("ponder:registry", () => ({
  ponder: { on: (name: string, handler: Handler) => handlers.set(name, handler) },
}));
vi.mock("ponder:schema", () => import("./ponder.schema"));

const ERA = 10n ** 18n;
const HUB = "0x00000000000000000000000000000000000000a1";
const PARTNER = "0x00000000000000000000000000000000000000a2";
const CALLER = "0x00000000000000000000000000000000000000c1";
const POOL = "0x00000000000000000000000000000000000000e1";
const node = (i: number) => `0x${(0xb00 + i).toString(16).padStart(40, "0")}` as const;
const hash = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as const;
const GENESIS = 1_700_000_000n;
const WEEK = 604_800n;

type Emitted = { name: string; event: Row };
let sequence = 0;
let store: ReturnType<typeof createMemoryStore>;
let emitted: Emitted[];

const context = () => ({
  db: store.db,
  contracts: { EvolutionPool: { address: POOL, abi: [] } },
  client: {
    readContract: async ({ functionName }: { functionName: string }) =>
      ({ genesis: GENESIS, epochLength: WEEK, slashBps: 500 })[functionName],
  },
});

/** Runs the handler of `name` on an event at `timestamp` (a new block per call, ids in chain order). */
async function emit(name: string, args: Row, timestamp = GENESIS + 100n) {
  sequence++;
  const handler = handlers.get(name);
  if (!handler) throw new Error(`no handler for ${name}`);
  const event = {
    id: String(sequence).padStart(75, "0"),
    args,
    block: { timestamp, number: BigInt(100 + sequence) },
    transaction: { hash: hash(sequence), from: HUB },
  };
  emitted.push({ name, event });
  await handler({ event, context: context() });
}

/** Every table's rows, for comparing the whole store before and after a replay. */
const snapshot = () =>
  JSON.stringify(
    Object.values(schema).map((table) => store.all(table)),
    (_, v) => (typeof v === "bigint" ? `${v}n` : v),
  );

beforeAll(async () => {
  await import("./src/ComponentRegistry");
  await import("./src/EvolutionPool");
});

const metrics = (
  p50: bigint,
  p95: bigint,
  accuracyBps: number,
  complianceBps: number,
  invocations: number,
) => ({
  p50LatencyMicros: p50,
  p95LatencyMicros: p95,
  accuracyBps,
  complianceBps,
  invocations,
});

describe("ComponentRegistry and EvolutionPool handlers", () => {
  it("a component's life: registration, price, pledge, paid invocations, report, absorption, settlements; a replay changes nothing", async () => {
    store = createMemoryStore();
    emitted = [];
    await handlers.get("EvolutionPool:setup")?.({ context: context() });
    expect(store.one(schema.evolutionPool, { id: 1 })).toMatchObject({
      genesis: GENESIS,
      epochLength: WEEK,
      slashBps: 500,
      balance: 0n,
    });

    await emit("ComponentRegistry:ComponentRegistered", {
      componentId: 1n,
      provider: HUB,
      kind: 1,
      name: stringToHex("core-prover", { size: 32 }),
      price: 0n,
      pledge: 1_000n * ERA,
      logicHash: hash(0xa1),
    });
    await emit("ComponentRegistry:ComponentRegistered", {
      componentId: 2n,
      provider: PARTNER,
      kind: 2,
      name: stringToHex("agricultural-validator", { size: 32 }),
      price: ERA,
      pledge: 1_000n * ERA,
      logicHash: hash(0xa2),
    });
    expect(store.one(schema.component, { id: 1n })).toMatchObject({
      provider: HUB,
      kind: 1,
      name: "core-prover",
      nameHash: stringToHex("core-prover", { size: 32 }),
      price: 0n,
      pledge: 1_000n * ERA,
      logicHash: hash(0xa1),
      version: 1,
      registeredAt: GENESIS + 100n,
    });

    await emit("ComponentRegistry:ComponentPriceSet", { componentId: 1n, price: 2n * ERA });
    await emit("ComponentRegistry:PledgeAdded", {
      componentId: 1n,
      amount: 500n * ERA,
      pledge: 1_500n * ERA,
    });
    // A paid invocation: 20% of the fee to the pool (which records its funding), the rest to the provider.
    await emit("ComponentRegistry:ComponentInvoked", {
      invocationId: 1n,
      componentId: 1n,
      caller: CALLER,
      requestHash: hash(7),
      fee: 2n * ERA,
      toPool: (2n * ERA) / 5n,
      toProvider: (8n * ERA) / 5n,
    });
    await emit("EvolutionPool:PoolFunded", { from: CALLER, componentId: 1n, amount: (2n * ERA) / 5n });
    await emit("EvolutionPool:PoolFunded", { from: HUB, componentId: 0n, amount: 5_000n * ERA });
    expect(store.one(schema.component, { id: 1n })).toMatchObject({ price: 2n * ERA, pledge: 1_500n * ERA });
    expect(store.one(schema.paidInvocation, { id: 1n })).toMatchObject({
      componentId: 1n,
      caller: CALLER,
      fee: 2n * ERA,
      toPool: (2n * ERA) / 5n,
      toProvider: (8n * ERA) / 5n,
    });

    await emit("ComponentRegistry:EvolutionReportPublished", {
      reportId: 1n,
      componentId: 1n,
      beforeMetrics: metrics(2_800_000n, 3_100_000n, 10_000, 10_000, 40),
      afterMetrics: metrics(1_850_000n, 2_000_000n, 10_000, 9_975, 40),
      efficiencyImprovementBps: 3392,
      evidenceHash: hash(0xe1),
      decisionLogHash: hash(0xd1),
      logicHash: hash(0xa3),
    });
    await emit("ComponentRegistry:LogicUpdated", { componentId: 1n, version: 2, logicHash: hash(0xa3) });
    expect(store.one(schema.evolutionReport, { id: 1n })).toMatchObject({
      componentId: 1n,
      beforeP50LatencyMicros: 2_800_000n,
      beforeP95LatencyMicros: 3_100_000n,
      afterP50LatencyMicros: 1_850_000n,
      afterComplianceBps: 9_975,
      afterInvocations: 40,
      efficiencyImprovementBps: 3392,
      decisionLogHash: hash(0xd1),
    });
    expect(store.one(schema.component, { id: 1n })).toMatchObject({ version: 2, logicHash: hash(0xa3) });

    // Component 1 absorbs component 2's module: escrow at the request, paid to 2's provider on approval.
    await emit("ComponentRegistry:AbsorptionRequested", {
      absorptionId: 1n,
      absorberId: 1n,
      sourceId: 2n,
      moduleHash: hash(0xa2),
      compensation: 800n * ERA,
    });
    expect(store.one(schema.absorption, { id: 1n })).toMatchObject({ status: "REQUESTED", approvedBy: [] });
    await emit("ComponentRegistry:AbsorptionApproved", {
      absorptionId: 1n,
      nodes: [node(1), node(2)],
      paidTo: PARTNER,
      compensation: 800n * ERA,
    });
    await emit("ComponentRegistry:LogicUpdated", { componentId: 1n, version: 3, logicHash: hash(0xa4) });
    expect(store.one(schema.absorption, { id: 1n })).toMatchObject({
      status: "APPROVED",
      approvedAt: GENESIS + 100n,
      approvedBy: [node(1), node(2)],
      paidTo: PARTNER,
    });
    // Another request, never approved: reclaimed after the window.
    await emit("ComponentRegistry:AbsorptionRequested", {
      absorptionId: 2n,
      absorberId: 2n,
      sourceId: 1n,
      moduleHash: hash(0xa4),
      compensation: 800n * ERA,
    });
    await emit(
      "ComponentRegistry:AbsorptionReclaimed",
      { absorptionId: 2n, refundedTo: PARTNER, compensation: 800n * ERA },
      GENESIS + 8n * 86_400n,
    );
    expect(store.one(schema.absorption, { id: 2n })).toMatchObject({
      status: "RECLAIMED",
      reclaimedAt: GENESIS + 8n * 86_400n,
      paidTo: PARTNER,
      approvedAt: null,
    });

    // Epoch 0: component 1 rewarded (+33.9% → 1,000 ERA), component 2 slashed 5% of 1,000 ERA.
    const settledAt = GENESIS + WEEK + 10n;
    await emit(
      "EvolutionPool:EpochSettled",
      {
        epoch: 0n,
        componentId: 1n,
        outcome: 1,
        amount: 1_000n * ERA,
        efficiencyImprovementBps: 3392,
        scenarioRangeDelta: 1,
        evidenceHash: hash(0xf1),
        nodes: [node(1), node(2)],
      },
      settledAt,
    );
    await emit(
      "ComponentRegistry:PledgeSlashed",
      { componentId: 2n, amount: 50n * ERA, pledge: 950n * ERA },
      settledAt,
    );
    await emit(
      "EvolutionPool:EpochSettled",
      {
        epoch: 0n,
        componentId: 2n,
        outcome: 2,
        amount: 50n * ERA,
        efficiencyImprovementBps: -120,
        scenarioRangeDelta: 0,
        evidenceHash: hash(0xf2),
        nodes: [node(2), node(3)],
      },
      settledAt,
    );
    await emit("EvolutionPool:SlashBpsSet", { slashBps: 700 });
    expect(store.one(schema.component, { id: 2n })?.pledge).toBe(950n * ERA);
    expect(store.one(schema.epochSettlement, { epoch: 0, componentId: 2n })).toMatchObject({
      outcome: "SLASHED",
      amount: 50n * ERA,
      efficiencyImprovementBps: -120,
      nodes: [node(2), node(3)],
      settledAt,
    });
    const funded = (2n * ERA) / 5n + 5_000n * ERA;
    expect(store.one(schema.evolutionPool, { id: 1 })).toMatchObject({
      genesis: GENESIS,
      epochLength: WEEK,
      totalFunded: funded,
      totalSlashed: 50n * ERA,
      totalRewarded: 1_000n * ERA,
      balance: funded + 50n * ERA - 1_000n * ERA,
      slashBps: 700,
    });

    const timelineOf = (id: bigint) =>
      store
        .all(schema.componentEvent)
        .filter((e) => e.componentId === id)
        .map((e) => [e.kind, e.amount ?? e.reportId ?? e.version ?? null, e.absorptionId, e.epoch]);
    expect(timelineOf(1n)).toEqual([
      ["REGISTERED", 1_000n * ERA, null, null],
      ["PRICE_SET", 2n * ERA, null, null],
      ["PLEDGE_ADDED", 500n * ERA, null, null],
      ["EVOLUTION_REPORT", 1n, null, null],
      ["LOGIC_UPDATED", 2, null, null],
      ["ABSORPTION_REQUESTED", 800n * ERA, 1n, null],
      ["ABSORBED", 800n * ERA, 1n, null],
      ["LOGIC_UPDATED", 3, null, null],
      ["ABSORPTION_REQUESTED", 800n * ERA, 2n, null],
      ["REWARDED", 1_000n * ERA, null, 0],
    ]);
    expect(timelineOf(2n).map(([kind]) => kind)).toEqual([
      "REGISTERED",
      "ABSORPTION_REQUESTED",
      "ABSORBED",
      "ABSORPTION_REQUESTED",
      "SLASHED",
    ]);

    // Setup and every event again, in order: the store is exactly as it was (totals are not counted twice).
    const before = snapshot();
    await handlers.get("EvolutionPool:setup")?.({ context: context() });
    for (const { name, event } of emitted) await handlers.get(name)?.({ event, context: context() });
    expect(snapshot()).toBe(before);
    // An older LogicUpdated replayed after a newer one leaves the newest version.
    const older = emitted.find((e) => e.name === "ComponentRegistry:LogicUpdated");
    await handlers.get("ComponentRegistry:LogicUpdated")?.({ event: older?.event, context: context() });
    expect(store.one(schema.component, { id: 1n })).toMatchObject({ version: 3, logicHash: hash(0xa4) });
  });

  it("events of a component or absorption never seen change nothing; without the contract read the defaults stand", async () => {
    store = createMemoryStore();
    emitted = [];
    await emit("ComponentRegistry:ComponentPriceSet", { componentId: 9n, price: 1n });
    await emit("ComponentRegistry:LogicUpdated", { componentId: 9n, version: 2, logicHash: hash(1) });
    await emit("ComponentRegistry:AbsorptionApproved", {
      absorptionId: 9n,
      nodes: [node(1)],
      paidTo: PARTNER,
      compensation: 1n,
    });
    await emit("ComponentRegistry:AbsorptionReclaimed", {
      absorptionId: 9n,
      refundedTo: PARTNER,
      compensation: 1n,
    });
    expect(store.all(schema.component)).toEqual([]);
    expect(store.all(schema.absorption)).toEqual([]);
    // A pool indexed without its setup read (cannot happen with ponder, which runs setup first): 7-day epochs.
    await emit("EvolutionPool:PoolFunded", { from: HUB, componentId: 0n, amount: 3n });
    expect(store.one(schema.evolutionPool, { id: 1 })).toMatchObject({
      genesis: 0n,
      epochLength: WEEK,
      totalFunded: 3n,
      balance: 3n,
    });
    // A setup for a pool that is not deployed (no address) reads nothing.
    const noPool = { ...context(), contracts: { EvolutionPool: { address: [], abi: [] } } };
    store = createMemoryStore();
    await handlers.get("EvolutionPool:setup")?.({ context: noPool });
    expect(store.all(schema.evolutionPool)).toEqual([]);
  });
});
