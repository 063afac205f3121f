import { index, onchainTable, primaryKey } from "ponder";

/**
 * Cross-domain risk (EcosystemRegistry, RiskFeatureRegistry, MarginVault): the partner ecosystems, the desensitized
 * risk features and their node attestations, providers' margins, freeze cases with their timelines, and disposals
 * with each ecosystem's share. Rows per event are keyed by ponder's `event.id` (a 75-digit checkpoint in chain
 * order). Amounts are ERA wei; times are unix seconds of the emitting block. Enumerations are the contracts'
 * ordinals (kind 1..5 as IRiskFeatureRegistry.RiskKind; bucket = severity 0..4), case statuses their names.
 */

/** An admitted ecosystem (Caldera is 1, admitted by the registry's constructor). */
export const ecosystem = onchainTable("ecosystem", (t) => ({
  id: t.integer().primaryKey(),
  name: t.text().notNull(),
  operator: t.hex().notNull(),
  /** "" when it has no risk subgraph. */
  subgraphUrl: t.text().notNull(),
  active: t.boolean().notNull(),
  admittedAt: t.bigint().notNull(),
  admittedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/** A published risk feature: the proven claim, its attestation count and when it reached the quorum. */
export const riskFeature = onchainTable(
  "risk_feature",
  (t) => ({
    id: t.bigint().primaryKey(),
    subject: t.hex().notNull(),
    ecosystemId: t.integer().notNull(),
    /** 1 DEFAULT_RATE, 2 DELAY_DURATION, 3 TAMPERING_FREQUENCY, 4 ANOMALOUS_FLUCTUATION, 5 PRICE_VOLATILITY */
    kind: t.integer().notNull(),
    bucket: t.integer().notNull(),
    /** = bucket: 0 INFO … 4 CRITICAL. */
    severity: t.integer().notNull(),
    windowStart: t.bigint().notNull(),
    windowEnd: t.bigint().notNull(),
    threshold: t.bigint().notNull(),
    recordCount: t.integer().notNull(),
    evidenceRoot: t.hex().notNull(),
    attestations: t.integer().notNull(),
    verified: t.boolean().notNull(),
    publishedAt: t.bigint().notNull(),
    /** The block before publication: attesters' stake is read there. */
    snapshotBlock: t.bigint().notNull(),
    verifiedAt: t.bigint(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  // `riskFeatures` pages newest first by keyset on (published_at, id). Subject and ecosystem lead an index each
  // (and together); kind, severity (minSeverity) and verified are few-valued, so a filter on any of them reads the
  // `…Class` index of its prefix once per combination of their values and merges the branches in page order
  // (resolvers/riskListQueries.ts): every filter combination reads `first` entries of an index per branch, at most
  // 50 branches, whatever the table's size. `test/scale/explain.test.ts` checks the plans.
  (table) => ({
    publishedIdx: index().on(table.publishedAt, table.id),
    classIdx: index().on(table.kind, table.severity, table.verified, table.publishedAt, table.id),
    // `minSeverity` alone (the commonest class filter): one branch per accepted severity, not 5 × 2 per severity.
    severityIdx: index().on(table.severity, table.publishedAt, table.id),
    ecosystemIdx: index().on(table.ecosystemId, table.publishedAt, table.id),
    ecosystemClassIdx: index().on(
      table.ecosystemId,
      table.kind,
      table.severity,
      table.verified,
      table.publishedAt,
      table.id,
    ),
    subjectIdx: index().on(table.subject, table.publishedAt, table.id),
    subjectClassIdx: index().on(
      table.subject,
      table.kind,
      table.severity,
      table.verified,
      table.publishedAt,
      table.id,
    ),
    subjectEcosystemIdx: index().on(table.subject, table.ecosystemId, table.publishedAt, table.id),
    subjectEcosystemClassIdx: index().on(
      table.subject,
      table.ecosystemId,
      table.kind,
      table.severity,
      table.verified,
      table.publishedAt,
      table.id,
    ),
  }),
);

/** A node's attestation of a feature; `attestations` is the feature's count including it. */
export const riskFeatureAttestation = onchainTable(
  "risk_feature_attestation",
  (t) => ({
    featureId: t.bigint().notNull(),
    node: t.hex().notNull(),
    attestations: t.integer().notNull(),
    /** The event's checkpoint: attestations of one feature in chain order. */
    eventId: t.text().notNull(),
    attestedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.featureId, table.node] }) }),
);

/** The registry's governed parameters: one row, id 1 (defaults quorum 2, 10,000 ERA until an event says otherwise). */
export const riskRegistrySetting = onchainTable("risk_registry_setting", (t) => ({
  id: t.integer().primaryKey(),
  attestationQuorum: t.integer().notNull(),
  minAttesterStake: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * The vault's governed parameters and its reserve: one row, id 1, from MarginParametersSet (emitted by the
 * constructor with the defaults) and the reserve movements (disposal dust in, ReserveWithdrawn out).
 */
export const marginVault = onchainTable("margin_vault", (t) => ({
  id: t.integer().primaryKey(),
  minMargin: t.bigint().notNull(),
  perEcosystemMargin: t.bigint().notNull(),
  freezeDeposit: t.bigint().notNull(),
  reviewWindow: t.bigint().notNull(),
  unlockDelay: t.bigint().notNull(),
  caseQuorumBps: t.integer().notNull(),
  reserve: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/**
 * A provider's margin: `locked`, `queued` for unlock at `unlock_at` (0: nothing queued), the ecosystems it serves
 * (required = max(min_margin, per_ecosystem_margin × served_count), read with margin_vault), the open case freezing
 * it, and Σ seized by upheld cases. `created_id` is the checkpoint of the first event that touched it: `margins`
 * pages newest first on it (unique, never changes).
 */
export const margin = onchainTable(
  "margin",
  (t) => ({
    provider: t.hex().primaryKey(),
    locked: t.bigint().notNull(),
    queued: t.bigint().notNull(),
    unlockAt: t.bigint().notNull(),
    ecosystemsServed: t.json().$type<number[]>().notNull(),
    servedCount: t.integer().notNull(),
    frozenBy: t.bigint(),
    seized: t.bigint().notNull(),
    createdId: t.text().notNull(),
    updatedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
  }),
  (table) => ({ createdIdx: index().on(table.createdId) }),
);

/** A freeze case, as filed and as resolved. Status: OPEN, UPHELD, REJECTED, DISMISSED, EXPIRED. */
export const freezeCase = onchainTable(
  "freeze_case",
  (t) => ({
    id: t.bigint().primaryKey(),
    provider: t.hex().notNull(),
    ecosystemId: t.integer().notNull(),
    applicant: t.hex().notNull(),
    status: t.text().notNull(),
    claimAmount: t.bigint().notNull(),
    deposit: t.bigint().notNull(),
    evidenceHash: t.hex().notNull(),
    snapshotBlock: t.bigint().notNull(),
    filedAt: t.bigint().notNull(),
    voteEnd: t.bigint().notNull(),
    /** locked + queued when it froze the margin. */
    frozenAmount: t.bigint().notNull(),
    votesUphold: t.bigint().notNull(),
    votesReject: t.bigint().notNull(),
    votesDismiss: t.bigint().notNull(),
    seized: t.bigint().notNull(),
    resolvedAt: t.bigint(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  // `cases` pages newest first (id desc) under every combination of its filters (provider, ecosystem, status).
  (table) => ({
    providerIdx: index().on(table.provider, table.id),
    ecosystemIdx: index().on(table.ecosystemId, table.id),
    statusIdx: index().on(table.status, table.id),
    providerEcosystemIdx: index().on(table.provider, table.ecosystemId, table.id),
    providerStatusIdx: index().on(table.provider, table.status, table.id),
    ecosystemStatusIdx: index().on(table.ecosystemId, table.status, table.id),
    providerEcosystemStatusIdx: index().on(table.provider, table.ecosystemId, table.status, table.id),
  }),
);

/**
 * A case's timeline, one row per event: FILED, VOTED, RESOLVED, DEPOSIT_RELEASED, UNFROZEN, DISPOSAL_SETTLED,
 * PAYOUT_CLAIMED. `actor`: the applicant, the voting node, who resolved or settled (the transaction's sender), the
 * deposit's recipient, the provider, the payout's recipient. `verdict` (1 UPHOLD, 2 REJECT, 3 DISMISS): a vote's, or
 * the resolution's. `amount`: the claim, the seized ERA, the deposit, the payout.
 */
export const caseEvent = onchainTable(
  "case_event",
  (t) => ({
    id: t.text().primaryKey(),
    caseId: t.bigint().notNull(),
    kind: t.text().notNull(),
    actor: t.hex(),
    verdict: t.integer(),
    weight: t.bigint(),
    amount: t.bigint(),
    ecosystemId: t.integer(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ caseIdx: index().on(table.caseId, table.id) }),
);

/** An upheld case's settled disposal: Σ shares' amounts = assigned; dust (to the reserve) = seized − assigned. */
export const disposal = onchainTable("disposal", (t) => ({
  caseId: t.bigint().primaryKey(),
  assessmentHash: t.hex().notNull(),
  /** The hub's assessment document key (caldera_hub.risk_assessment). */
  inputsHash: t.hex().notNull(),
  seized: t.bigint().notNull(),
  assigned: t.bigint().notNull(),
  dust: t.bigint().notNull(),
  paidOut: t.bigint().notNull(),
  settledAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  transactionHash: t.hex().notNull(),
}));

/** One ecosystem's share of a disposal and its pull claim. */
export const disposalShare = onchainTable(
  "disposal_share",
  (t) => ({
    caseId: t.bigint().notNull(),
    ecosystemId: t.integer().notNull(),
    shareBps: t.integer().notNull(),
    amount: t.bigint().notNull(),
    claimed: t.boolean().notNull(),
    claimedAt: t.bigint(),
    /** The operator the payout went to. */
    claimedBy: t.hex(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.caseId, table.ecosystemId] }) }),
);
