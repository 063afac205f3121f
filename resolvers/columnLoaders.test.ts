import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { columnLoaders } from "./columnLoaders.js";

const SCHEMA = "column_loaders_test";
let pg: TestPostgres;
let sql: Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  await sql.unsafe(`create schema ${SCHEMA}; create table ${SCHEMA}.item (owner text, id int primary key);
    create index on ${SCHEMA}.item (owner, id)`);
  // owner a: 1..250, owner b: 1001..1003, owner c: none
  await sql.unsafe(`insert into ${SCHEMA}.item select 'a', g from generate_series(1, 250) g;
    insert into ${SCHEMA}.item values ('b', 1003), ('b', 1001), ('b', 1002); analyze ${SCHEMA}.item`);
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

type Item = { owner: string; id: number };

describe("columnLoaders.groupedBy", () => {
  it("gives every row per key in order, one statement for all keys, [] for a key without rows", async () => {
    const { groupedBy } = columnLoaders({ sql, schema: SCHEMA });
    const loader = groupedBy<Item>("item", "owner", "text", (r) => r.owner, "owner, id desc");
    const [a, b, c] = await Promise.all([loader.load("a"), loader.load("b"), loader.load("c")]);
    expect(a).toHaveLength(250);
    expect(b.map((r) => r.id)).toEqual([1003, 1002, 1001]);
    expect(c).toEqual([]);
  });

  it("with a limit, at most that many per key, the first in order, each key's read stopped on the index", async () => {
    const { groupedBy } = columnLoaders({ sql, schema: SCHEMA });
    const loader = groupedBy<Item>("item", "owner", "text", (r) => r.owner, "owner, id desc", 2);
    const [a, b, c] = await Promise.all([loader.load("a"), loader.load("b"), loader.load("c")]);
    expect(a.map((r) => r.id)).toEqual([250, 249]);
    expect(b.map((r) => r.id)).toEqual([1003, 1002]);
    expect(c).toEqual([]);
  });
});
