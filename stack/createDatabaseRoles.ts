import postgres from "postgres";
import { PartStartError } from "./errors.js";

export type DatabaseLogin = { user: string; password: string };

export type CreateDatabaseRolesParameters = {
  host: string;
  port: number;
  /** The hub's database; created when missing. */
  database: string;
  /**
   * The cluster's superuser: the only login that may set things up. `legacyPasswords` are tried when `password`
   * is refused (a cluster made before its password was generated); the one that works is replaced by `password`.
   */
  superuser: DatabaseLogin & { legacyPasswords?: readonly string[] };
  /** Owner of every schema the hub and ponder use; not a superuser. */
  app: DatabaseLogin;
  /** Read-only: the views schema only, with a statement timeout. */
  analyst: DatabaseLogin & {
    /** `statement_timeout` set on the role. Default `30s`. */
    statementTimeout?: string;
    /** Concurrent connections the role may hold. Default 8. */
    connectionLimit?: number;
  };
  /** ponder's `--views-schema`: created here, owned by the app role, so every view ponder makes is analyst-readable. */
  viewsSchema: string;
  /** Where the passwords are kept, named in the one line said when the superuser's password is refused. */
  passwordsFile?: string;
  log?: (line: string) => void;
};

export type CreateDatabaseRolesReturnType = {
  appUrl: string;
  analystUrl: string;
  /**
   * Grants the analyst role SELECT on every view now in the views schema, and on `views` (schema-qualified names,
   * e.g. `caldera_hub.dataset_summary`) that exist. Call once the indexer and the hub's stores have made theirs;
   * views ponder re-creates later are covered by the default privileges.
   */
  shareWithAnalysts: (options?: { views?: readonly string[] }) => Promise<void>;
};

/** What Postgres answers for a wrong password. */
const INVALID_PASSWORD = "28P01";

/**
 * Sets up the embedded cluster's roles, idempotently at every start, as its superuser — the only use of that login:
 *
 * - the app role (LOGIN, not superuser, no CREATEROLE/CREATEDB): CONNECT, CREATE and TEMPORARY on the database, so
 *   ponder can create its schemas (and its live-query temp tables) and the hub its `caldera_hub`; it owns them all;
 * - the analyst role: CONNECT, USAGE on the views schema and SELECT on its views — including those ponder drops
 *   and re-creates on every start (`ALTER DEFAULT PRIVILEGES FOR ROLE <app> IN SCHEMA <views>`); read-only by
 *   default, `statement_timeout` set, a connection limit, no TEMPORARY, nothing on ponder's build schemas or the
 *   hub's tables. The views run with their owner's (the app role's) rights, so no grant on the tables behind them
 *   is needed, and none is given;
 * - PUBLIC loses CONNECT and TEMPORARY on the databases, and CREATE on schema `public` (already so since PG 15).
 *
 * A cluster made before these roles existed has the superuser owning everything: its schemas and the objects in
 * them are handed to the app role (REASSIGN OWNED cannot be used: the superuser also owns the system catalogs).
 *
 * The roles' privileges protect the data even if an analyst changes the settings of a session
 * (`default_transaction_read_only`, `statement_timeout` are session-settable, and a role may even change its own
 * defaults and password — which is why all of them are set again at every start); the connection limit bounds what
 * long queries can hold.
 */
