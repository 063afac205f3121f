import type { Sql } from "postgres";

/** How a certification attempt ended, as far as the data is concerned (infrastructure failures are not attempts). */
export type CertificationOutcome = "ACCEPTED" | "REJECTED";

/** One authenticated certification attempt: the provider signed it, the hub (or the chain) decided it. */
export type CertificationAttempt = {
  provider: `0x${string}`;
  /** The dataset commitment the provider signed over; null when none could be computed. */
  datasetCommitment: `0x${string}` | null;
  outcome: CertificationOutcome;
  /** The refusal's error code (`BELOW_FLOOR`, `THRESHOLD_NOT_MET`, `INVALID_PROOF`); null when accepted. */
  errorCode: string | null;
  /** Unix seconds on the chain's clock (`chainNow`), so a risk window over attempts is one the registry accepts. */
  attemptedAt: number;
};

export type StoredCertificationAttempt = CertificationAttempt & { id: string };

export type CertificationAttemptStore = {
  /** Creates the hub's schema and the table if missing (idempotent; run at start-up). */
  migrate: () => Promise<void>;
  /**
   * Keeps one attempt; a provider's dataset refused again (the same signed claim replayed) is kept once. Never throws: the outcome it records has already been decided, so a failed insert is
   * logged (warn) and dropped rather than turned into a failed certification.
   */
  record: (attempt: CertificationAttempt) => Promise<void>;
  /** The provider's newest attempts (at most `limit`), newest first. */
  recentFor: (provider: `0x${string}`, limit: number) => Promise<StoredCertificationAttempt[]>;
};

export type CreateCertificationAttemptStoreParameters = {
  sql: Sql;
  /** The hub's own schema (not ponder's): data the chain does not hold. */
  schema?: string;
  /** Where a failed insert is reported; default one line on stderr. */
  logger?: { warn: (fields: object, message: string) => void } | undefined;
};

/**
 * Every authenticated certification attempt and how it ended, in the hub's own schema
 * (`caldera_hub.certification_attempt`): the chain records only certificates, so a refused submission — a claim the
 * provider signed that its data does not support, a proof the registry rejected — exists nowhere else. Caldera's
 * TAMPERING_FREQUENCY feature is proven from it (`usecases/risk/gatherCalderaRiskRecords.ts`).
 */
export function createCertificationAttemptStore({
  sql,
  schema = "caldera_hub",
  logger,
}: CreateCertificationAttemptStoreParameters): CertificationAttemptStore {
  const table = sql(`${schema}.certification_attempt`);
  const warn = (fields: object, message: string) => {
    if (logger !== undefined) logger.warn(fields, message);
    else process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  };
  return {
    migrate: async () => {
      await sql`create schema if not exists ${sql(schema)}`;
      await sql`create table if not exists ${table} (
        id bigserial primary key,
        provider text not null check (provider ~ '^0x[0-9a-f]{40}$'),
        dataset_commitment text check (dataset_commitment ~ '^0x[0-9a-f]{64}$'),
        outcome text not null check (outcome in ('ACCEPTED', 'REJECTED')),
        error_code text,
        attempted_at bigint not null,
        recorded_at timestamptz not null default now(),
        check ((outcome = 'ACCEPTED') = (error_code is null))
      )`;
      await sql`create index if not exists certification_attempt_provider_newest
        on ${table} (provider, attempted_at desc, id desc)`;
      // A refusal uses no nonce, so the same signed claim can be replayed until its deadline: it counts once.
      await sql`create unique index if not exists certification_attempt_rejected_once
        on ${table} (provider, dataset_commitment) where outcome = 'REJECTED'`;
    },
    record: async (a) => {
      try {
        await sql`insert into ${table} (provider, dataset_commitment, outcome, error_code, attempted_at)
          values (${a.provider.toLowerCase()}, ${a.datasetCommitment?.toLowerCase() ?? null}, ${a.outcome},
                  ${a.errorCode}, ${a.attemptedAt})
          on conflict do nothing`;
      } catch (error) {
        warn(
          {
            provider: a.provider,
            outcome: a.outcome,
            errorCode: a.errorCode,
            error: error instanceof Error ? error.message : String(error),
          },
          "certification attempt not recorded",
        );
      }
    },
    recentFor: async (provider, limit) => {
      const rows = await sql<(Omit<StoredCertificationAttempt, "attemptedAt"> & { attemptedAt: string })[]>`
        select id::text as id, provider, dataset_commitment as "datasetCommitment", outcome,
          error_code as "errorCode", attempted_at::text as "attemptedAt"
        from ${table} where provider = ${provider.toLowerCase()}
        order by attempted_at desc, id desc limit ${Math.max(0, Math.floor(limit))}`;
      return rows.map((row) => ({ ...row, attemptedAt: Number(row.attemptedAt) }));
    },
  };
}
