import DataLoader from "dataloader";
import type { Sql } from "postgres";

/** A `derivative` view row (camel-cased; numeric(78) columns arrive as strings). */
export type DerivativeRow = {
  id: string;
  owner: `0x${string}`;
  ruleId: string;
  kind: number;
  weightBps: number;
  modelId: `0x${string}`;
  modelVersionHash: `0x${string}`;
  outputHash: `0x${string}`;
  featureCommitment: `0x${string}`;
  coreIds: string[];
  mintedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type DerivativeFilterKey = {
  owner?: `0x${string}` | undefined;
  kind?: number | undefined;
  certificate?: string | undefined;
};

export type DerivativePageKey = DerivativeFilterKey & { first: number; afterId?: string | undefined };

/**
 * Per-request loaders for derivatives. Pages are keyset pages on the id (newest first) over an index whatever the
 * filter, so a page costs the same at any table size; the total is counted only when a client selects it.
 */
export function createDerivativeLoaders(sql: Sql, schema: string) {
  const table = (name: string) => sql(`${schema}.${name}`);
  const where = (key: DerivativeFilterKey) => sql`
    ${key.owner === undefined ? sql`` : sql`and d.owner = ${key.owner}`}
    ${key.kind === undefined ? sql`` : sql`and d.kind = ${key.kind}`}
    ${
      key.certificate === undefined
        ? sql``
        : sql`and d.id in (select derivative_id from ${table("derivative_core")} where certificate_id = ${key.certificate}::numeric)`
    }`;

  const derivativeById = new DataLoader<string, DerivativeRow | undefined>(async (ids) => {
    const rows = await sql<DerivativeRow[]>`
      select * from ${table("derivative")} where id = any(${ids as string[]}::numeric[])`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });

  /** Derivative ids per certificate, newest first: one statement for every certificate of a level. */
  const derivativeIdsByCertificate = new DataLoader<string, string[]>(async (certificateIds) => {
    const rows = await sql<{ certificateId: string; derivativeId: string }[]>`
      select certificate_id as "certificateId", derivative_id as "derivativeId" from ${table("derivative_core")}
      where certificate_id = any(${certificateIds as string[]}::numeric[]) order by derivative_id desc`;
    return certificateIds.map((id) => rows.filter((r) => r.certificateId === id).map((r) => r.derivativeId));
  });

  const derivativePage = new DataLoader<
    DerivativePageKey,
    { rows: DerivativeRow[]; hasNextPage: boolean },
    string
  >(
    (keys) =>
      Promise.all(
        keys.map(async (key) => {
          const rows = await sql<DerivativeRow[]>`
            select * from ${table("derivative")} d where true ${where(key)}
              ${key.afterId === undefined ? sql`` : sql`and d.id < ${key.afterId}::numeric`}
            order by d.id desc limit ${key.first + 1}`;
          return { rows: rows.slice(0, key.first), hasNextPage: rows.length > key.first };
        }),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  const derivativeCount = new DataLoader<DerivativeFilterKey, number, string>(
    (keys) =>
      Promise.all(
        keys.map(async (key) => {
          const [{ count } = { count: "0" }] = await sql<{ count: string }[]>`
            select count(*) from ${table("derivative")} d where true ${where(key)}`;
          return Number(count);
        }),
      ),
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  return { derivativeById, derivativeIdsByCertificate, derivativePage, derivativeCount };
}