export async function createDatabaseRoles({
  host,
  port,
  database,
  superuser,
  app,
  analyst,
  viewsSchema,
  passwordsFile,
  log = () => {},
}: CreateDatabaseRolesParameters): Promise<CreateDatabaseRolesReturnType> {
  const { statementTimeout = "30s", connectionLimit = 8 } = analyst;
  for (const [name, value] of [
    ["app role", app.user],
    ["analyst role", analyst.user],
    ["views schema", viewsSchema],
    ["database", database],
  ] as const) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value))
      throw new PartStartError(
        "postgres",
        `the ${name} name "${value}" is not a plain identifier`,
        "use [a-z0-9_]",
      );
  }
  if (!/^\d+(ms|s|min|h)?$/.test(statementTimeout))
    throw new PartStartError(
      "postgres",
      `statement timeout "${statementTimeout}" is not a duration`,
      "e.g. 30s",
    );

  const connect = (db: string, password: string) =>
    postgres({
      host,
      port,
      user: superuser.user,
      password,
      database: db,
      max: 1,
      connect_timeout: 10,
      onnotice: () => {},
    });

  const password = await superuserPassword();
  const admin = connect("postgres", password);
  try {
    const existing = new Set(
      (
        await admin<
          { rolname: string }[]
        >`select rolname from pg_roles where rolname in (${app.user}, ${analyst.user})`
      ).map((r) => r.rolname),
    );
    const role = async (name: string, options: string) => {
      if (!existing.has(name)) await admin.unsafe(`create role ${name}`);
      await admin.unsafe(`alter role ${name} with ${options}`);
    };
    await role(
      app.user,
      `login nosuperuser nocreatedb nocreaterole noreplication nobypassrls connection limit -1 password ${literal(app.password)}`,
    );
    await role(
      analyst.user,
      `login nosuperuser nocreatedb nocreaterole noreplication nobypassrls noinherit connection limit ${connectionLimit} password ${literal(analyst.password)}`,
    );
    // Defaults for every session of the role; see the note above on what they do not guarantee.
    await admin.unsafe(`alter role ${analyst.user} set statement_timeout = ${literal(statementTimeout)}`);
    await admin.unsafe(`alter role ${analyst.user} set default_transaction_read_only = on`);
    await admin.unsafe(`alter role ${analyst.user} set idle_in_transaction_session_timeout = '5min'`);

    const [exists] = await admin`select 1 from pg_database where datname = ${database}`;
    if (!exists) await admin.unsafe(`create database ${database}`);
    await admin.unsafe(`revoke all on database ${database} from public`);
    await admin.unsafe(`grant connect, create, temporary on database ${database} to ${app.user}`);
    await admin.unsafe(`revoke all on database ${database} from ${analyst.user}`);
    await admin.unsafe(`grant connect on database ${database} to ${analyst.user}`);
    // The maintenance databases: only the superuser needs them.
    await admin.unsafe("revoke connect, temporary on database postgres, template1 from public");
  } finally {
    await admin.end({ timeout: 5 });
  }

  const setup = connect(database, password);
  try {
    await setup.begin(async (tx) => {
      await tx.unsafe("revoke create on schema public from public");
      const moved = await handOverSchemas(tx, superuser.user, app.user);
      if (moved > 0) log(`    handed ${moved} object(s) made by the superuser to ${app.user}`);
      await tx.unsafe(`create schema if not exists ${viewsSchema} authorization ${app.user}`);
      await tx.unsafe(`alter schema ${viewsSchema} owner to ${app.user}`);
      await tx.unsafe(`revoke all on schema ${viewsSchema} from public`);
      await tx.unsafe(
        `alter default privileges for role ${app.user} in schema ${viewsSchema} grant select on tables to ${analyst.user}`,
      );
      await tx.unsafe(`grant usage on schema ${viewsSchema} to ${analyst.user}`);
      await tx.unsafe(`grant select on all tables in schema ${viewsSchema} to ${analyst.user}`);
    });
  } finally {
    await setup.end({ timeout: 5 });
  }

  const url = (login: DatabaseLogin) =>
    `postgres://${login.user}:${encodeURIComponent(login.password)}@${host}:${port}/${database}`;
  return {
    appUrl: url(app),
    analystUrl: url(analyst),
    shareWithAnalysts: async ({ views = [] } = {}) => {
      const sql = connect(database, password);
      try {
        await sql.begin(async (tx) => {
          await tx.unsafe(`grant usage on schema ${viewsSchema} to ${analyst.user}`);
          await tx.unsafe(`grant select on all tables in schema ${viewsSchema} to ${analyst.user}`);
          for (const view of views) {
            const [found] = await tx<{ schema: string; name: string; kind: string }[]>`
              select n.nspname as schema, c.relname as name, c.relkind as kind
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where c.oid = to_regclass(${view})`;
            if (found === undefined) continue;
            // Only views: granting a table by name here would hand analysts raw rows.
            if (found.kind !== "v" && found.kind !== "m")
              throw new PartStartError(
                "postgres",
                `${view} is not a view`,
                "share views with analysts, not tables",
              );
            await tx.unsafe(`grant usage on schema ${ident(found.schema)} to ${analyst.user}`);
            await tx.unsafe(`grant select on ${ident(found.schema)}.${ident(found.name)} to ${analyst.user}`);
          }
        });
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };

  /** The superuser's working password; a legacy one that still works is replaced by `superuser.password`. */
  async function superuserPassword(): Promise<string> {
    for (const candidate of [superuser.password, ...(superuser.legacyPasswords ?? [])]) {
      const sql = connect("postgres", candidate);
      try {
        await sql`select 1`;
        if (candidate !== superuser.password) {
          await sql.unsafe(
            `alter role ${ident(superuser.user)} with password ${literal(superuser.password)}`,
          );
          log("    replaced the superuser's built-in password by a generated one");
        }
        return superuser.password;
      } catch (error) {
        if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
      } finally {
        await sql.end({ timeout: 1 });
      }
    }
    throw new PartStartError(
      "postgres",
      `the cluster refuses the superuser's password${passwordsFile ? ` kept in ${passwordsFile}` : ""}`,
      "restore that file, or delete the data folder beside it to start afresh (the indexer then re-indexes)",
    );
  }
}

/**
 * Gives `app` every schema of the database the superuser owns — except the system's and `public` — and every
 * object in any such non-system schema the superuser owns. Returns how many schemas and objects changed hands.
 */
async function handOverSchemas(tx: postgres.TransactionSql, superuser: string, app: string): Promise<number> {
  const owner = tx`(select oid from pg_roles where rolname = ${superuser})`;
  const userSchemas = tx`n.nspname !~ '^pg_' and n.nspname not in ('information_schema', 'public')`;
  const statements: string[] = [];
  const collect = async (query: Promise<{ statement: string }[]>) => {
    for (const { statement } of await query) statements.push(statement);
  };
  await collect(tx`
    select format('alter schema %I owner to %I', n.nspname, ${app}::text) as statement
    from pg_namespace n where n.nspowner = ${owner} and ${userSchemas}`);
  // Tables first: they take their indexes, triggers, row types and owned sequences with them.
  await collect(tx`
    select format('alter %s %I.%I owner to %I',
      case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table'
        when 'S' then 'sequence' else 'table' end,
      n.nspname, c.relname, ${app}::text) as statement
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relowner = ${owner} and ${userSchemas} and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      and not (c.relkind = 'S' and exists (
        select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')))
    order by c.relkind = 'S'`);
  await collect(tx`
    select format('alter routine %I.%I(%s) owner to %I', n.nspname, p.proname,
      pg_get_function_identity_arguments(p.oid), ${app}::text) as statement
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.proowner = ${owner} and ${userSchemas}`);
  // Standalone types (enums, domains, ranges, composite types); a table's row type and array types follow their owner.
  await collect(tx`
    select format('alter type %I.%I owner to %I', n.nspname, t.typname, ${app}::text) as statement
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where t.typowner = ${owner} and ${userSchemas}
      and (t.typtype in ('e', 'd', 'r')
        or (t.typtype = 'c' and exists (select 1 from pg_class c where c.oid = t.typrelid and c.relkind = 'c')))`);
  for (const statement of statements) await tx.unsafe(statement);
  return statements.length;
}

function literal(value: string): string {
  if (value.includes("\0"))
    throw new PartStartError("postgres", "a password contains a NUL byte", "use another");
  return `'${value.replaceAll("'", "''")}'`;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
