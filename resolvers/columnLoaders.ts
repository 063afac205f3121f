import DataLoader from "dataloader";
import type { Row, Sql } from "postgres";

export type ColumnLoadersParameters = { sql: Sql; schema: string };

/**
 * Per-request loaders over one key column of an indexer table: `byKey` (one row per key) and `groupedBy` (every row
 * per key, or its first `limit`, in `order`), each one statement for all the keys a level of the query asks for.
 */
export function columnLoaders({ sql, schema }: ColumnLoadersParameters) {
  const table = (name: string) => sql(`${schema}.${name}`);
  const byKey = <R extends Row>(
    name: string,
    column: string,
    type: "numeric" | "text" | "int",
    keyOf: (row: R) => string,
  ) =>
    new DataLoader<string, R | undefined>(async (keys) => {
      const rows = await sql<R[]>`
        select * from ${table(name)} where ${sql(column)} = any(${keys as string[]}::${sql.unsafe(type)}[])`;
      const found = new Map(rows.map((row) => [keyOf(row), row]));
      return keys.map((key) => found.get(key));
    });
  const groupedBy = <R extends Row>(
    name: string,
    column: string,
    type: "numeric" | "text" | "int",
    keyOf: (row: R) => string,
    order: string,
    /** At most this many rows per key, each key's read on the index (`column`, `order`…) and stopped there. */
    limit?: number,
  ) =>
    new DataLoader<string, R[]>(async (keys) => {
      const rows =
        limit === undefined
          ? await sql<R[]>`
        select * from ${table(name)} where ${sql(column)} = any(${keys as string[]}::${sql.unsafe(type)}[])
        order by ${sql.unsafe(order)}`
          : await sql<R[]>`
        select t.* from unnest(${keys as string[]}::${sql.unsafe(type)}[]) as k(key)
        cross join lateral (
          select * from ${table(name)} where ${sql(column)} = k.key order by ${sql.unsafe(order)} limit ${limit}
        ) t`;
      const groups = new Map<string, R[]>(keys.map((key) => [key, []]));
      for (const row of rows) groups.get(keyOf(row))?.push(row);
      return keys.map((key) => groups.get(key) ?? []);
    });
  return { byKey, groupedBy };
}
