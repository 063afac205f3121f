import { index, onchainTable, primaryKey } from "ponder";

/**
 * ERA circulation of derivative value (DerivativeMarket, CreditVault): licence terms and licences, adoptions and
 * invocations, rewards and the reward pool, revenue and earnings, credit lines, the credit pool and its lenders.
 * Rows per event are keyed by ponder's `event.id` (a 75-digit checkpoint that sorts in chain order), so lists page
 * newest first by keyset on (parent, id). Amounts are ERA wei; times are unix seconds of the emitting block.
 */

/** A derivative's current licence terms (the last LicenceTermsSet). */
export const licenceTerms = onchainTable("licence_terms", (t) => ({
  derivativeId: t.bigint().primaryKey(),
  provider: t.hex().notNull(),
  price: t.bigint().notNull(),
  /** 1 per use, 2 time-limited (IDerivativeMarket.LicenceMode) */
  mode: t.integer().notNull(),
  /** Uses (per use) or seconds (time-limited) a licence gives. */
  quantity: t.bigint().notNull(),
  active: t.boolean().notNull(),
  updatedAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
}));

/**
 * A licence by its contract id. Buying again while a licence is valid may extend the same id: the row then sums
 * what was paid (`price_paid`, `revenue`, `pool_share`, `purchases`) and keeps the latest uses and end.
 */
export const licence = onchainTable(
  "licence",
  (t) => ({
    id: t.bigint().primaryKey(),
    derivativeId: t.bigint().notNull(),
    licensee: t.hex().notNull(),
    /** Who the revenue of the last purchase is owed to (the provider, or the vault once it seized the unit). */
    payee: t.hex().notNull(),
    pricePaid: t.bigint().notNull(),
    /** The part of `price_paid` owed to the payee; the rest (`pool_share`) went to the reward pool. */
    revenue: t.bigint().notNull(),
    poolShare: t.bigint().notNull(),
    mode: t.integer().notNull(),
    /** Per-use licences: uses left, counted down by each adoption or invocation on it. */
    usesLeft: t.bigint().notNull(),
    /** Time-limited licences: unix seconds it ends (0 for per use). */
    validUntil: t.bigint().notNull(),
    purchases: t.integer().notNull(),
    purchasedAt: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  // `Derivative.licences` pages by (derivative_id, id desc); a licensee's licences by (licensee, derivative_id).
  (table) => ({
    derivativeIdx: index().on(table.derivativeId, table.id),
    licenseeIdx: index().on(table.licensee, table.derivativeId),
  }),
);

/** One row per recorded adoption (once per account and derivative, as the contract allows). */
export const adoption = onchainTable(
  "adoption",
  (t) => ({
    id: t.text().primaryKey(),
    derivativeId: t.bigint().notNull(),
    adopter: t.hex().notNull(),
    licenceId: t.bigint().notNull(),
    /** Whether it counts toward the adopters threshold (an admitted account). */
    counted: t.boolean().notNull(),
    /** The derivative's counted adopters after it. */
    countedAdopters: t.integer().notNull(),
    adoptedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    derivativeIdx: index().on(table.derivativeId, table.id),
    adopterIdx: index().on(table.adopter, table.derivativeId),
    transactionIdx: index().on(table.transactionHash),
  }),
);

/** One row per recorded invocation of a fault-warning model (an enterprise may invoke it many times). */
export const invocation = onchainTable(
  "invocation",
  (t) => ({
    id: t.text().primaryKey(),
    derivativeId: t.bigint().notNull(),
    enterprise: t.hex().notNull(),
    licenceId: t.bigint().notNull(),
    /** keccak256 of the canonical JSON of the readings, and of the hub's result. */
    inputHash: t.hex().notNull(),
    resultHash: t.hex().notNull(),
    /** True for an admitted enterprise's first invocation of the derivative. */
    counted: t.boolean().notNull(),
    countedEnterprises: t.integer().notNull(),
    invokedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    derivativeIdx: index().on(table.derivativeId, table.id),
    enterpriseIdx: index().on(table.enterprise, table.derivativeId),
    transactionIdx: index().on(table.transactionHash),
  }),
);

/** The governed reward rules (seeded at deploy, changed by a passed vote): per derivation kind and metric. */
export const rewardRule = onchainTable(
  "reward_rule",
  (t) => ({
    /** 1 planting plan, 2 market forecast, 3 fault-warning model */
    kind: t.integer().notNull(),
    /** 1 distinct adopters, 2 distinct invoking enterprises */
    metric: t.integer().notNull(),
    /** 0 disables the rule. */
    threshold: t.integer().notNull(),
    amount: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.kind, table.metric] }) }),
);

