import type { Sql } from "postgres";

/**
 * What anyone needs to re-run a derivative: the certified features per core, the caller's model parameters, the
 * model input built from them and the output. Content-addressed by the output hash the derivative records.
 */
export type StoredDerivation = {
  outputHash: `0x${string}`;
  kind: string;
  modelId: string;
  modelVersionHash: `0x${string}`;
  parameters: unknown;
  /** Per core certificate, in the derivative's core order. */
  features: unknown;
  /** Per core, the feature commitment the binding proof made public. */
  featureCommitments: readonly `0x${string}`[];
  /** Per core, the Groth16 binding proof as submitted ({ a, b, c } with decimal strings), to verify it again. */
  proofs: unknown;
  output: unknown;
};

export type DerivationStore = {
  migrate: () => Promise<void>;
  /** Keeps a derivation; the same output hash twice keeps the first (the content is the same by construction). */
  put: (derivation: StoredDerivation) => Promise<void>;
  get: (outputHash: `0x${string}`) => Promise<StoredDerivation | undefined>;
};

/** Derivation records in the hub's own schema, beside the datasets (`createDatasetStore`). */
export function createDerivationStore({
  sql,
  schema = "caldera_hub",
}: {
  sql: Sql;
  schema?: string;
}): DerivationStore {
  const table = sql(`${schema}.derivation`);
  return {
    migrate: async () => {
      await sql`create schema if not exists ${sql(schema)}`;
      await sql`create table if not exists ${table} (
        output_hash text primary key check (output_hash ~ '^0x[0-9a-f]{64}$'),
        kind text not null,
        model_id text not null,
        model_version_hash text not null,
        parameters jsonb not null,
        features jsonb not null,
        feature_commitments jsonb not null,
        output jsonb not null,
        stored_at timestamptz not null default now()
      )`;
      await sql`alter table ${table} add column if not exists proofs jsonb not null default '[]'`;
    },
    put: async (d) => {
      await sql`insert into ${table}
        (output_hash, kind, model_id, model_version_hash, parameters, features, feature_commitments, proofs, output)
        values (${d.outputHash.toLowerCase()}, ${d.kind}, ${d.modelId}, ${d.modelVersionHash},
          ${sql.json(d.parameters as never)}, ${sql.json(d.features as never)},
          ${sql.json(d.featureCommitments as never)}, ${sql.json(d.proofs as never)}, ${sql.json(d.output as never)})
        on conflict (output_hash) do nothing`;
    },
    get: async (outputHash) => {
      const [row] = await sql<StoredDerivation[]>`
        select output_hash as "outputHash", kind, model_id as "modelId", model_version_hash as "modelVersionHash",
          parameters, features, feature_commitments as "featureCommitments", proofs, output
        from ${table} where output_hash = ${outputHash.toLowerCase()}`;
      return row;
    },
  };
}
