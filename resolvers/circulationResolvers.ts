import { GraphQLError } from "graphql";
import { MAX_EARNINGS_BUCKETS } from "../guard/listSizes.js";
import { domainNames } from "../usecases/governance/ruleChanges.js";
import type { CreditLineFilterKey } from "./circulationListQueries.js";
import {
  checkPageSize,
  decodeCursorKeys,
  encodeCursorOf,
  type TotalCount,
  toConnection,
} from "./connection.js";
import type {
  AdoptionRow,
  CreditLineRow,
  CreditPoolRow,
  EarningsBucketName,
  InvocationRow,
  LicenceRow,
  LicenceTermsRow,
  Page,
  RewardRow,
} from "./createCirculationLoaders.js";
import { bucketStartOf, nextBucketStart } from "./createCirculationLoaders.js";
import type { DerivativeRow } from "./createDerivativeLoaders.js";
import type { SubgraphContext } from "./SubgraphContext.js";

type PageArgs = { first?: number | null; after?: string | null };

/** ponder's event ids (checkpoints: 75 digits, chain order) are the keyset of adoptions, invocations, credit events. */
const EVENT_KEY = /^\d{75}$/;
const UINT = /^\d{1,78}$/;

const DAY = 86_400;
const YEAR_SECONDS = 365n * 86_400n;

const licenceModes: Record<number, "PER_USE" | "TIME_LIMITED"> = { 1: "PER_USE", 2: "TIME_LIMITED" };
const rewardMetrics: Record<number, "ADOPTERS" | "ENTERPRISES"> = { 1: "ADOPTERS", 2: "ENTERPRISES" };

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

/**
 * One keyset page as a Relay connection: `entity` names the cursor (a cursor of one list fits no other), `key` is
 * the row's sort key, the count is loaded only when selected.
 */
async function keysetPage<R>(
  entity: string,
  pattern: RegExp,
  args: PageArgs,
  keyOf: (row: R) => string,
  load: (first: number, after: string | undefined) => Promise<Page<R>>,
  count: () => Promise<TotalCount>,
) {
  const after = decodeCursorKeys(entity, args.after, [pattern])?.[0];
  const size = checkPageSize(args.first);
  const { rows, hasNextPage } = await load(size, after);
  return toConnection<R>({
    rows,
    hasNextPage,
    hasPreviousPage: after !== undefined,
    cursorOf: (row) => encodeCursorOf(entity, keyOf(row)),
    totalCount: count,
  });
}

/** An id argument that is not a uint matches nothing (rather than failing the whole query). */
const idOrNone = (id: string) => (UINT.test(id) ? id : "0");

/**
 * An open line's interest: what the vault accrued by its last event plus simple interest since, at the pool's
 * current rate, rounded up as the vault rounds it; "now" is the later of the clock and the latest indexed block (a
 * dev chain may run ahead of the clock). Closed and defaulted lines keep what they had.
 */
export function interestNow(row: CreditLineRow, pool: CreditPoolRow, nowSeconds: number): bigint {
  const interest = BigInt(row.interest);
  if (row.status !== "OPEN") return interest;
  const now = Math.max(nowSeconds, Number(pool.headTime));
  const elapsed = BigInt(Math.max(0, now - Number(row.accruedAt)));
  const accrued = BigInt(row.principal) * BigInt(pool.interestRateBps) * elapsed;
  const denominator = 10_000n * YEAR_SECONDS;
  return interest + (accrued + denominator - 1n) / denominator;
}