/**
 * A derivative's progress and reward on one metric: counted accounts as they arrive; once the threshold is crossed
 * `owed` is the reward (`threshold` and `amount` as they stood then), `paid` what claims paid; claimable = owed − paid.
 */
export const reward = onchainTable(
  "reward",
  (t) => ({
    derivativeId: t.bigint().notNull(),
    metric: t.integer().notNull(),
    countedAccounts: t.integer().notNull(),
    threshold: t.integer(),
    amount: t.bigint().notNull(),
    owed: t.bigint().notNull(),
    paid: t.bigint().notNull(),
    payee: t.hex(),
    earnedAt: t.bigint(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.derivativeId, table.metric] }) }),
);

/** The reward pool: one row, id 1. */
export const rewardPool = onchainTable("reward_pool", (t) => ({
  id: t.integer().primaryKey(),
  balance: t.bigint().notNull(),
  /** Σ funded (licence shares, carried by the market itself, and transfers) and Σ paid out, since deployment. */
  totalFunded: t.bigint().notNull(),
  totalClaimed: t.bigint().notNull(),
  shareBps: t.integer().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/** Every funding of the reward pool (licence shares have the market as funder). */
export const poolFunding = onchainTable(
  "pool_funding",
  (t) => ({
    id: t.text().primaryKey(),
    funder: t.hex().notNull(),
    amount: t.bigint().notNull(),
    poolBalance: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ funderIdx: index().on(table.funder) }),
);

/** Licence revenue per account: `owed` waits for releaseRevenue, `released` was sent, `earned` = Σ ever owed. */
export const revenue = onchainTable("revenue", (t) => ({
  account: t.hex().primaryKey(),
  owed: t.bigint().notNull(),
  released: t.bigint().notNull(),
  earned: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * What an account earned, one row per event: `LICENCE` (licence revenue owed to it, at purchase) and `REWARD`
 * (a reward paid to it, at claim). `Provider.earnings` sums them per day, week or month.
 */
export const earning = onchainTable(
  "earning",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    /** LICENCE | REWARD */
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    derivativeId: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account, table.timestamp) }),
);

/** Accounts governance admitted: only their adoptions and invocations count toward rewards (sybil resistance). */
export const marketAdmission = onchainTable("market_admission", (t) => ({
  account: t.hex().primaryKey(),
  admitted: t.boolean().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * A credit line against a pledged derivative unit. `principal` and `interest` are as of the last event
 * (`accrued_at`); interest accrues simply from there at the pool's rate. A defaulted line keeps the principal it
 * lost (`principal_lost`, booked as the pool's loss).
 */
export const creditLine = onchainTable(
  "credit_line",
  (t) => ({
    id: t.bigint().primaryKey(),
    derivativeId: t.bigint().notNull(),
    borrower: t.hex().notNull(),
    domain: t.integer().notNull(),
    weightBps: t.integer().notNull(),
    creditLimit: t.bigint().notNull(),
    principal: t.bigint().notNull(),
    interest: t.bigint().notNull(),
    accruedAt: t.bigint().notNull(),
    /** OPEN | CLOSED | DEFAULTED */
    status: t.text().notNull(),
    openedAt: t.bigint().notNull(),
    dueAt: t.bigint().notNull(),
    closedAt: t.bigint(),
    borrowed: t.bigint().notNull(),
    repaidPrincipal: t.bigint().notNull(),
    repaidInterest: t.bigint().notNull(),
    principalLost: t.bigint().notNull(),
    interestLost: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  // `creditLines` pages newest first (id desc) under every combination of its filters (borrower, status,
  // derivative); borrower with derivative walks the derivative's few lines. `Derivative.creditLine` reads
  // (derivative_id, status, id).
  (table) => ({
    borrowerIdx: index().on(table.borrower, table.id),
    statusIdx: index().on(table.status, table.id),
    borrowerStatusIdx: index().on(table.borrower, table.status, table.id),
    derivativeIdx: index().on(table.derivativeId, table.id),
    derivativeStatusIdx: index().on(table.derivativeId, table.status, table.id),
  }),
);

/** Every event of a credit line: OPENED, BORROWED, REPAID, UNPLEDGED, DEFAULTED. */
export const creditEvent = onchainTable(
  "credit_event",
  (t) => ({
    id: t.text().primaryKey(),
    lineId: t.bigint().notNull(),
    kind: t.text().notNull(),
    /** The borrower, the payer of a repayment, or who declared a default. */
    account: t.hex().notNull(),
    /** Borrowed; repaid (interest + principal); lost principal on a default; 0 otherwise. */
    amount: t.bigint().notNull(),
    /** The line's principal and interest after the event. */
    principal: t.bigint().notNull(),
    interest: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ lineIdx: index().on(table.lineId, table.id) }),
);

/** The lenders' pool: one row, id 1. total_assets = idle + outstanding_principal. */
export const creditPool = onchainTable("credit_pool", (t) => ({
  id: t.integer().primaryKey(),
  totalAssets: t.bigint().notNull(),
  idle: t.bigint().notNull(),
  outstandingPrincipal: t.bigint().notNull(),
  totalLosses: t.bigint().notNull(),
  totalShares: t.bigint().notNull(),
  interestRateBps: t.integer().notNull(),
  termSeconds: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/** A lender's pool shares, and Σ deposited and withdrawn. */
export const lenderPosition = onchainTable("lender_position", (t) => ({
  lender: t.hex().primaryKey(),
  shares: t.bigint().notNull(),
  deposited: t.bigint().notNull(),
  withdrawn: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/** The governed credit base per domain (1 agricultural, 2 industrial): limit = base × weight_bps / 10,000. */
export const creditDomainBase = onchainTable("credit_domain_base", (t) => ({
  domain: t.integer().primaryKey(),
  base: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * The seed's headline metric kept as it happens, so that reading it costs one row whatever the volume: a core
 * certificate enters `core_in_use` when the first derivative bound to it is used (an adoption or invocation, which
 * the market records only for a licensed account), and `utilisation_count` (one row, `id` 1) counts certified cores
 * and cores in use. README "Utilisation rate (SQL)" gives the same number from the definition; tests compare them.
 */
export const coreInUse = onchainTable("core_in_use", (t) => ({
  certificateId: t.bigint().primaryKey(),
  /** The derivative whose first use brought this core in. */
  derivativeId: t.bigint().notNull(),
  firstUsedAt: t.bigint().notNull(),
}));

/** Derivatives used at least once (the first adoption or invocation); marks their cores in use once. */
export const derivativeInUse = onchainTable("derivative_in_use", (t) => ({
  derivativeId: t.bigint().primaryKey(),
  firstUsedAt: t.bigint().notNull(),
}));

export const utilisationCount = onchainTable("utilisation_count", (t) => ({
  id: t.integer().primaryKey(),
  certifiedCores: t.integer().notNull(),
  coresInUse: t.integer().notNull(),
  updatedAt: t.bigint().notNull(),
}));
