import DataLoader from "dataloader";
import type { Row, Sql } from "postgres";
import type { AssessmentDocument } from "../services/createAssessmentStore.js";
import { batchByShape } from "./batchByShape.js";
import type { KeysetList } from "./circulationListQueries.js";
import { columnLoaders } from "./columnLoaders.js";
import { estimateRowCount, type TotalCount, toTotalCount } from "./connection.js";
import type { Page } from "./createCirculationLoaders.js";
import { keysetListLoaders } from "./keysetListLoaders.js";
import {
  type CaseFilterKey,
  type NoFilterKey,
  type RiskFeatureFilterKey,
  type RiskFeaturePageKey,
  riskListQueries,
} from "./riskListQueries.js";

/** Rows of the risk views as `postgres` returns them (camel-cased; numeric(78) columns as strings). */
export type EcosystemRow = {
  id: number;
  name: string;
  operator: `0x${string}`;
  subgraphUrl: string;
  active: boolean;
  admittedAt: string;
  admittedBlock: string;
  updatedAt: string;
};

export type RiskFeatureRow = {
  id: string;
  subject: `0x${string}`;
  ecosystemId: number;
  kind: number;
  bucket: number;
  severity: number;
  windowStart: string;
  windowEnd: string;
  threshold: string;
  recordCount: number;
  evidenceRoot: `0x${string}`;
  attestations: number;
  verified: boolean;
  publishedAt: string;
  snapshotBlock: string;
  verifiedAt: string | null;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type RiskFeatureAttestationRow = {
  featureId: string;
  node: `0x${string}`;
  attestations: number;
  eventId: string;
  attestedAt: string;
};

export type MarginRow = {
  provider: `0x${string}`;
  locked: string;
  queued: string;
  unlockAt: string;
  ecosystemsServed: number[];
  servedCount: number;
  frozenBy: string | null;
  seized: string;
  createdId: string;
  updatedAt: string;
  blockNumber: string;
};

export type MarginVaultRow = {
  minMargin: string;
  perEcosystemMargin: string;
  freezeDeposit: string;
  reviewWindow: string;
  unlockDelay: string;
  caseQuorumBps: number;
  reserve: string;
};

export type FreezeCaseRow = {
  id: string;
  provider: `0x${string}`;
  ecosystemId: number;
  applicant: `0x${string}`;
  status: "OPEN" | "UPHELD" | "REJECTED" | "DISMISSED" | "EXPIRED";
  claimAmount: string;
  deposit: string;
  evidenceHash: `0x${string}`;
  snapshotBlock: string;
  filedAt: string;
  voteEnd: string;
  frozenAmount: string;
  votesUphold: string;
  votesReject: string;
  votesDismiss: string;
  seized: string;
  resolvedAt: string | null;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type CaseEventRow = {
  id: string;
  caseId: string;
  kind: string;
  actor: `0x${string}` | null;
  verdict: number | null;
  weight: string | null;
  amount: string | null;
  ecosystemId: number | null;
  timestamp: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type DisposalRow = {
  caseId: string;
  assessmentHash: `0x${string}`;
  inputsHash: `0x${string}`;
  seized: string;
  assigned: string;
  dust: string;
  paidOut: string;
  settledAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type DisposalShareRow = {
  caseId: string;
  ecosystemId: number;
  shareBps: number;
  amount: string;
  claimed: boolean;
  claimedAt: string | null;
  claimedBy: `0x${string}` | null;
};

/** The vault's defaults (IMarginVault), until the indexer has seen MarginParametersSet. */
const ERA = 10n ** 18n;
export const DEFAULT_MARGIN_VAULT: MarginVaultRow = {
  minMargin: String(20_000n * ERA),
  perEcosystemMargin: String(20_000n * ERA),
  freezeDeposit: String(1_000n * ERA),
  reviewWindow: String(3 * 86_400),
  unlockDelay: String(4 * 86_400),
  caseQuorumBps: 4_000,
  reserve: "0",
};

/** Postgres' "relation does not exist" and "column does not exist": the hub has no assessment store (yet). */
const MISSING = new Set(["42P01", "42703", "3F000"]);

/**
 * Per-request loaders over the risk views (indexer/schema/risk.ts). Lists are keyset pages on an index
 * (riskListQueries), batched one statement per shape of key, with a bounded count only when selected; single rows
 * are loaded by key, every parent of a level in one statement. `hubSchema` holds the hub's assessment documents
 * (`risk_assessment`, by inputs hash), read for `DisposalShare.contribution`.
 */
export function createRiskLoaders(sql: Sql, schema: string, hubSchema = "caldera_hub") {
  const table = (name: string) => sql(`${schema}.${name}`);
  const lists = riskListQueries(sql, schema);

  const { byKey, groupedBy } = columnLoaders({ sql, schema });

  const listLoaders = <F extends Record<string, string | number | undefined>, R extends Row>(
    list: KeysetList<F>,
  ) => keysetListLoaders<F, R>(sql, list);

  const cases = listLoaders<CaseFilterKey, FreezeCaseRow>(lists.cases);
  const disposals = listLoaders<NoFilterKey, DisposalRow>(lists.disposals);
  const margins = listLoaders<NoFilterKey, MarginRow>(lists.margins);

  /** Risk features: `riskFeatures` and every provider's `riskFeatures` of a level, one statement per shape. */
  const riskFeaturePage = new DataLoader<RiskFeaturePageKey, Page<RiskFeatureRow>, string>(
    async (keys) => {
      const rowsPerKey = await batchByShape(keys, lists.riskFeatures.shapeOf, (group) =>
        lists.riskFeatures.page<RiskFeatureRow>(group),
      );
      return keys.map((key, i) => {
        const rows = (rowsPerKey[i] ?? []) as unknown as RiskFeatureRow[];
        return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
      });
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
  const riskFeatureCount = new DataLoader<RiskFeatureFilterKey, TotalCount, string>(
    async (keys) => {
      const countsPerKey = await batchByShape(keys, lists.riskFeatures.shapeOf, (group) =>
        lists.riskFeatures.boundedCount(group),
      );
      return Promise.all(
        keys.map((key, i) =>
          toTotalCount(countsPerKey[i]?.[0]?.count ?? 0, () =>
            estimateRowCount(sql, lists.riskFeatures.matching(key)),
          ),
        ),
      );
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const singleton = <R>(load: () => Promise<R>) =>
    new DataLoader<"all", R>(async (keys) => Promise.all(keys.map(() => load())));

  /**
   * Assessment documents by inputs hash, from the table services/createAssessmentStore.ts keeps (read here in one
   * statement per level, and without the store's `create … if not exists`, which a read replica or a read-only role
   * refuses). The table may not exist in this database (a subgraph reading another hub's views, or before the first
   * settlement): then, as for a hash the hub does not hold, there is no document.
   */
  const assessmentByInputsHash = new DataLoader<string, AssessmentDocument | undefined>(async (hashes) => {
    try {
      const rows = await sql<{ inputsHash: string; document: AssessmentDocument }[]>`
        select inputs_hash, document from ${sql(`${hubSchema}.risk_assessment`)}
        where inputs_hash = any(${hashes.map((h) => h.toLowerCase())})`;
      const found = new Map(rows.map((row) => [row.inputsHash.toLowerCase(), row.document]));
      return hashes.map((hash) => found.get(hash.toLowerCase()));
    } catch (error) {
      if (MISSING.has((error as { code?: string }).code ?? "")) return hashes.map(() => undefined);
      throw error;
    }
  });

  return {
    ecosystemById: byKey<EcosystemRow>("ecosystem", "id", "int", (r) => String(r.id)),
    /** Ecosystems newest first: `first + 1` rows after the cursor's id, on the primary key. */
    ecosystemPage: new DataLoader<{ first: number; after?: number | undefined }, Page<EcosystemRow>, string>(
      async (keys) =>
        Promise.all(
          keys.map(async ({ first, after }) => {
            const rows = await lists.ecosystemPage<EcosystemRow>(first, after);
            return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
          }),
        ),
      { cacheKeyFn: (key) => JSON.stringify(key) },
    ),
    ecosystemCount: singleton(async (): Promise<TotalCount> => {
      const [row] = await lists.ecosystemBoundedCount();
      return toTotalCount(row?.count ?? 0, () =>
        estimateRowCount(sql, sql`select 1 from ${table("ecosystem")}`),
      );
    }),
    riskFeatureById: byKey<RiskFeatureRow>("risk_feature", "id", "numeric", (r) => r.id),
    riskFeaturePage,
    riskFeatureCount,
    /** A feature's attestations in chain order (on the (feature_id, node) primary key). */
    attestationsByFeature: groupedBy<RiskFeatureAttestationRow>(
      "risk_feature_attestation",
      "feature_id",
      "numeric",
      (r) => r.featureId,
      "feature_id, event_id",
    ),
    marginByProvider: byKey<MarginRow>("margin", "provider", "text", (r) => r.provider),
    marginPage: margins.page,
    marginCount: margins.count,
    marginVault: singleton(
      async () =>
        (await sql<MarginVaultRow[]>`select * from ${table("margin_vault")} where id = 1`)[0] ??
        DEFAULT_MARGIN_VAULT,
    ),
    caseById: byKey<FreezeCaseRow>("freeze_case", "id", "numeric", (r) => r.id),
    casePage: cases.page,
    caseCount: cases.count,
    /** A case's timeline in chain order (on case_event's (case_id, id)). */
    caseEventsByCase: groupedBy<CaseEventRow>(
      "case_event",
      "case_id",
      "numeric",
      (r) => r.caseId,
      "case_id, id",
    ),
    disposalByCase: byKey<DisposalRow>("disposal", "case_id", "numeric", (r) => r.caseId),
    disposalPage: disposals.page,
    disposalCount: disposals.count,
    sharesByCase: groupedBy<DisposalShareRow>(
      "disposal_share",
      "case_id",
      "numeric",
      (r) => r.caseId,
      "case_id, ecosystem_id",
    ),
    assessmentByInputsHash,
  };
}
