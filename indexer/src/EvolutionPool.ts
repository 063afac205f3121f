import { ponder } from "ponder:registry";
import { componentEvent, epochSettlement, evolutionPool, evolutionPoolFunding } from "ponder:schema";

type Context = Parameters<Parameters<typeof ponder.on<"EvolutionPool:SlashBpsSet">>[1]>[0]["context"];

/** IEvolutionPool's defaults, until the contract is read at the start block or an event says otherwise. */
const DEFAULT_POOL = {
  genesis: 0n,
  epochLength: 7n * 86_400n,
  totalFunded: 0n,
  totalSlashed: 0n,
  totalRewarded: 0n,
  balance: 0n,
  slashBps: 500,
};
type PoolState = typeof DEFAULT_POOL;

/** IEvolutionPool.Outcome by ordinal. */
const OUTCOMES = ["NONE", "REWARDED", "SLASHED"] as const;

async function updatePool(
  context: Pick<Context, "db">,
  timestamp: bigint,
  change: (current: PoolState) => Partial<PoolState>,
) {
  const current = (await context.db.find(evolutionPool, { id: 1 })) ?? DEFAULT_POOL;
  const next = { ...current, ...change(current) };
  const row = {
    genesis: next.genesis,
    epochLength: next.epochLength,
    totalFunded: next.totalFunded,
    totalSlashed: next.totalSlashed,
    totalRewarded: next.totalRewarded,
    // The contract's invariant: balance = Σ funded + Σ slashed − Σ rewarded.
    balance: next.totalFunded + next.totalSlashed - next.totalRewarded,
    slashBps: next.slashBps,
    updatedAt: timestamp,
  };
  await context.db
    .insert(evolutionPool)
    .values({ id: 1, ...row })
    .onConflictDoUpdate(row);
}

// Genesis and the epoch length are immutable and emitted by no event: read once, at the start block.
ponder.on("EvolutionPool:setup", async ({ context }) => {
  const { address, abi } = context.contracts.EvolutionPool;
  // Not deployed (a manifest without the evolution group): nothing to read.
  if (typeof address !== "string") return;
  const [genesis, epochLength, slashBps] = await Promise.all([
    context.client.readContract({ abi, address, functionName: "genesis" }),
    context.client.readContract({ abi, address, functionName: "epochLength" }),
    context.client.readContract({ abi, address, functionName: "slashBps" }),
  ]);
  await updatePool(context, genesis, () => ({ genesis, epochLength, slashBps }));
});

// Totals add up per event: the event's own row is written first and an event already seen changes nothing.
ponder.on("EvolutionPool:PoolFunded", async ({ event, context }) => {
  const { from, componentId, amount } = event.args;
  if ((await context.db.find(evolutionPoolFunding, { id: event.id })) !== null) return;
  await context.db.insert(evolutionPoolFunding).values({
    id: event.id,
    from,
    componentId,
    amount,
    fundedAt: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
  await updatePool(context, event.block.timestamp, (pool) => ({ totalFunded: pool.totalFunded + amount }));
});

ponder.on("EvolutionPool:EpochSettled", async ({ event, context }) => {
  const a = event.args;
  const epoch = Number(a.epoch);
  const outcome = OUTCOMES[a.outcome] ?? "NONE";
  // One settlement per (epoch, component) on-chain: a second sight of it is a replay.
  if ((await context.db.find(epochSettlement, { epoch, componentId: a.componentId })) !== null) return;
  await context.db.insert(epochSettlement).values({
    epoch,
    componentId: a.componentId,
    outcome,
    amount: a.amount,
    efficiencyImprovementBps: a.efficiencyImprovementBps,
    scenarioRangeDelta: a.scenarioRangeDelta,
    evidenceHash: a.evidenceHash,
    nodes: [...a.nodes],
    eventId: event.id,
    settledAt: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
  await updatePool(context, event.block.timestamp, (pool) =>
    outcome === "REWARDED"
      ? { totalRewarded: pool.totalRewarded + a.amount }
      : outcome === "SLASHED"
        ? { totalSlashed: pool.totalSlashed + a.amount }
        : {},
  );
  if (outcome === "NONE") return;
  await context.db
    .insert(componentEvent)
    .values({
      id: event.id,
      componentId: a.componentId,
      kind: outcome,
      reportId: null,
      absorptionId: null,
      epoch,
      amount: a.amount,
      version: null,
      logicHash: null,
      timestamp: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
});

ponder.on("EvolutionPool:SlashBpsSet", async ({ event, context }) => {
  await updatePool(context, event.block.timestamp, () => ({ slashBps: event.args.slashBps }));
});
