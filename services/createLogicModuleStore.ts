import type { Sql } from "postgres";
import type { Hex } from "viem";
import { BaseError } from "../errors/BaseError.js";
import { canonicalHash, canonicalJson } from "../models/canonicalJson.js";

/** Largest logic module kept (its canonical JSON, bytes): a 1 MiB wasm binary in base64 and some room. */
export const MAX_LOGIC_MODULE_BYTES = 1_500_000;

export type StoredLogicModule = { hash: Hex; module: Record<string, unknown>; publishedAt: Date };

export type LogicModuleStore = {
  /** Creates the table; `put` and `get` also do it once on first use. */
  migrate: () => Promise<void>;
  /**
   * Keeps a module under its content hash (canonicalHash of its JSON, bytes32) and returns the hash; the same
   * module twice keeps the first row. The module's meaning is checked by the caller (parseLogicModule): the store
   * only refuses what it cannot hash or keep (INVALID_MODULE).
   */
  put: (module: unknown) => Promise<Hex>;
  /**
   * The module stored under `hash`, or undefined (also for a malformed hash). Its JSON is hashed again on every
   * read: a row whose content no longer hashes to its key (edited in the database) is MODULE_HASH_MISMATCH.
   */
  get: (hash: Hex | string) => Promise<StoredLogicModule | undefined>;
};

const HASH = /^0x[0-9a-f]{64}$/;

/**
 * Content-addressed logic modules in the hub's own schema (`caldera_hub.logic_module`): the chain names a
 * component's logic and an absorption only by hash; the hub keeps the module behind the hash so anyone can fetch,
 * check and run it.
 */
export function createLogicModuleStore(
  sql: Sql,
  { schema = "caldera_hub" }: { schema?: string } = {},
): LogicModuleStore {
  const table = sql(`${schema}.logic_module`);
  let migrated: Promise<void> | undefined;
  const migrate = async () => {
    await sql`create schema if not exists ${sql(schema)}`;
    await sql`create table if not exists ${table} (
      hash text primary key check (hash ~ '^0x[0-9a-f]{64}$'),
      module jsonb not null,
      published_at timestamptz not null default now()
    )`;
  };
  const ready = () => {
    migrated ??= migrate().catch((error) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  };
  return {
    migrate: () => {
      migrated = migrate();
      return migrated;
    },
    put: async (module) => {
      if (typeof module !== "object" || module === null || Array.isArray(module))
        throw invalid("$", "must be a logic module object");
      let text: string;
      try {
        text = canonicalJson(module);
      } catch (error) {
        // canonicalJson refuses non-finite numbers and non-JSON values, naming the path (ModelInputError.field).
        const field = (error as { field?: string }).field ?? "$";
        throw invalid(field, (error as Error).message.slice(field.length).trim());
      }
      if (Buffer.byteLength(text) > MAX_LOGIC_MODULE_BYTES)
        throw invalid("$", `is larger than ${MAX_LOGIC_MODULE_BYTES} bytes`);
      const hash = canonicalHash(module);
      await ready();
      await sql`insert into ${table} (hash, module) values (${hash}, ${sql.json(JSON.parse(text))})
        on conflict (hash) do nothing`;
      return hash;
    },
    get: async (hash) => {
      const key = String(hash).toLowerCase();
      if (!HASH.test(key)) return undefined;
      await ready();
      const [row] = await sql<{ module: Record<string, unknown>; published_at: Date }[]>`
        select module, published_at from ${table} where hash = ${key}`;
      if (row === undefined) return undefined;
      const got = canonicalHash(row.module);
      if (got !== key)
        throw new BaseError(`The logic module stored under ${key} hashes to ${got}: it was altered`, {
          code: "MODULE_HASH_MISMATCH",
          details: { expected: key, got },
        });
      return { hash: key as Hex, module: row.module, publishedAt: row.published_at };
    },
  };
}

function invalid(path: string, problem: string) {
  return new BaseError(`${path} ${problem}`, { code: "INVALID_MODULE", details: { path } });
}