const lower = (address: string) => address.toLowerCase() as `0x${string}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The `from` a bucket defaults to: 30 days, 12 weeks or 12 months before `to`. */
function defaultFrom(bucket: EarningsBucketName, to: number): number {
  if (bucket === "DAY") return to - 30 * DAY;
  if (bucket === "WEEK") return to - 12 * 7 * DAY;
  const date = new Date(to * 1000);
  return (
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() - 12,
      date.getUTCDate(),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
    ) / 1000
  );
}

export const circulationResolvers = {
  Query: {
    creditLines: (
      _: unknown,
      args: PageArgs & {
        filter?: { borrower?: string | null; status?: string | null; derivative?: string | null } | null;
      },
      { loaders }: SubgraphContext,
    ) => {
      const filter: CreditLineFilterKey = {
        borrower: args.filter?.borrower ? lower(args.filter.borrower) : undefined,
        status: args.filter?.status ?? undefined,
        derivative: args.filter?.derivative ? idOrNone(args.filter.derivative) : undefined,
      };
      return keysetPage<CreditLineRow>(
        "creditLine",
        UINT,
        args,
        (row) => row.id,
        (first, after) => loaders.creditLinePage.load({ ...filter, first, after }),
        () => loaders.creditLineCount.load(filter),
      );
    },
    creditLine: (_: unknown, { id }: { id: string }, { loaders }: SubgraphContext) =>
      UINT.test(id) ? loaders.creditLineById.load(id) : null,
    rewardPool: (_: unknown, __: unknown, { loaders }: SubgraphContext) => loaders.rewardPool.load("all"),
    creditPool: (_: unknown, __: unknown, { loaders }: SubgraphContext) => loaders.creditPool.load("all"),
    utilisation: (_: unknown, __: unknown, { loaders }: SubgraphContext) => loaders.utilisation.load("all"),
  },
  Derivative: {
    licences: (row: DerivativeRow, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<LicenceRow>(
        "licence",
        UINT,
        args,
        (licence) => licence.id,
        (first, after) => loaders.licencePage.load({ derivative: row.id, first, after }),
        () => loaders.licenceCount.load({ derivative: row.id }),
      ),
    adoptions: (row: DerivativeRow, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<AdoptionRow>(
        "adoption",
        EVENT_KEY,
        args,
        (adoption) => adoption.id,
        (first, after) => loaders.adoptionPage.load({ derivative: row.id, first, after }),
        () => loaders.adoptionCount.load({ derivative: row.id }),
      ),
    invocations: (row: DerivativeRow, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<InvocationRow>(
        "invocation",
        EVENT_KEY,
        args,
        (invocation) => invocation.id,
        (first, after) => loaders.invocationPage.load({ derivative: row.id, first, after }),
        () => loaders.invocationCount.load({ derivative: row.id }),
      ),
    licenceTerms: async (row: DerivativeRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.licenceTermsByDerivative.load(row.id)) ?? null,
    /**
     * One reward per metric the derivative's kind is rewarded on: a governed rule with a threshold, or a reward
     * already earned (its rule may have been disabled since).
     */
    rewards: async (row: DerivativeRow, _: unknown, { loaders }: SubgraphContext) => {
      const [rules, rewards] = await Promise.all([
        loaders.rewardRules.load("all"),
        loaders.rewardsByDerivative.load(row.id),
      ]);
      const ruleOf = (metric: number) => rules.find((r) => r.kind === row.kind && r.metric === metric);
      const metrics = new Set([
        ...rules.filter((r) => r.kind === row.kind && r.threshold > 0).map((r) => r.metric),
        ...rewards.filter((r) => r.earnedAt !== null).map((r) => r.metric),
      ]);
      return [...metrics]
        .filter((metric) => rewardMetrics[metric] !== undefined)
        .sort((a, b) => a - b)
        .map((metric) => {
          const reward: RewardRow | undefined = rewards.find((r) => r.metric === metric);
          const earned = reward?.earnedAt !== null && reward?.earnedAt !== undefined;
          const owed = BigInt(reward?.owed ?? 0);
          const paid = BigInt(reward?.paid ?? 0);
          return {
            metric: rewardMetrics[metric],
            threshold: (earned ? reward?.threshold : null) ?? ruleOf(metric)?.threshold ?? 0,
            countedAccounts: reward?.countedAccounts ?? 0,
            amount: earned ? (reward?.amount ?? "0") : (ruleOf(metric)?.amount ?? "0"),
            owed,
            paid,
            claimable: owed > paid ? owed - paid : 0n,
            earnedAt: earned ? reward?.earnedAt : null,
          };
        });
    },
    creditLine: async (row: DerivativeRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.openCreditLineByDerivative.load(row.id)) ?? null,
  },
  Provider: {
    earnings: (
      { address }: { address: string },
      args: { from?: number | null; to?: number | null; bucket?: EarningsBucketName | null },
      { loaders }: SubgraphContext,
    ) => {
      const bucket = args.bucket ?? "DAY";
      const to = args.to ?? nowSeconds();
      const from = args.from ?? defaultFrom(bucket, to);
      if (from >= to) throw badInput("earnings: `from` must be before `to`");
      let buckets = 0;
      for (let start = bucketStartOf(bucket, from); start < to; start = nextBucketStart(bucket, start))
        if (++buckets > MAX_EARNINGS_BUCKETS)
          throw badInput(
            `earnings: at most ${MAX_EARNINGS_BUCKETS} buckets; use a shorter range or a larger bucket`,
          );
      return loaders.earnings.load({ account: lower(address), from, to, bucket });
    },
    revenueOwed: async ({ address }: { address: string }, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.revenueByAccount.load(lower(address)))?.owed ?? "0",
  },
  LicenceTerms: {
    mode: (row: LicenceTermsRow) => licenceModes[row.mode] ?? "PER_USE",
  },
  Licence: {
    derivative: (row: LicenceRow, _: unknown, { loaders }: SubgraphContext) =>
      loaders.derivativeById.load(row.derivativeId),
    mode: (row: LicenceRow) => licenceModes[row.mode] ?? "PER_USE",
    usesLeft: (row: LicenceRow) => (row.mode === 2 ? null : row.usesLeft),
    validUntil: (row: LicenceRow) => (row.mode === 2 ? row.validUntil : null),
  },
  Adoption: {
    derivative: (row: AdoptionRow, _: unknown, { loaders }: SubgraphContext) =>
      loaders.derivativeById.load(row.derivativeId),
  },
  Invocation: {
    derivative: (row: InvocationRow, _: unknown, { loaders }: SubgraphContext) =>
      loaders.derivativeById.load(row.derivativeId),
  },
  CreditLine: {
    __resolveReference: ({ id }: { id: string }, { loaders }: SubgraphContext) =>
      UINT.test(id) ? loaders.creditLineById.load(id) : null,
    derivative: (row: CreditLineRow, _: unknown, { loaders }: SubgraphContext) =>
      loaders.derivativeById.load(row.derivativeId),
    borrower: (row: CreditLineRow) => ({ address: row.borrower }),
    domain: (row: CreditLineRow) => domainNames[row.domain],
    limit: (row: CreditLineRow) => row.creditLimit,
    interest: async (row: CreditLineRow, _: unknown, { loaders }: SubgraphContext) =>
      interestNow(row, await loaders.creditPool.load("all"), nowSeconds()),
    debt: async (row: CreditLineRow, _: unknown, { loaders }: SubgraphContext) =>
      BigInt(row.principal) + interestNow(row, await loaders.creditPool.load("all"), nowSeconds()),
    events: (row: CreditLineRow, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage(
        "creditEvent",
        EVENT_KEY,
        args,
        (event: { id: string }) => event.id,
        (first, after) => loaders.creditEventPage.load({ line: row.id, first, after }),
        () => loaders.creditEventCount.load({ line: row.id }),
      ),
  },
  CreditEvent: {
    at: (row: { timestamp: string }) => row.timestamp,
  },
};
