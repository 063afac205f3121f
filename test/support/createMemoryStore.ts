import { getTableColumns } from "drizzle-orm";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";

export type Row = Record<string, unknown>;

/**
 * ponder's store as the handlers use it (`find`, `insert … onConflictDoNothing/DoUpdate`, `update … set`), over maps
 * keyed by each table's primary key: the handler tests (indexer/*Handlers.test.ts) feed events to the real handlers
 * against it, without a database.
 */
export function createMemoryStore() {
  const data = new Map<PgTable, Map<string, Row>>();
  const primaryKeyOf = (table: PgTable) => {
    const config = getTableConfig(table);
    const pkColumns = new Set(
      (config.primaryKeys[0]?.columns ?? config.columns.filter((c) => c.primary)).map((c) => c.name),
    );
    return Object.entries(getTableColumns(table))
      .filter(([, column]) => pkColumns.has(column.name))
      .map(([key]) => key);
  };
  const rowsOf = (table: PgTable) => {
    const rows = data.get(table) ?? new Map<string, Row>();
    data.set(table, rows);
    return rows;
  };
  const keyOf = (table: PgTable, row: Row) =>
    primaryKeyOf(table)
      .map((k) => String(row[k]))
      .join("|");
  const change = (existing: Row, update: Row | ((row: Row) => Row)) => ({
    ...existing,
    ...(typeof update === "function" ? update(existing) : update),
  });
  const db = {
    find: async (table: PgTable, key: Row) => rowsOf(table).get(keyOf(table, key)) ?? null,
    insert: (table: PgTable) => ({
      values: (row: Row) => {
        const write = (onConflict: "error" | "nothing" | Row | ((row: Row) => Row)) => {
          const rows = rowsOf(table);
          const key = keyOf(table, row);
          const existing = rows.get(key);
          if (existing === undefined) rows.set(key, { ...row });
          else if (onConflict === "error") throw new Error(`unique constraint: ${key}`);
          else if (onConflict !== "nothing") rows.set(key, change(existing, onConflict));
        };
        return {
          // biome-ignore lint/suspicious/noThenProperty: ponder's insert is awaitable as it is
          then: (resolve: () => void, reject: (e: unknown) => void) => {
            try {
              write("error");
              resolve();
            } catch (error) {
              reject(error);
            }
          },
          onConflictDoNothing: async () => write("nothing"),
          onConflictDoUpdate: async (update: Row | ((row: Row) => Row)) => write(update),
        };
      },
    }),
    update: (table: PgTable, key: Row) => ({
      set: async (update: Row | ((row: Row) => Row)) => {
        const rows = rowsOf(table);
        const existing = rows.get(keyOf(table, key));
        if (existing === undefined) throw new Error(`no row ${keyOf(table, key)}`);
        rows.set(keyOf(table, key), change(existing, update));
      },
    }),
  };
  const all = (table: unknown) => [...rowsOf(table as PgTable).values()];
  const one = (table: unknown, key: Row) => rowsOf(table as PgTable).get(keyOf(table as PgTable, key));
  return { db, all, one };
}
