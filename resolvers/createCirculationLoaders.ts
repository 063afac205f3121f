import DataLoader from "dataloader";
import type { Row, Sql } from "postgres";
import { batchByShape } from "./batchByShape.js";
import {
  type AdoptionFilterKey,
  type CreditEventFilterKey,
  type CreditLineFilterKey,
  circulationListQueries,
  type InvocationFilterKey,
  type KeysetList,
  type LicenceFilterKey,
} from "./circulationListQueries.js";
import { columnLoaders } from "./columnLoaders.js";
import { keysetListLoaders } from "./keysetListLoaders.js";
import { utilisationSql } from "./utilisationSql.js";

/** Rows of the circulation views as `postgres` returns them (camel-cased; numeric(78) columns as strings). */
export type LicenceTermsRow = {
  derivativeId: string;
  provider: `0x${string}`;
  price: string;
  mode: number;
  quantity: string;
  active: boolean;
  updatedAt: string;
  blockNumber: string;
};

export type LicenceRow = {
  id: string;
  derivativeId: string;
  licensee: `0x${string}`;
  payee: `0x${string}`;
  pricePaid: string;
  revenue: string;
  poolShare: string;
  mode: number;
  usesLeft: string;
  validUntil: string;
  purchases: number;
  purchasedAt: string;
  updatedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type AdoptionRow = {
  id: string;
  derivativeId: string;
  adopter: `0x${string}`;
  licenceId: string;
  counted: boolean;
  countedAdopters: number;
  adoptedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type InvocationRow = {
  id: string;
  derivativeId: string;
  enterprise: `0x${string}`;
  licenceId: string;
  inputHash: `0x${string}`;
  resultHash: `0x${string}`;
  counted: boolean;
  countedEnterprises: number;
  invokedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type RewardRuleRow = {
  kind: number;
  metric: number;
  threshold: number;
  amount: string;
  updatedAt: string;
};

export type RewardRow = {
  derivativeId: string;
  metric: number;
  countedAccounts: number;
  threshold: number | null;
  amount: string;
  owed: string;
  paid: string;
  payee: `0x${string}` | null;
  earnedAt: string | null;
  updatedAt: string;
};

export type RewardPoolRow = { balance: string; totalFunded: string; totalClaimed: string; shareBps: number };

export type CreditPoolRow = {
  totalAssets: string;
  idle: string;
  outstandingPrincipal: string;
  totalLosses: string;
  totalShares: string;
  interestRateBps: number;
  termSeconds: string;
  /** The latest indexed block's time (unix seconds; 0 before any): interest accrues up to now or it. */
  headTime: string;
};

export type CreditLineRow = {
  id: string;
  derivativeId: string;
  borrower: `0x${string}`;
  domain: number;
  weightBps: number;
  creditLimit: string;
  principal: string;
  interest: string;
  accruedAt: string;
  status: "OPEN" | "CLOSED" | "DEFAULTED";
  openedAt: string;
  dueAt: string;
  closedAt: string | null;
  borrowed: string;
  repaidPrincipal: string;
  repaidInterest: string;
  principalLost: string;
  interestLost: string;
  updatedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type CreditEventRow = {
  id: string;
  lineId: string;
  kind: string;
  account: `0x${string}`;
  amount: string;
  principal: string;
  interest: string;
  timestamp: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type RevenueRow = { account: `0x${string}`; owed: string; released: string; earned: string };

export type UtilisationRow = { certifiedCores: number; coresWithDerivativeInUse: number; rate: number };

export type EarningsBucketName = "DAY" | "WEEK" | "MONTH";

/** One provider's earnings over [from, to) in calendar buckets (UTC; weeks start on Monday). */
export type EarningsKey = { account: `0x${string}`; from: number; to: number; bucket: EarningsBucketName };

export type EarningsPoint = { start: number; licenceRevenue: bigint; rewardsPaid: bigint; total: bigint };

export type Page<R> = { rows: R[]; hasNextPage: boolean };

const DAY = 86_400;

/** The start of the calendar bucket (UTC) holding unix second `t`. */
export function bucketStartOf(bucket: EarningsBucketName, t: number): number {
  const day = Math.floor(t / DAY);
  if (bucket === "DAY") return day * DAY;
  // 1970-01-01 was a Thursday: days since the last Monday are (day + 3) mod 7, as Postgres' date_trunc('week').
  if (bucket === "WEEK") return (day - ((day + 3) % 7)) * DAY;
  const date = new Date(t * 1000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000;
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucketStart(bucket: EarningsBucketName, start: number): number {
  if (bucket === "DAY") return start + DAY;
  if (bucket === "WEEK") return start + 7 * DAY;
  const date = new Date(start * 1000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 1000;
}

/**
 * Per-request loaders over the circulation views (indexer/schema/circulation.ts). Lists are keyset pages on an
 * index (circulationListQueries), batched one statement per shape of key, with a bounded count only when selected;
 * single rows are loaded by key, every parent of a level in one statement.
 */
export function createCirculationLoaders(sql: Sql, schema: string) {
  const table = (name: string) => sql(`${schema}.${name}`);
  const lists = circulationListQueries(sql, schema);

  const { byKey, groupedBy } = columnLoaders({ sql, schema });

  const listLoaders = <F extends Record<string, string | number | undefined>, R extends Row>(
    list: KeysetList<F>,
  ) => keysetListLoaders<F, R>(sql, list);

  const licences = listLoaders<LicenceFilterKey, LicenceRow>(lists.licences);
  const adoptions = listLoaders<AdoptionFilterKey, AdoptionRow>(lists.adoptions);
  const invocations = listLoaders<InvocationFilterKey, InvocationRow>(lists.invocations);
  const creditLines = listLoaders<CreditLineFilterKey, CreditLineRow>(lists.creditLines);
  const creditEvents = listLoaders<CreditEventFilterKey, CreditEventRow>(lists.creditEvents);

  const singleton = <R>(load: () => Promise<R>) =>
    new DataLoader<"all", R>(async (keys) => Promise.all(keys.map(() => load())));

  /** Earnings of several providers over one range and bucket: one statement, on earning's (account, timestamp). */
  const earnings = new DataLoader<EarningsKey, EarningsPoint[], string>(
    async (keys) => {
      const groups = await batchByShape(
        keys,
        (key) => `${key.from}:${key.to}:${key.bucket}`,
        async (group) => {
          const { from, to, bucket } = group[0] as EarningsKey;
          const accounts = group.map((key) => key.account.toLowerCase());
          const rows = await lists.earnings(accounts, from, to, bucket);
          return rows.map((row) => ({ ...row, batchIndex: accounts.indexOf(row.account) }));
        },
      );
      return keys.map((key, i) => {
        const found = new Map((groups[i] ?? []).map((row) => [Number(row.start), row]));
        const points: EarningsPoint[] = [];
        for (
          let start = bucketStartOf(key.bucket, key.from);
          start < key.to;
          start = nextBucketStart(key.bucket, start)
        ) {
          const row = found.get(start);
          const licenceRevenue = BigInt(row?.licenceRevenue ?? 0);
          const rewardsPaid = BigInt(row?.rewardsPaid ?? 0);
          points.push({ start, licenceRevenue, rewardsPaid, total: licenceRevenue + rewardsPaid });
        }
        return points;
      });
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  return {
    licenceTermsByDerivative: byKey<LicenceTermsRow>(
      "licence_terms",
      "derivative_id",
      "numeric",
      (r) => r.derivativeId,
    ),
    licenceById: byKey<LicenceRow>("licence", "id", "numeric", (r) => r.id),
    licencePage: licences.page,
    licenceCount: licences.count,
    adoptionById: byKey<AdoptionRow>("adoption", "id", "text", (r) => r.id),
    /** The adoptions a transaction recorded (the write side finds what it just sent). */
    adoptionsByTransaction: groupedBy<AdoptionRow>(
      "adoption",
      "transaction_hash",
      "text",
      (r) => r.transactionHash,
      "id",
    ),
    adoptionPage: adoptions.page,
    adoptionCount: adoptions.count,
    invocationById: byKey<InvocationRow>("invocation", "id", "text", (r) => r.id),
    invocationsByTransaction: groupedBy<InvocationRow>(
      "invocation",
      "transaction_hash",
      "text",
      (r) => r.transactionHash,
      "id",
    ),
    invocationPage: invocations.page,
    invocationCount: invocations.count,
    rewardsByDerivative: groupedBy<RewardRow>(
      "reward",
      "derivative_id",
      "numeric",
      (r) => r.derivativeId,
      "metric",
    ),
    rewardRules: singleton(
      () => sql<RewardRuleRow[]>`select * from ${table("reward_rule")} order by kind, metric`,
    ),
    rewardPool: singleton(
      async () =>
        (await sql<RewardPoolRow[]>`select * from ${table("reward_pool")} where id = 1`)[0] ?? {
          balance: "0",
          totalFunded: "0",
          totalClaimed: "0",
          shareBps: 0,
        },
    ),
    creditPool: singleton(async () => {
      const [row] = await sql<CreditPoolRow[]>`
        select p.*, coalesce((select max(substring(latest_checkpoint from 1 for 10)::numeric)
          from ${table("_ponder_checkpoint")}), 0)::text as head_time
        from (select 1) one left join ${table("credit_pool")} p on p.id = 1`;
      return {
        totalAssets: row?.totalAssets ?? "0",
        idle: row?.idle ?? "0",
        outstandingPrincipal: row?.outstandingPrincipal ?? "0",
        totalLosses: row?.totalLosses ?? "0",
        totalShares: row?.totalShares ?? "0",
        interestRateBps: row?.interestRateBps ?? 0,
        termSeconds: row?.termSeconds ?? "0",
        headTime: row?.headTime ?? "0",
      };
    }),
    creditLineById: byKey<CreditLineRow>("credit_line", "id", "numeric", (r) => r.id),
    /** A derivative's open line (at most one: a pledged unit cannot be pledged again), on (derivative_id, status, id). */
    openCreditLineByDerivative: new DataLoader<string, CreditLineRow | undefined>(async (ids) => {
      const rows = await sql<CreditLineRow[]>`
        select * from ${table("credit_line")}
        where derivative_id = any(${ids as string[]}::numeric[]) and status = 'OPEN' order by id desc`;
      return ids.map((id) => rows.find((row) => row.derivativeId === id));
    }),
    creditLinePage: creditLines.page,
    creditLineCount: creditLines.count,
    creditEventPage: creditEvents.page,
    creditEventCount: creditEvents.count,
    revenueByAccount: byKey<RevenueRow>("revenue", "account", "text", (r) => r.account),
    earnings,
    utilisation: singleton(async () => {
      const [row] = await sql.unsafe<UtilisationRow[]>(utilisationSql(schema));
      return row ?? { certifiedCores: 0, coresWithDerivativeInUse: 0, rate: 0 };
    }),
  };
}
