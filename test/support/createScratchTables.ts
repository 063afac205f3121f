import { is } from "drizzle-orm";
import { getTableConfig, type PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import * as ponderSchema from "../../indexer/ponder.schema.js";

/**
 * Creates, in `schema`, a table for every table of the indexer's ponder schema, with its columns, primary key and
 * indexes as ponder declares them (indexer/ponder.schema.ts, read through drizzle, as ponder itself does), plus
 * ponder's `_ponder_checkpoint`. The subgraph reads it as it reads the views schema, so a test or bench can fill it
 * with generated rows and query the indexes ponder would build, without a chain or an indexer. The caller drops it
 * (`drop schema … cascade`).
 */
export async function createScratchTables(sql: Sql, schema: string): Promise<string[]> {
  const created: string[] = [];
  await sql`create schema if not exists ${sql(schema)}`;
  for (const value of Object.values(ponderSchema)) {
    if (!is(value, PgTable)) continue;
    const config = getTableConfig(value);
    const quoted = (column: PgColumn) => `"${column.name}"`;
    const primaryKey = config.primaryKeys[0]?.columns ?? config.columns.filter((column) => column.primary);
    const columns = config.columns.map(
      (column) => `"${column.name}" ${column.getSQLType()}${column.notNull ? " not null" : ""}`,
    );
    const target = `"${schema}"."${config.name}"`;
    await sql.unsafe(
      `create table ${target} (${[...columns, `primary key (${primaryKey.map(quoted).join(", ")})`].join(", ")})`,
    );
    for (const index of config.indexes) {
      const parts = index.config.columns.map((column) => {
        const order = (column as PgColumn & { indexConfig?: { order?: string } }).indexConfig?.order;
        return `${quoted(column as PgColumn)}${order === "desc" ? " desc" : ""}`;
      });
      await sql.unsafe(`create index on ${target} (${parts.join(", ")})`);
    }
    created.push(config.name);
  }
  await sql.unsafe(`create table "${schema}"."_ponder_checkpoint" (
    chain_name text primary key, chain_id bigint not null, safe_checkpoint varchar(75) not null,
    latest_checkpoint varchar(75) not null, finalized_checkpoint varchar(75) not null)`);
  return created;
}
