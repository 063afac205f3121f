import postgres from "postgres";

/** How long after its last heartbeat a ponder's lock on its schema lapses (ponder's `databaseHeartbeatTimeout`). */
const PONDER_LOCK_EXPIRY_MS = 25_000;

export type PruneOldBuildsParameters = {
  databaseUrl: string;
  viewsSchema: string;
  /** The live build's schema (`<viewsSchema>_<hash>`): never dropped, and the views must select from it. */
  schema: string;
  /** The stack's own (embedded) database: no other ponder can be running on it, so a lock is a leftover. */
  ownsDatabase: boolean;
};

export type PruneOldBuildsReturnType = { dropped: string[]; kept: { schema: string; reason: string }[] };

/**
 * Drops the schemas of earlier builds (`<viewsSchema>_<hash>`) once this build serves the views. A redeploy with
 * changed handler code gets a new schema; ponder backfills it while the views still select from the old one, then,
 * after the backfill and before its `/ready` answers 200, recreates every view of the views schema in ONE
 * transaction (ponder 0.16.10, `createViews` in database/actions.ts: DROP VIEW + CREATE VIEW per table, then
 * `_ponder_meta` and `_ponder_checkpoint`). A reader blocks on that transaction's locks for a moment and then sees
 * the new views: never none. So once ponder is ready the old schemas are unread — unless the views still point
 * elsewhere (checked on `_ponder_meta`'s view), or another ponder holds an old schema (its `_ponder_meta` lock with
 * a fresh heartbeat), which is then left alone — except in the stack's own database, where no other ponder can run
 * and a lock is only what a stopped ponder left (as in `releasePonderLock`). Each drop locks the old build's
 * `_ponder_meta` first (NOWAIT), so a ponder starting on it at that moment makes the drop skip rather than wait.
 * Returns the dropped schemas and the ones kept, with the reason.
 */
export async function pruneOldBuilds({
  databaseUrl,
  viewsSchema,
  schema,
  ownsDatabase,
}: PruneOldBuildsParameters): Promise<PruneOldBuildsReturnType> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const viewed = await sql<{ schema: string }[]>`
      select distinct source_ns.nspname as schema
      from pg_class view_class
      join pg_namespace view_ns on view_ns.oid = view_class.relnamespace
      join pg_rewrite rule on rule.ev_class = view_class.oid
      join pg_depend dep on dep.objid = rule.oid and dep.classid = 'pg_rewrite'::regclass
      join pg_class source on source.oid = dep.refobjid and source.oid <> view_class.oid
      join pg_namespace source_ns on source_ns.oid = source.relnamespace
      where view_ns.nspname = ${viewsSchema} and view_class.relname = '_ponder_meta'`;
    if (viewed.length !== 1 || viewed[0]?.schema !== schema)
      return {
        dropped: [],
        kept: [{ schema: "old indexer schemas", reason: `the views do not (only) select from ${schema}` }],
      };
    const pattern = `^${viewsSchema.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}_[0-9a-f]{12}$`;
    const candidates = await sql<{ schema: string }[]>`
      select nspname as schema from pg_namespace where nspname ~ ${pattern} and nspname <> ${schema}`;
    const dropped: string[] = [];
    const kept: { schema: string; reason: string }[] = [];
    for (const { schema: old } of candidates) {
      const outcome = await sql
        .begin(async (tx) => {
          const hasMeta = await tx<{ exists: boolean }[]>`
            select to_regclass(${`"${old}"._ponder_meta`}) is not null as exists`;
          if (hasMeta[0]?.exists) {
            // NOWAIT: a ponder starting on it right now holds this lock; leave the schema for the next start.
            await tx`lock table ${tx(old)}._ponder_meta in access exclusive mode nowait`;
            const [app] = await tx<{ value: { is_locked?: number; heartbeat_at?: number } }[]>`
              select value from ${tx(old)}._ponder_meta where key = 'app'`;
            const held =
              !ownsDatabase &&
              app?.value.is_locked === 1 &&
              Date.now() - (app.value.heartbeat_at ?? 0) < PONDER_LOCK_EXPIRY_MS;
            if (held) return "another ponder holds it";
          }
          await tx`drop schema ${tx(old)} cascade`;
          return undefined;
        })
        .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      if (outcome === undefined) dropped.push(old);
      else kept.push({ schema: old, reason: outcome });
    }
    return { dropped, kept };
  } finally {
    await sql.end({ timeout: 2 });
  }
}
