import { ponder } from "ponder:registry";
import { creditDomainBase, creditEvent, creditLine, creditPool, lenderPosition } from "ponder:schema";

type Context = Parameters<Parameters<typeof ponder.on<"CreditVault:Deposited">>[1]>[0]["context"];
type Event = Parameters<Parameters<typeof ponder.on<"CreditVault:Deposited">>[1]>[0]["event"];

type Pool = {
  idle: bigint;
  outstandingPrincipal: bigint;
  totalLosses: bigint;
  totalShares: bigint;
  interestRateBps: number;
  termSeconds: bigint;
};

/**
 * The lenders' pool's single row, created with zeros on first touch. Total assets are always idle ERA + outstanding
 * principal (ICreditVault), so they are derived here rather than carried separately.
 */
async function updatePool(context: Context, timestamp: bigint, change: (pool: Pool) => Partial<Pool>) {
  const current: Pool = (await context.db.find(creditPool, { id: 1 })) ?? {
    idle: 0n,
    outstandingPrincipal: 0n,
    totalLosses: 0n,
    totalShares: 0n,
    interestRateBps: 0,
    termSeconds: 0n,
  };
  const next = { ...current, ...change(current) };
  const row = {
    totalAssets: next.idle + next.outstandingPrincipal,
    idle: next.idle,
    outstandingPrincipal: next.outstandingPrincipal,
    totalLosses: next.totalLosses,
    totalShares: next.totalShares,
    interestRateBps: next.interestRateBps,
    termSeconds: next.termSeconds,
    updatedAt: timestamp,
  };
  await context.db
    .insert(creditPool)
    .values({ id: 1, ...row })
    .onConflictDoUpdate(row);
}

