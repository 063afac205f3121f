import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { pruneOldBuilds } from "./pruneOldBuilds.js";

/**
 * Build schemas laid out as ponder leaves them (its `_ponder_meta` with the `app` row, a table) and the views schema
 * pointing at one of them, in a real Postgres. The redeploy end-to-end test covers ponder itself.
 */

let pg: TestPostgres;
let sql: postgres.Sql;
const LIVE = "caldera_aaaaaaaaaaaa";
const OLD = "caldera_bbbbbbbbbbbb";
const OLDER = "caldera_cccccccccccc";

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

async function build(schema: string, app: { is_locked: 0 | 1; heartbeat_at: number }) {
  await sql.unsafe(`create schema "${schema}"`);
  await sql.unsafe(`create table "${schema}"._ponder_meta (key text primary key, value jsonb)`);
  await sql.unsafe(`create table "${schema}".certificate (id bigint primary key)`);
  await sql`insert into ${sql(schema)}._ponder_meta values ('app', ${sql.json(app)})`;
}

async function pointViewsAt(schema: string) {
  await sql.begin(async (tx) => {
    await tx.unsafe(`create schema if not exists caldera`);
    for (const table of ["_ponder_meta", "certificate"]) {
      await tx.unsafe(`drop view if exists caldera."${table}"`);
      await tx.unsafe(`create view caldera."${table}" as select * from "${schema}"."${table}"`);
    }
  });
}

const schemas = async () =>
  (
    await sql<{ name: string }[]>`
      select nspname as name from pg_namespace where nspname like 'caldera%' or nspname like 'other%' order by 1`
  ).map((r) => r.name);

const prune = (ownsDatabase = false) =>
  pruneOldBuilds({ databaseUrl: pg.url, viewsSchema: "caldera", schema: LIVE, ownsDatabase });

beforeEach(async () => {
  for (const name of await schemas()) await sql.unsafe(`drop schema "${name}" cascade`);
  await build(LIVE, { is_locked: 1, heartbeat_at: Date.now() });
});

describe("pruneOldBuilds", () => {
  it("drops earlier builds once the views select from the live one, and nothing else", async () => {
    await build(OLD, { is_locked: 0, heartbeat_at: Date.now() });
    // A ponder killed long ago: its lock lapsed with its heartbeat.
    await build(OLDER, { is_locked: 1, heartbeat_at: Date.now() - 60_000 });
    await sql.unsafe(
      `create schema caldera_hub; create schema other_dddddddddddd; create schema caldera_ddd`,
    );
    await pointViewsAt(LIVE);
    expect(await prune()).toEqual({ dropped: [OLD, OLDER].sort(), kept: [] });
    expect(await schemas()).toEqual(["caldera", LIVE, "caldera_ddd", "caldera_hub", "other_dddddddddddd"]);
    expect(await sql`select count(*)::int as n from caldera.certificate`).toEqual([{ n: 0 }]);
  });

  it("drops nothing while the views still select from an old build (ponder has not switched them)", async () => {
    await build(OLD, { is_locked: 0, heartbeat_at: Date.now() });
    await pointViewsAt(OLD);
    const result = await prune();
    expect(result.dropped).toEqual([]);
    expect(await schemas()).toContain(OLD);
  });

  it("keeps a build another ponder holds (fresh heartbeat) — unless the database is the stack's own", async () => {
    await build(OLD, { is_locked: 1, heartbeat_at: Date.now() });
    await pointViewsAt(LIVE);
    expect(await prune()).toEqual({
      dropped: [],
      kept: [{ schema: OLD, reason: "another ponder holds it" }],
    });
    expect(await schemas()).toContain(OLD);
    expect((await prune(true)).dropped).toEqual([OLD]);
  });

  it("skips a build whose `_ponder_meta` someone is using right now, rather than waiting for it", async () => {
    await build(OLD, { is_locked: 0, heartbeat_at: Date.now() });
    await pointViewsAt(LIVE);
    const other = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      let release: () => void = () => {};
      const released = new Promise<void>((r) => {
        release = r;
      });
      let locked: () => void = () => {};
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      // A ponder starting on the old build: its transaction holds the meta table.
      const holding = other.begin(async (tx) => {
        await tx.unsafe(`lock table "${OLD}"._ponder_meta in row exclusive mode`);
        locked();
        await released;
      });
      await isLocked;
      const result = await prune();
      release();
      await holding;
      expect(result.dropped).toEqual([]);
      expect(result.kept[0]?.schema).toBe(OLD);
      expect(await schemas()).toContain(OLD);
    } finally {
      await other.end();
    }
  });
});
