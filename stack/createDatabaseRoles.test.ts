import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDataDir } from "../test/support/removeDataDir.js";
import { createDatabaseRoles } from "./createDatabaseRoles.js";
import { PartStartError } from "./errors.js";
import { getFreePort } from "./getFreePort.js";
import { loadDatabasePasswords } from "./loadDatabasePasswords.js";
import { type PostgresHandle, startPostgres } from "./startPostgres.js";

const root = mkdtempSync(join(tmpdir(), "caldera-roles-"));
const dataDir = join(root, "postgres");
let port: number;
let pg: PostgresHandle | undefined;
const pools: postgres.Sql[] = [];

const start = async () => {
  pg = await startPostgres({
    dataDir,
    port,
    logFile: join(root, "logs", "postgres.log"),
    viewsSchema: "views",
    log: () => {},
    onGiveUp: () => {},
  });
  return pg;
};
const stop = async () => {
  await Promise.all(pools.splice(0).map((sql) => sql.end({ timeout: 1 })));
  await pg?.stop();
  pg = undefined;
};
const open = (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  pools.push(sql);
  return sql;
};
const superuserUrl = async (password?: string) =>
  `postgres://caldera:${encodeURIComponent(password ?? (await loadDatabasePasswords({ dataDir })).superuser)}@127.0.0.1:${port}/caldera`;
/** The SQLSTATE a statement fails with, or "ok". */
const outcome = (query: Promise<unknown>) =>
  query.then(
    () => "ok",
    (error: { code?: string }) => error.code ?? String(error),
  );

beforeAll(async () => {
  port = await getFreePort();
  await start();
}, 120_000);

afterAll(async () => {
  await stop();
  removeDataDir(root);
  rmSync(root, { recursive: true, force: true });
});

