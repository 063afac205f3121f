import type { Sql } from "postgres";

/** The final response to a mutation, kept exactly as sent so a retry gets the same bytes. */
export type StoredResponse = { status: number; body: string };

/** Who sent a key and what for: the key is scoped to its client, the fingerprint is the request it was used on. */
export type IdempotencyRequest = { client: string; key: string; fingerprint: string };

/**
 * What claiming a key found:
 * - `claimed`: the key is new (or had expired) and now belongs to this request, which runs and then `complete`s or
 *   `release`s it;
 * - `completed`: a request with the same fingerprint already ran; its response is to be sent again;
 * - `running`: a request with the same fingerprint holds the key and has not finished;
 * - `mismatch`: the key was used for another request (other operation, query or variables).
 */
export type IdempotencyClaim =
  | { state: "claimed" }
  | { state: "completed"; response: StoredResponse }
  | { state: "running"; claimedAt: Date }
  | { state: "mismatch" };

export type IdempotencyStore = {
  /** Creates the table in the hub's own schema if missing (idempotent; run at start-up). */
  migrate: () => Promise<void>;
  /** Claims `key` for this request, atomically: of two concurrent claims exactly one gets `claimed`. */
  claim: (request: IdempotencyRequest) => Promise<IdempotencyClaim>;
  /** Keeps the claimed request's final response (what retries get); a key completes once. */
  complete: (request: Omit<IdempotencyRequest, "fingerprint">, response: StoredResponse) => Promise<void>;
  /** Gives a running claim up (the request sent nothing, so a retry may run it): the key is free again. */
  release: (request: Omit<IdempotencyRequest, "fingerprint">) => Promise<void>;
  /** Deletes expired keys; returns how many. `claim` also does it, at most once a minute. */
  prune: () => Promise<number>;
};

export type CreateIdempotencyStoreParameters = {
  sql: Sql;
  /** The hub's own schema (not ponder's). */
  schema?: string;
  /** How long a key is remembered from its claim (default 24 h). */
  ttlSeconds?: number;
};

export type CreateIdempotencyStoreReturnType = IdempotencyStore;

/** Any fixed number: the advisory lock that serialises this table's migration across replicas. */
const MIGRATION_LOCK = 7_325_002;

/**
 * Idempotency keys (`Idempotency-Key`, draft-ietf-httpapi-idempotency-key-header) in Postgres, so every subgraph
 * replica sees the same keys: keyed by (client, key), with the request's fingerprint and, once it finished, its
 * response. A claim is `insert … on conflict do nothing`: the primary key decides between concurrent claims.
 */
export function createIdempotencyStore({
  sql,
  schema = "caldera_hub",
  ttlSeconds = 24 * 60 * 60,
}: CreateIdempotencyStoreParameters): CreateIdempotencyStoreReturnType {
  const table = sql(`${schema}.idempotency_key`);
  let prunedAt = 0;
  const prune = async () => {
    prunedAt = Date.now();
    const deleted = await sql`delete from ${table} where expires_at < now()`;
    return deleted.count;
  };
  const claim = async (request: IdempotencyRequest): Promise<IdempotencyClaim> => {
    const { client, key, fingerprint } = request;
    // Opportunistic pruning; a failure here must not fail the request that happened to trigger it.
    if (Date.now() - prunedAt > 60_000) await prune().catch(() => {});
    // This key's own expiry is exact, whatever the pruning did.
    await sql`delete from ${table} where client = ${client} and key = ${key} and expires_at < now()`;
    const inserted = await sql`insert into ${table} (client, key, fingerprint, expires_at)
      values (${client}, ${key}, ${fingerprint}, now() + make_interval(secs => ${ttlSeconds}))
      on conflict (client, key) do nothing returning key`;
    if (inserted.count === 1) return { state: "claimed" };
    const [row] = await sql<
      { fingerprint: string; status: number | null; body: string | null; claimedAt: Date }[]
    >`select fingerprint, status, body, claimed_at as "claimedAt" from ${table}
      where client = ${client} and key = ${key}`;
    // Released or expired between the insert and the select: try again.
    if (row === undefined) return claim(request);
    if (row.fingerprint !== fingerprint) return { state: "mismatch" };
    if (row.status === null || row.body === null) return { state: "running", claimedAt: row.claimedAt };
    return { state: "completed", response: { status: row.status, body: row.body } };
  };
  return {
    migrate: async () => {
      // Replicas starting at once would race on `create … if not exists` (Postgres checks the catalog before it
      // locks it): one at a time, under a transaction-scoped advisory lock.
      await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        await tx`create schema if not exists ${tx(schema)}`;
        // The body is text, not jsonb: jsonb would reorder keys, and a retry must get the same bytes.
        await tx`create table if not exists ${table} (
        client text not null,
        key text not null check (length(key) between 1 and 255),
        fingerprint text not null,
        claimed_at timestamptz not null default now(),
        completed_at timestamptz,
        status integer,
        body text,
        expires_at timestamptz not null,
        primary key (client, key)
      )`;
        await tx`create index if not exists idempotency_key_expires_at on ${table} (expires_at)`;
      });
    },
    claim,
    complete: async ({ client, key }, { status, body }) => {
      await sql`update ${table} set status = ${status}, body = ${body}, completed_at = now()
        where client = ${client} and key = ${key} and completed_at is null`;
    },
    release: async ({ client, key }) => {
      await sql`delete from ${table} where client = ${client} and key = ${key} and completed_at is null`;
    },
    prune,
  };
}
