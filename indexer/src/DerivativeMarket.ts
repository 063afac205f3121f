import { ponder } from "ponder:registry";
import {
  adoption,
  coreInUse,
  derivative,
  derivativeInUse,
  earning,
  invocation,
  licence,
  licenceTerms,
  marketAdmission,
  poolFunding,
  revenue,
  reward,
  rewardPool,
  rewardRule,
  utilisationCount,
} from "ponder:schema";

type Context = Parameters<Parameters<typeof ponder.on<"DerivativeMarket:PoolFunded">>[1]>[0]["context"];

const PER_USE = 1;
const ADOPTERS = 1;
const ENTERPRISES = 2;

/** The reward pool's single row, created with zeros on first touch (the seed share arrives in the deploy block). */
async function updatePool(
  context: Context,
  timestamp: bigint,
  change: (pool: {
    balance: bigint;
    totalFunded: bigint;
    totalClaimed: bigint;
    shareBps: number;
  }) => Partial<{
    balance: bigint;
    totalFunded: bigint;
    totalClaimed: bigint;
    shareBps: number;
  }>,
) {
  const current = (await context.db.find(rewardPool, { id: 1 })) ?? {
    balance: 0n,
    totalFunded: 0n,
    totalClaimed: 0n,
    shareBps: 0,
  };
  const next = { ...current, ...change(current), updatedAt: timestamp };
  await context.db
    .insert(rewardPool)
    .values({
      id: 1,
      balance: next.balance,
      totalFunded: next.totalFunded,
      totalClaimed: next.totalClaimed,
      shareBps: next.shareBps,
      updatedAt: timestamp,
    })
    .onConflictDoUpdate({
      balance: next.balance,
      totalFunded: next.totalFunded,
      totalClaimed: next.totalClaimed,
      shareBps: next.shareBps,
      updatedAt: timestamp,
    });
}

/** A per-use licence spends one use on each adoption or invocation (the contract checked it was valid). */
/**
 * A derivative's first use brings its cores into the utilisation rate's numerator, each core once however many of
 * its derivatives are used. The market records a use only for an account with a valid licence of that derivative,
 * so every recorded use counts (README "Utilisation rate (SQL)" states the definition with the licence join).
 */
async function markInUse(context: Context, derivativeId: bigint, timestamp: bigint) {
  if (await context.db.find(derivativeInUse, { derivativeId })) return;
  await context.db.insert(derivativeInUse).values({ derivativeId, firstUsedAt: timestamp });
  const unit = await context.db.find(derivative, { id: derivativeId });
  let added = 0;
  for (const core of unit?.coreIds ?? []) {
    const certificateId = BigInt(core);
    if (await context.db.find(coreInUse, { certificateId })) continue;
    await context.db.insert(coreInUse).values({ certificateId, derivativeId, firstUsedAt: timestamp });
    added += 1;
  }
  if (added === 0) return;
  await context.db
    .insert(utilisationCount)
    .values({ id: 1, certifiedCores: 0, coresInUse: added, updatedAt: timestamp })
    .onConflictDoUpdate((row) => ({ coresInUse: row.coresInUse + added, updatedAt: timestamp }));
}

async function useLicence(context: Context, licenceId: bigint, timestamp: bigint) {
  const row = await context.db.find(licence, { id: licenceId });
  if (row === null || row.mode !== PER_USE) return;
  await context.db
    .update(licence, { id: licenceId })
    .set({ usesLeft: row.usesLeft > 0n ? row.usesLeft - 1n : 0n, updatedAt: timestamp });
}

/** Keeps the derivative's counted accounts on `metric` (its reward row exists from the first use on). */
async function countAccounts(
  context: Context,
  derivativeId: bigint,
  metric: number,
  countedAccounts: number,
  timestamp: bigint,
) {
  await context.db
    .insert(reward)
    .values({
      derivativeId,
      metric,
      countedAccounts,
      threshold: null,
      amount: 0n,
      owed: 0n,
      paid: 0n,
      payee: null,
      earnedAt: null,
      updatedAt: timestamp,
    })
    .onConflictDoUpdate({ countedAccounts, updatedAt: timestamp });
}

ponder.on("DerivativeMarket:LicenceTermsSet", async ({ event, context }) => {
  const { derivativeId, provider, price, mode, quantity, active } = event.args;
  const row = {
    provider,
    price,
    mode,
    quantity: BigInt(quantity),
    active,
    updatedAt: event.block.timestamp,
    blockNumber: event.block.number,
  };
  await context.db
    .insert(licenceTerms)
    .values({ derivativeId, ...row })
    .onConflictDoUpdate(row);
});