async function recordEvent(
  context: Context,
  event: Pick<Event, "id" | "block" | "transaction">,
  row: {
    lineId: bigint;
    kind: string;
    account: `0x${string}`;
    amount: bigint;
    principal: bigint;
    interest: bigint;
  },
) {
  await context.db
    .insert(creditEvent)
    .values({
      id: event.id,
      ...row,
      timestamp: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
}

ponder.on("CreditVault:CreditLineOpened", async ({ event, context }) => {
  const { lineId, derivativeId, borrower, domain, weightBps, limit, dueAt } = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(creditLine)
    .values({
      id: lineId,
      derivativeId,
      borrower,
      domain,
      weightBps,
      creditLimit: limit,
      principal: 0n,
      interest: 0n,
      accruedAt: timestamp,
      status: "OPEN",
      openedAt: timestamp,
      dueAt: BigInt(dueAt),
      closedAt: null,
      borrowed: 0n,
      repaidPrincipal: 0n,
      repaidInterest: 0n,
      principalLost: 0n,
      interestLost: 0n,
      updatedAt: timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  await recordEvent(context, event, {
    lineId,
    kind: "OPENED",
    account: borrower,
    amount: 0n,
    principal: 0n,
    interest: 0n,
  });
});

ponder.on("CreditVault:Borrowed", async ({ event, context }) => {
  const { lineId, borrower, amount, principal, interest } = event.args;
  const timestamp = event.block.timestamp;
  await context.db.update(creditLine, { id: lineId }).set((row) => ({
    principal,
    interest,
    accruedAt: timestamp,
    borrowed: row.borrowed + amount,
    updatedAt: timestamp,
  }));
  await updatePool(context, timestamp, (pool) => ({
    idle: pool.idle - amount,
    outstandingPrincipal: pool.outstandingPrincipal + amount,
  }));
  await recordEvent(context, event, {
    lineId,
    kind: "BORROWED",
    account: borrower,
    amount,
    principal,
    interest,
  });
});

ponder.on("CreditVault:Repaid", async ({ event, context }) => {
  const { lineId, payer, interestPaid, principalPaid, principal, interest } = event.args;
  const timestamp = event.block.timestamp;
  await context.db.update(creditLine, { id: lineId }).set((row) => ({
    principal,
    interest,
    accruedAt: timestamp,
    repaidPrincipal: row.repaidPrincipal + principalPaid,
    repaidInterest: row.repaidInterest + interestPaid,
    updatedAt: timestamp,
  }));
  // Interest paid raises the pool's assets; principal paid moves from outstanding back to idle.
  await updatePool(context, timestamp, (pool) => ({
    idle: pool.idle + interestPaid + principalPaid,
    outstandingPrincipal: pool.outstandingPrincipal - principalPaid,
  }));
  await recordEvent(context, event, {
    lineId,
    kind: "REPAID",
    account: payer,
    amount: interestPaid + principalPaid,
    principal,
    interest,
  });
});

ponder.on("CreditVault:Unpledged", async ({ event, context }) => {
  const { lineId, borrower } = event.args;
  const timestamp = event.block.timestamp;
  await context.db.update(creditLine, { id: lineId }).set({
    status: "CLOSED",
    closedAt: timestamp,
    principal: 0n,
    interest: 0n,
    accruedAt: timestamp,
    updatedAt: timestamp,
  });
  await recordEvent(context, event, {
    lineId,
    kind: "UNPLEDGED",
    account: borrower,
    amount: 0n,
    principal: 0n,
    interest: 0n,
  });
});

ponder.on("CreditVault:CreditDefaulted", async ({ event, context }) => {
  const { lineId, principalLost, interestLost, declaredBy } = event.args;
  const timestamp = event.block.timestamp;
  // The line keeps the principal and interest it lost; nothing accrues on it any more.
  await context.db.update(creditLine, { id: lineId }).set({
    status: "DEFAULTED",
    closedAt: timestamp,
    principal: principalLost,
    interest: interestLost,
    accruedAt: timestamp,
    principalLost,
    interestLost,
    updatedAt: timestamp,
  });
  await updatePool(context, timestamp, (pool) => ({
    outstandingPrincipal: pool.outstandingPrincipal - principalLost,
    totalLosses: pool.totalLosses + principalLost,
  }));
  await recordEvent(context, event, {
    lineId,
    kind: "DEFAULTED",
    account: declaredBy,
    amount: principalLost,
    principal: principalLost,
    interest: interestLost,
  });
});

ponder.on("CreditVault:Deposited", async ({ event, context }) => {
  const { lender, amount, shares, totalShares } = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(lenderPosition)
    .values({ lender, shares, deposited: amount, withdrawn: 0n, updatedAt: timestamp })
    .onConflictDoUpdate((row) => ({
      shares: row.shares + shares,
      deposited: row.deposited + amount,
      updatedAt: timestamp,
    }));
  await updatePool(context, timestamp, (pool) => ({ idle: pool.idle + amount, totalShares }));
});

ponder.on("CreditVault:Withdrawn", async ({ event, context }) => {
  const { lender, amount, shares, totalShares } = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(lenderPosition)
    .values({ lender, shares: 0n, deposited: 0n, withdrawn: amount, updatedAt: timestamp })
    .onConflictDoUpdate((row) => ({
      shares: row.shares > shares ? row.shares - shares : 0n,
      withdrawn: row.withdrawn + amount,
      updatedAt: timestamp,
    }));
  await updatePool(context, timestamp, (pool) => ({ idle: pool.idle - amount, totalShares }));
});

ponder.on("CreditVault:RecoveryBooked", async ({ event, context }) => {
  const { amount } = event.args;
  await updatePool(context, event.block.timestamp, (pool) => ({ idle: pool.idle + amount }));
});

ponder.on("CreditVault:DomainBaseSet", async ({ event, context }) => {
  const { domain, base } = event.args;
  await context.db
    .insert(creditDomainBase)
    .values({ domain, base, updatedAt: event.block.timestamp })
    .onConflictDoUpdate({ base, updatedAt: event.block.timestamp });
});

ponder.on("CreditVault:InterestRateSet", async ({ event, context }) => {
  await updatePool(context, event.block.timestamp, () => ({ interestRateBps: event.args.rateBps }));
});

ponder.on("CreditVault:TermSet", async ({ event, context }) => {
  await updatePool(context, event.block.timestamp, () => ({ termSeconds: BigInt(event.args.termSeconds) }));
});
