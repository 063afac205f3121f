import type { Sql } from "postgres";

/** A certified dataset as the hub keeps it: exactly what was proven, so a derivation can re-prove from it later. */
export type StoredDataset = {
  /** The Poseidon dataset commitment the core certificate records (0x-prefixed, 32 bytes). */
  commitment: `0x${string}`;
  provider: `0x${string}`;
  schemaId: string;
  windowStart: number;
  slotSeconds: number;
  /** The validated dataset (readings with their channels), as canonical JSON-able data. */
  dataset: unknown;
  presentSlots: number;
};

export type DatasetStore = {
  /** Creates the hub's own schema and tables if missing (idempotent; run at start-up). */
  migrate: () => Promise<void>;
  /** Keeps a dataset; storing the same commitment twice keeps the first (content-addressed). */
  put: (dataset: StoredDataset) => Promise<void>;
  get: (commitment: `0x${string}`) => Promise<StoredDataset | undefined>;
};

export type CreateDatasetStoreParameters = {
  sql: Sql;
  /** The hub's own schema (not ponder's): data the chain does not hold. */
  schema?: string;
};

/**
 * Certified datasets, content-addressed by their commitment, in the hub's own Postgres schema. Raw readings are
 * never served through GraphQL; analysts get the `dataset_summary` view (aggregates only).
 */
export function createDatasetStore({
  sql,
  schema = "caldera_hub",
}: CreateDatasetStoreParameters): DatasetStore {
  const table = sql(`${schema}.dataset`);
  return {
    migrate: async () => {
      await sql`create schema if not exists ${sql(schema)}`;
      await sql`create table if not exists ${table} (
        commitment text primary key check (commitment ~ '^0x[0-9a-f]{64}$'),
        provider text not null check (provider ~ '^0x[0-9a-f]{40}$'),
        schema_id text not null,
        window_start bigint not null,
        slot_seconds integer not null,
        present_slots integer not null,
        dataset jsonb not null,
        stored_at timestamptz not null default now()
      )`;
      await sql`create index if not exists dataset_provider_window on ${table} (provider, window_start)`;
      await sql`create or replace view ${sql(`${schema}.dataset_summary`)} as
        select commitment, provider, schema_id, window_start, slot_seconds, present_slots, stored_at from ${table}`;
    },
    put: async (d) => {
      await sql`insert into ${table}
        (commitment, provider, schema_id, window_start, slot_seconds, present_slots, dataset)
        values (${d.commitment.toLowerCase()}, ${d.provider.toLowerCase()}, ${d.schemaId}, ${d.windowStart},
                ${d.slotSeconds}, ${d.presentSlots}, ${sql.json(d.dataset as never)})
        on conflict (commitment) do nothing`;
    },
    get: async (commitment) => {
      const [row] = await sql<
        {
          commitment: `0x${string}`;
          provider: `0x${string}`;
          schemaId: string;
          windowStart: string;
          slotSeconds: number;
          presentSlots: number;
          dataset: unknown;
        }[]
      >`select commitment, provider, schema_id as "schemaId", window_start::text as "windowStart",
          slot_seconds as "slotSeconds", present_slots as "presentSlots", dataset
        from ${table} where commitment = ${commitment.toLowerCase()}`;
      return row === undefined ? undefined : { ...row, windowStart: Number(row.windowStart) };
    },
  };
}
