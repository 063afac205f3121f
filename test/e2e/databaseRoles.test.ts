import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseRoles } from "../../stack/createDatabaseRoles.js";
import { loadDatabasePasswords } from "../../stack/loadDatabasePasswords.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { certifyAs } from "../support/certifyAs.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * The Postgres roles on the real stack: the hub and ponder run as a non-superuser app role, and the URL printed for
 * analysts is a read-only role that sees the views and nothing else — it cannot forge what the API serves.
 */

let stack: TestStack;
let app: postgres.Sql;
let analyst: postgres.Sql;
const extraPools: postgres.Sql[] = [];
let certificateId: string;

/** The SQLSTATE a statement fails with, or "ok". */
const outcome = (query: Promise<unknown>) =>
  query.then(
    () => "ok",
    (error: { code?: string }) => error.code ?? String(error),
  );

beforeAll(async () => {
  stack = await startTestStack();
  app = postgres(stack.postgresUrl, { max: 2, onnotice: () => {} });
  analyst = postgres(stack.analystUrl ?? "", { max: 1, onnotice: () => {} });
}, 300_000);

afterAll(async () => {
  await Promise.all([app, analyst, ...extraPools].map((sql) => sql?.end({ timeout: 2 })));
  await stack?.teardown();
});

describe("Postgres roles on a running stack", () => {
  it("runs the hub and ponder as a non-superuser that owns their schemas; no session uses the superuser", async () => {
    const [me] = await app<{ user: string; rolsuper: boolean }[]>`
      select current_user as user, rolsuper from pg_roles where rolname = current_user`;
    expect(me).toEqual({ user: "caldera_app", rolsuper: false });
    const owners = await app<{ schema: string; owner: string }[]>`
      select nspname as schema, nspowner::regrole::text as owner from pg_namespace
      where nspname in (${stack.indexer.schema}, 'caldera', 'caldera_hub') order by nspname`;
    expect(owners).toEqual(
      [stack.indexer.schema, "caldera", "caldera_hub"]
        .sort()
        .map((schema) => ({ schema, owner: "caldera_app" })),
    );
    // ponder's connections and the hub's: all the app role's.
    const sessions = await app<{ user: string }[]>`
      select distinct usename::text as user from pg_stat_activity where datname = 'caldera' and usename is not null`;
    expect(sessions.map((s) => s.user)).toEqual(["caldera_app"]);
    expect(stack.postgresUrl).toMatch(/^postgres:\/\/caldera_app:/);
    expect(stack.analystUrl).toMatch(/^postgres:\/\/caldera_analyst:/);
  });

  it("serves a certification made through the gateway, which analysts then read in the views", async () => {
    certificateId = await certifyAs(stack, ANVIL_DEV_KEYS[0], {
      domain: "AGRICULTURAL",
      ...sensorDataset(),
    });
    const rows = await analyst`select id::text, min_integrity_bps from caldera.certificate`;
    expect(rows).toEqual([{ id: certificateId, min_integrity_bps: expect.any(Number) }]);
    expect(await analyst`select count(*)::int as n from caldera_hub.dataset_summary`).toEqual([{ n: 1 }]);
    // The dataset's validation was metered: analysts see it in the telemetry view (flushed within a second).
    await expect
      .poll(
        async () =>
          await analyst`select component, success from caldera_hub.component_telemetry
            where component = 'agricultural-validator' and success limit 1`,
        { timeout: 10_000 },
      )
      .toEqual([{ component: "agricultural-validator", success: true }]);
  });

  it("gives analysts no way to write, drop, reach ponder's build schema or the hub's tables, or run programs", async () => {
    const build = stack.indexer.schema;
    // The session may turn the read-only default off; the role's privileges are what stop it.
    await analyst`set default_transaction_read_only = off`;
    const statements = [
      `insert into caldera.certificate (id) values (999)`,
      `update caldera.certificate set min_integrity_bps = 10000`,
      `delete from caldera.certificate`,
      `drop view caldera.certificate`,
      `drop schema caldera cascade`,
      `drop schema "${build}" cascade`,
      `drop schema caldera_hub cascade`,
      `create schema analyst_own`,
      `create table caldera.forged (id int)`,
      `create table public.forged (id int)`,
      `create temp table forged (id int)`,
      `select * from "${build}".certificate`,
      `update "${build}".certificate set min_integrity_bps = 10000`,
      `select * from caldera_hub.dataset`,
      `select * from caldera_hub.derivation`,
      `select caller, details from caldera_hub.component_invocation`,
      `copy (select 1) to program 'id'`,
      `select pg_read_file('postgresql.conf')`,
      `alter role caldera_analyst connection limit -1`,
    ];
    const outcomes = [];
    for (const statement of statements) outcomes.push([statement, await outcome(analyst.unsafe(statement))]);
    expect(outcomes).toEqual(statements.map((statement) => [statement, "42501"]));
    // What the API serves is untouched.
    expect(await app`select id::text, min_integrity_bps from caldera.certificate`).toEqual(
      await analyst`select id::text, min_integrity_bps from caldera.certificate`,
    );
    expect(await analyst`select count(*)::int as n from caldera.certificate`).toEqual([{ n: 1 }]);
  });

  it("sets a statement timeout on the analyst role; a longer query is cancelled", async () => {
    const fresh = postgres(stack.analystUrl ?? "", { max: 1, onnotice: () => {} });
    extraPools.push(fresh);
    expect(await fresh`show statement_timeout`).toEqual([{ statement_timeout: "30s" }]);
    expect(await fresh`show default_transaction_read_only`).toEqual([
      { default_transaction_read_only: "on" },
    ]);

    // Not waiting 30 s: the role's timeout set to 1 s, as `npm start` sets it (idempotent on the live stack).
    const passwords = await loadDatabasePasswords({ dataDir: join(stack.dataDir, "postgres") });
    const port = Number(new URL(stack.postgresUrl).port);
    const roles = await createDatabaseRoles({
      host: "127.0.0.1",
      port,
      database: "caldera",
      superuser: { user: "caldera", password: passwords.superuser },
      app: { user: "caldera_app", password: passwords.app },
      analyst: { user: "caldera_analyst", password: passwords.analyst, statementTimeout: "1s" },
      viewsSchema: "caldera",
    });
    expect(roles.analystUrl).toBe(stack.analystUrl);
    const short = postgres(stack.analystUrl ?? "", { max: 1, onnotice: () => {} });
    extraPools.push(short);
    expect(await short`show statement_timeout`).toEqual([{ statement_timeout: "1s" }]);
    expect(await outcome(short`select pg_sleep(5)`)).toBe("57014");
    // The stack goes on serving through the app role after the roles were set up again.
    expect(await short`select count(*)::int as n from caldera.certificate`).toEqual([{ n: 1 }]);
  });
});
