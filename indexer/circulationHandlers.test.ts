import { beforeAll, describe, expect, it, vi } from "vitest";
import { createMemoryStore, type Row } from "../test/support/createMemoryStore.js";
import * as schema from "./ponder.schema";

/**
 * The circulation handlers (src/DerivativeMarket.ts, src/CreditVault.ts) fed the events the contracts emit, in the
 * order they emit them (a licence purchase emits LicencePurchased then PoolFunded; the adoption that crosses a
 * threshold emits RewardEarned), against an in-memory stand-in for ponder's store (`context.db`: find, insert with
 * its conflict clauses, update). Real chain and indexer runs are the end-to-end tests'; this one pins the
 * accounting: pool totals, revenue owed and released, uses left, rewards owed and paid, credit pool assets.
 * (Beside the indexer, not in src/: ponder loads every file of src/ as indexing functions.)
 */

type Handler = (input: { event: unknown; context: unknown }) => Promise<void>;

const handlers = new Map<string, Handler>();
vi.mock("ponder:registry", () => ({
  ponder: { on: (name: string, handler: Handler) => handlers.set(name, handler) },
}));
vi.mock("ponder:schema", () => import("./ponder.schema"));

const PROVIDER = "0x00000000000000000000000000000000000000aa";
const MARKET = "0x00000000000000000000000000000000000000cc";
const FUNDER = "0x00000000000000000000000000000000000000dd";
const LENDER = "0x00000000000000000000000000000000000000ee";
const farmer = (i: number) => `0x${(0x100 + i).toString(16).padStart(40, "0")}` as const;

let sequence = 0;
let store: ReturnType<typeof createMemoryStore>;

/** Runs the handler of `name` on an event at `timestamp` (a new block per call, ids in chain order). */
async function emit(name: string, args: Row, timestamp = 1_700_000_000n) {
  sequence++;
  const handler = handlers.get(name);
  if (!handler) throw new Error(`no handler for ${name}`);
  await handler({
    event: {
      id: String(sequence).padStart(75, "0"),
      args,
      block: { timestamp, number: BigInt(100 + sequence) },
      transaction: { hash: `0x${sequence.toString(16).padStart(64, "0")}` },
    },
    context: { db: store.db },
  });
}

beforeAll(async () => {
  await import("./src/DerivativeMarket");
  await import("./src/CreditVault");
});