ponder.on("DerivativeMarket:LicencePurchased", async ({ event, context }) => {
  const a = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(licence)
    .values({
      id: a.licenceId,
      derivativeId: a.derivativeId,
      licensee: a.licensee,
      payee: a.payee,
      pricePaid: a.pricePaid,
      revenue: a.revenue,
      poolShare: a.poolShare,
      mode: a.mode,
      usesLeft: BigInt(a.usesLeft),
      validUntil: BigInt(a.validUntil),
      purchases: 1,
      purchasedAt: timestamp,
      updatedAt: timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    // A purchase that extends a licence it already holds under the same id.
    .onConflictDoUpdate((row) => ({
      payee: a.payee,
      pricePaid: row.pricePaid + a.pricePaid,
      revenue: row.revenue + a.revenue,
      poolShare: row.poolShare + a.poolShare,
      usesLeft: BigInt(a.usesLeft),
      validUntil: BigInt(a.validUntil),
      purchases: row.purchases + 1,
      updatedAt: timestamp,
    }));
  if (a.revenue > 0n) {
    await context.db
      .insert(revenue)
      .values({ account: a.payee, owed: a.revenue, released: 0n, earned: a.revenue, updatedAt: timestamp })
      .onConflictDoUpdate((row) => ({
        owed: row.owed + a.revenue,
        earned: row.earned + a.revenue,
        updatedAt: timestamp,
      }));
    await context.db
      .insert(earning)
      .values({
        id: event.id,
        account: a.payee,
        kind: "LICENCE",
        amount: a.revenue,
        derivativeId: a.derivativeId,
        timestamp,
        blockNumber: event.block.number,
        transactionHash: event.transaction.hash,
      })
      .onConflictDoNothing();
  }
  // The pool share is not added here: the market emits PoolFunded (funder = itself) for it.
});

ponder.on("DerivativeMarket:AdoptionRecorded", async ({ event, context }) => {
  const { derivativeId, adopter, licenceId, counted, countedAdopters } = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(adoption)
    .values({
      id: event.id,
      derivativeId,
      adopter,
      licenceId,
      counted,
      countedAdopters,
      adoptedAt: timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  await useLicence(context, licenceId, timestamp);
  await countAccounts(context, derivativeId, ADOPTERS, countedAdopters, timestamp);
  await markInUse(context, derivativeId, timestamp);
});

ponder.on("DerivativeMarket:InvocationRecorded", async ({ event, context }) => {
  const a = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(invocation)
    .values({
      id: event.id,
      derivativeId: a.derivativeId,
      enterprise: a.enterprise,
      licenceId: a.licenceId,
      inputHash: a.inputHash,
      resultHash: a.resultHash,
      counted: a.counted,
      countedEnterprises: a.countedEnterprises,
      invokedAt: timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  await useLicence(context, a.licenceId, timestamp);
  await countAccounts(context, a.derivativeId, ENTERPRISES, a.countedEnterprises, timestamp);
  await markInUse(context, a.derivativeId, timestamp);
});

ponder.on("DerivativeMarket:RewardEarned", async ({ event, context }) => {
  const { derivativeId, metric, payee, amount } = event.args;
  const timestamp = event.block.timestamp;
  // The threshold that was crossed: the rule of the derivative's kind as it stood at this block.
  const unit = await context.db.find(derivative, { id: derivativeId });
  const rule = unit ? await context.db.find(rewardRule, { kind: unit.kind, metric }) : null;
  const threshold = rule?.threshold ?? null;
  await context.db
    .insert(reward)
    .values({
      derivativeId,
      metric,
      countedAccounts: threshold ?? 0,
      threshold,
      amount,
      owed: amount,
      paid: 0n,
      payee,
      earnedAt: timestamp,
      updatedAt: timestamp,
    })
    .onConflictDoUpdate({
      threshold,
      amount,
      owed: amount,
      payee,
      earnedAt: timestamp,
      updatedAt: timestamp,
    });
});

ponder.on("DerivativeMarket:RewardClaimed", async ({ event, context }) => {
  const { derivativeId, metric, payee, amount } = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .update(reward, { derivativeId, metric })
    .set((row) => ({ paid: row.paid + amount, payee, updatedAt: timestamp }));
  await updatePool(context, timestamp, (pool) => ({
    balance: pool.balance - amount,
    totalClaimed: pool.totalClaimed + amount,
  }));
  await context.db
    .insert(earning)
    .values({
      id: event.id,
      account: payee,
      kind: "REWARD",
      amount,
      derivativeId,
      timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
});

ponder.on("DerivativeMarket:PoolFunded", async ({ event, context }) => {
  const { funder, amount, poolBalance } = event.args;
  const timestamp = event.block.timestamp;
  await updatePool(context, timestamp, (pool) => ({
    balance: poolBalance,
    totalFunded: pool.totalFunded + amount,
  }));
  await context.db
    .insert(poolFunding)
    .values({
      id: event.id,
      funder,
      amount,
      poolBalance,
      timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
});

ponder.on("DerivativeMarket:RevenueReleased", async ({ event, context }) => {
  const { account, amount } = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(revenue)
    .values({ account, owed: 0n, released: amount, earned: 0n, updatedAt: timestamp })
    .onConflictDoUpdate((row) => ({
      owed: row.owed > amount ? row.owed - amount : 0n,
      released: row.released + amount,
      updatedAt: timestamp,
    }));
});

ponder.on("DerivativeMarket:RewardRuleSet", async ({ event, context }) => {
  const { kind, metric, threshold, amount } = event.args;
  await context.db
    .insert(rewardRule)
    .values({ kind, metric, threshold, amount, updatedAt: event.block.timestamp })
    .onConflictDoUpdate({ threshold, amount, updatedAt: event.block.timestamp });
});

ponder.on("DerivativeMarket:PoolShareSet", async ({ event, context }) => {
  await updatePool(context, event.block.timestamp, () => ({ shareBps: event.args.shareBps }));
});

ponder.on("DerivativeMarket:AdmissionSet", async ({ event, context }) => {
  const { account, admitted } = event.args;
  await context.db
    .insert(marketAdmission)
    .values({ account, admitted, updatedAt: event.block.timestamp })
    .onConflictDoUpdate({ admitted, updatedAt: event.block.timestamp });
});