describe("createDatabaseRoles (embedded Postgres)", () => {
  it("connects the hub as a non-superuser that can create and own its schemas", async () => {
    const app = open(pg?.url ?? "");
    const [me] = await app<{ user: string; rolsuper: boolean; rolcreaterole: boolean }[]>`
      select current_user as user, rolsuper, rolcreaterole from pg_roles where rolname = current_user`;
    expect(me).toEqual({ user: "caldera_app", rolsuper: false, rolcreaterole: false });
    await app`create schema if not exists app_build`;
    await app`create table app_build.reading (id int primary key, value int)`;
    await app`insert into app_build.reading values (1, 10)`;
    // A view made after setup, the way ponder makes its views on every start.
    await app`create view views.reading as select * from app_build.reading`;
    await app`create temp table scratch (x int)`;
    expect(await outcome(app`copy (select 1) to program 'true'`)).toBe("42501");
  });

  it("gives analysts read-only access to the views schema, with a statement timeout", async () => {
    const analyst = open(pg?.analystUrl ?? "");
    expect(pg?.analystUrl).toMatch(/^postgres:\/\/caldera_analyst:[^@]+@127\.0\.0\.1:\d+\/caldera$/);
    expect(await analyst`select value from views.reading`).toEqual([{ value: 10 }]);
    expect((await analyst`show statement_timeout`)[0]).toEqual({ statement_timeout: "30s" });
    expect((await analyst`show default_transaction_read_only`)[0]).toEqual({
      default_transaction_read_only: "on",
    });
    // The setting is only a default a session may change; with it off, the role's privileges still say no.
    await analyst`set default_transaction_read_only = off`;
    for (const statement of [
      "insert into views.reading values (2, 20)",
      "update views.reading set value = 0",
      "delete from views.reading",
      "select * from app_build.reading",
      "drop view views.reading",
      "drop schema app_build cascade",
      "create schema mine",
      "create table views.mine (x int)",
      "create table public.mine (x int)",
      "create temp table mine (x int)",
      "copy (select 1) to program 'true'",
      "select pg_read_file('PG_VERSION')",
      "alter role caldera_analyst connection limit -1",
      "alter role caldera_analyst superuser",
      "grant caldera_app to caldera_analyst",
    ])
      expect([statement, await outcome(analyst.unsafe(statement))]).toEqual([statement, "42501"]);
    expect(await outcome(analyst`select 1 from pg_database`)).toBe("ok");
    expect(await outcome(open((pg?.analystUrl ?? "").replace(/\/caldera$/, "/postgres"))`select 1`)).toBe(
      "42501",
    );
  });

  it("is idempotent: run again on the live cluster with a 1 s timeout, sessions of the role then get cancelled", async () => {
    const { superuser, app, analyst } = await loadDatabasePasswords({ dataDir });
    const again = await createDatabaseRoles({
      host: "127.0.0.1",
      port,
      database: "caldera",
      superuser: { user: "caldera", password: superuser },
      app: { user: "caldera_app", password: app },
      analyst: { user: "caldera_analyst", password: analyst, statementTimeout: "1s" },
      viewsSchema: "views",
    });
    expect(again.analystUrl).toBe(pg?.analystUrl);
    const session = open(again.analystUrl);
    expect((await session`show statement_timeout`)[0]).toEqual({ statement_timeout: "1s" });
    expect(await outcome(session`select pg_sleep(5)`)).toBe("57014");
    expect(await session`select value from views.reading`).toEqual([{ value: 10 }]);
  });

  it("shares a named view of another schema with analysts, and only that view", async () => {
    const app = open(pg?.url ?? "");
    await app`create schema if not exists hub`;
    await app`create table if not exists hub.raw (secret text, summary int)`;
    await app`create or replace view hub.summary as select summary from hub.raw`;
    await pg?.shareWithAnalysts({ views: ["hub.summary", "hub.not_made_yet"] });
    const analyst = open(pg?.analystUrl ?? "");
    expect(await outcome(analyst`select * from hub.summary`)).toBe("ok");
    expect(await outcome(analyst`select * from hub.raw`)).toBe("42501");
    const error = await pg?.shareWithAnalysts({ views: ["hub.raw"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartStartError);
    expect(await outcome(analyst`select * from hub.raw`)).toBe("42501");
  });

  it("uses an operator's DATABASE_URL as given, with one warning line when it logs in as a superuser", async () => {
    const external = async (databaseUrl: string) => {
      const lines: string[] = [];
      const handle = await startPostgres({
        databaseUrl,
        dataDir: join(root, "unused"),
        port: 0,
        logFile: join(root, "logs", "unused.log"),
        log: (line) => lines.push(line),
        onGiveUp: () => {},
      });
      expect(handle).toMatchObject({ url: databaseUrl, embedded: false });
      expect(handle.analystUrl).toBeUndefined();
      return lines;
    };
    const warnings = await external(await superuserUrl());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warning: DATABASE_URL logs in as caldera, a superuser/);
    expect(await external(pg?.url ?? "")).toEqual([]);
  });

  it("takes over a cluster made before the roles: built-in superuser password replaced, the superuser's schemas handed to the app role", async () => {
    // What a cluster of the previous version looks like: everything made by the superuser, password "caldera".
    const su = open(await superuserUrl());
    await su`create schema old_build`;
    await su`create type old_build.kind as enum ('a', 'b')`;
    await su`create table old_build.item (id serial primary key, kind old_build.kind)`;
    await su`create table old_build.part (chain int, n int) partition by list (chain)`;
    await su`create table old_build.part_1 partition of old_build.part for values in (1)`;
    await su`create sequence old_build.counter`;
    await su`create function old_build.touch() returns trigger language plpgsql as $$ begin return new; end $$`;
    await su`insert into old_build.item (kind) values ('a')`;
    await su`create view views.item as select * from old_build.item`;
    await su`alter role caldera password 'caldera'`;
    await stop();
    rmSync((await loadDatabasePasswords({ dataDir })).file);

    const restarted = await start();
    expect(await outcome(open(await superuserUrl("caldera"))`select 1`)).toBe("28P01");
    const su2 = open(await superuserUrl());
    const leftovers = await su2`
      select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('old_build', 'views', 'app_build', 'hub') and c.relowner <> 'caldera_app'::regrole
      union all select nspname, null from pg_namespace
      where nspname in ('old_build', 'views', 'app_build', 'hub') and nspowner <> 'caldera_app'::regrole
      union all select 'function', proname from pg_proc where pronamespace = 'old_build'::regnamespace
        and proowner <> 'caldera_app'::regrole
      union all select 'type', typname from pg_type where typnamespace = 'old_build'::regnamespace
        and typowner <> 'caldera_app'::regrole`;
    expect(leftovers).toEqual([]);
    const app = open(restarted.url);
    await app`insert into old_build.item (kind) values ('b')`;
    await app`select nextval('old_build.counter')`;
    await app`drop view views.item`;
    await app`create view views.item as select id, kind::text from old_build.item`;
    expect(await open(restarted.analystUrl ?? "")`select id, kind from views.item order by id`).toEqual([
      { id: 1, kind: "a" },
      { id: 2, kind: "b" },
    ]);
  }, 120_000);

  it("stops with one line when the superuser's kept password is lost", async () => {
    await stop();
    rmSync((await loadDatabasePasswords({ dataDir })).file);
    const error = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as Error).message).toMatch(
      /refuses the superuser's password kept in .*postgres-passwords\.json/,
    );
    expect((error as Error).message.split("\n")).toHaveLength(1);
    // The server it started for the attempt is stopped again: nothing answers on its port.
    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code));
    });
    expect(refused).toBe("ECONNREFUSED");
  }, 120_000);
});