describe("DerivativeMarket handlers", () => {
  it("licences, adoptions, the reward, the pool, revenue and earnings add up", async () => {
    store = createMemoryStore();
    await store.db.insert(schema.derivative).values({ id: 7n, kind: 1 } as Row);
    await emit("DerivativeMarket:RewardRuleSet", { kind: 1, metric: 1, threshold: 10, amount: 500n });
    await emit("DerivativeMarket:RewardRuleSet", { kind: 3, metric: 2, threshold: 3, amount: 1200n });
    await emit("DerivativeMarket:PoolShareSet", { shareBps: 1000 });
    await emit("DerivativeMarket:LicenceTermsSet", {
      derivativeId: 7n,
      provider: PROVIDER,
      price: 100n,
      mode: 1,
      quantity: 2n,
      active: true,
    });
    let balance = 0n;
    for (let i = 1; i <= 10; i++) {
      await emit("DerivativeMarket:LicencePurchased", {
        licenceId: BigInt(i),
        derivativeId: 7n,
        licensee: farmer(i),
        payee: PROVIDER,
        pricePaid: 100n,
        revenue: 90n,
        poolShare: 10n,
        mode: 1,
        usesLeft: 2n,
        validUntil: 0n,
      });
      balance += 10n;
      await emit("DerivativeMarket:PoolFunded", { funder: MARKET, amount: 10n, poolBalance: balance });
      await emit("DerivativeMarket:AdoptionRecorded", {
        derivativeId: 7n,
        adopter: farmer(i),
        licenceId: BigInt(i),
        counted: true,
        countedAdopters: i,
      });
      if (i === 10)
        await emit("DerivativeMarket:RewardEarned", {
          derivativeId: 7n,
          metric: 1,
          payee: PROVIDER,
          amount: 500n,
        });
    }
    await emit("DerivativeMarket:PoolFunded", { funder: FUNDER, amount: 300n, poolBalance: 400n });
    // The pool holds 400 of the 500 owed: the claim pays 400 and leaves 100 of debt.
    await emit("DerivativeMarket:RewardClaimed", {
      derivativeId: 7n,
      metric: 1,
      payee: PROVIDER,
      amount: 400n,
      debt: 100n,
    });
    await emit("DerivativeMarket:RevenueReleased", { account: PROVIDER, amount: 600n });
    await emit("DerivativeMarket:AdmissionSet", { account: farmer(1), admitted: true });

    expect(store.one(schema.licenceTerms, { derivativeId: 7n })).toMatchObject({
      price: 100n,
      mode: 1,
      active: true,
    });
    const licences = store.all(schema.licence);
    expect(licences).toHaveLength(10);
    expect(licences.every((l) => l.usesLeft === 1n && l.pricePaid === 100n && l.purchases === 1)).toBe(true);
    const adoptions = store.all(schema.adoption);
    expect(adoptions.map((a) => a.countedAdopters)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(store.one(schema.reward, { derivativeId: 7n, metric: 1 })).toMatchObject({
      countedAccounts: 10,
      threshold: 10,
      amount: 500n,
      owed: 500n,
      paid: 400n,
      payee: PROVIDER,
    });
    expect(store.one(schema.rewardPool, { id: 1 })).toMatchObject({
      balance: 0n,
      totalFunded: 400n,
      totalClaimed: 400n,
      shareBps: 1000,
    });
    expect(store.all(schema.poolFunding)).toHaveLength(11);
    expect(store.one(schema.revenue, { account: PROVIDER })).toMatchObject({
      owed: 300n,
      released: 600n,
      earned: 900n,
    });
    const earnings = store.all(schema.earning);
    expect(earnings.filter((e) => e.kind === "LICENCE").map((e) => e.amount)).toEqual(Array(10).fill(90n));
    expect(earnings.filter((e) => e.kind === "REWARD").map((e) => e.amount)).toEqual([400n]);
    expect(store.one(schema.marketAdmission, { account: farmer(1) })).toMatchObject({ admitted: true });
    expect(store.all(schema.rewardRule)).toHaveLength(2);
  });

  it("an invocation spends a per-use licence; a time-limited one keeps its end; a purchase again under one id adds up", async () => {
    store = createMemoryStore();
    await store.db.insert(schema.derivative).values({ id: 9n, kind: 3 } as Row);
    const purchase = (licenceId: bigint, mode: number, usesLeft: bigint, validUntil: bigint) =>
      emit("DerivativeMarket:LicencePurchased", {
        licenceId,
        derivativeId: 9n,
        licensee: farmer(1),
        payee: PROVIDER,
        pricePaid: 50n,
        revenue: 45n,
        poolShare: 5n,
        mode,
        usesLeft,
        validUntil,
      });
    await purchase(1n, 1, 1n, 0n);
    await purchase(2n, 2, 0n, 1_800_000_000n);
    const invoke = (licenceId: bigint, counted: boolean, countedEnterprises: number) =>
      emit("DerivativeMarket:InvocationRecorded", {
        derivativeId: 9n,
        enterprise: farmer(1),
        licenceId,
        inputHash: `0x${"1".repeat(64)}`,
        resultHash: `0x${"2".repeat(64)}`,
        counted,
        countedEnterprises,
      });
    await invoke(1n, true, 1);
    await invoke(2n, false, 1);
    expect(store.one(schema.licence, { id: 1n })).toMatchObject({ usesLeft: 0n });
    expect(store.one(schema.licence, { id: 2n })).toMatchObject({ usesLeft: 0n, validUntil: 1_800_000_000n });
    expect(store.all(schema.invocation)).toHaveLength(2);
    expect(store.one(schema.reward, { derivativeId: 9n, metric: 2 })).toMatchObject({
      countedAccounts: 1,
      owed: 0n,
      earnedAt: null,
    });
    await purchase(2n, 2, 0n, 1_900_000_000n);
    expect(store.one(schema.licence, { id: 2n })).toMatchObject({
      pricePaid: 100n,
      revenue: 90n,
      purchases: 2,
      validUntil: 1_900_000_000n,
    });
  });
});

describe("CreditVault handlers", () => {
  it("a line borrowed, repaid and unpledged; another defaulted; the pool's assets follow", async () => {
    store = createMemoryStore();
    await emit("CreditVault:DomainBaseSet", { domain: 1, base: 1000n });
    await emit("CreditVault:InterestRateSet", { rateBps: 800 });
    await emit("CreditVault:TermSet", { termSeconds: 7_776_000n });
    await emit("CreditVault:Deposited", {
      lender: LENDER,
      amount: 10_000n,
      shares: 10_000n,
      totalAssets: 10_000n,
      totalShares: 10_000n,
    });
    const open = (lineId: bigint, derivativeId: bigint) =>
      emit("CreditVault:CreditLineOpened", {
        lineId,
        derivativeId,
        borrower: PROVIDER,
        domain: 1,
        weightBps: 15_000,
        limit: 1500n,
        dueAt: 1_707_776_000n,
      });
    await open(1n, 7n);
    await emit("CreditVault:Borrowed", {
      lineId: 1n,
      borrower: PROVIDER,
      amount: 1000n,
      principal: 1000n,
      interest: 0n,
    });
    await emit(
      "CreditVault:Repaid",
      { lineId: 1n, payer: PROVIDER, interestPaid: 20n, principalPaid: 1000n, principal: 0n, interest: 0n },
      1_702_000_000n,
    );
    await emit("CreditVault:Unpledged", { lineId: 1n, derivativeId: 7n, borrower: PROVIDER }, 1_702_000_000n);
    await open(2n, 8n);
    await emit("CreditVault:Borrowed", {
      lineId: 2n,
      borrower: PROVIDER,
      amount: 1200n,
      principal: 1200n,
      interest: 0n,
    });
    await emit(
      "CreditVault:CreditDefaulted",
      {
        lineId: 2n,
        derivativeId: 8n,
        borrower: PROVIDER,
        domain: 1,
        principalLost: 1200n,
        interestLost: 30n,
        dueAt: 1_707_776_000n,
        declaredBy: FUNDER,
      },
      1_708_000_000n,
    );
    await emit("CreditVault:Withdrawn", {
      lender: LENDER,
      amount: 500n,
      shares: 500n,
      totalAssets: 8_320n,
      totalShares: 9_500n,
    });
    await emit("CreditVault:RecoveryBooked", { amount: 90n, totalAssets: 8_410n });

    expect(store.one(schema.creditLine, { id: 1n })).toMatchObject({
      status: "CLOSED",
      principal: 0n,
      borrowed: 1000n,
      repaidPrincipal: 1000n,
      repaidInterest: 20n,
      closedAt: 1_702_000_000n,
      creditLimit: 1500n,
    });
    expect(store.one(schema.creditLine, { id: 2n })).toMatchObject({
      status: "DEFAULTED",
      principal: 1200n,
      interest: 30n,
      principalLost: 1200n,
      interestLost: 30n,
      closedAt: 1_708_000_000n,
    });
    // 10,000 deposited − 1,000 + 1,020 − 1,200 lent and lost − 500 withdrawn + 90 recovered.
    expect(store.one(schema.creditPool, { id: 1 })).toEqual({
      id: 1,
      totalAssets: 8_410n,
      idle: 8_410n,
      outstandingPrincipal: 0n,
      totalLosses: 1200n,
      totalShares: 9_500n,
      interestRateBps: 800,
      termSeconds: 7_776_000n,
      updatedAt: 1_700_000_000n,
    });
    expect(store.one(schema.lenderPosition, { lender: LENDER })).toMatchObject({
      shares: 9_500n,
      deposited: 10_000n,
      withdrawn: 500n,
    });
    expect(store.all(schema.creditEvent).map((e) => [e.lineId, e.kind, e.amount])).toEqual([
      [1n, "OPENED", 0n],
      [1n, "BORROWED", 1000n],
      [1n, "REPAID", 1020n],
      [1n, "UNPLEDGED", 0n],
      [2n, "OPENED", 0n],
      [2n, "BORROWED", 1200n],
      [2n, "DEFAULTED", 1200n],
    ]);
    expect(store.one(schema.creditDomainBase, { domain: 1 })).toMatchObject({ base: 1000n });
  });
});
