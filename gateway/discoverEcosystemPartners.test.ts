import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { discoverEcosystemPartners } from "./discoverEcosystemPartners.js";

/** Against a real Postgres with the indexer's `ecosystem` view's columns (indexer/schema/risk.ts). */
let pg: TestPostgres;
let sql: postgres.Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  // As the stack's connection is made (createHubServices): camelCase transform.
  sql = postgres(pg.url, { max: 1, onnotice: () => {}, transform: postgres.camel });
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

describe("discoverEcosystemPartners", () => {
  it("finds none before the risk module is indexed (no view)", async () => {
    await sql`create schema views_none`;
    expect(await discoverEcosystemPartners({ sql, viewsSchema: "views_none" })()).toEqual([]);
  });

  it("lists active ecosystems with an http(s) subgraph URL as ecosystem-<id>, in id order", async () => {
    await sql`create schema views_risk`;
    await sql`create table views_risk.ecosystem (id integer primary key, name text not null, operator text not null,
      subgraph_url text not null, active boolean not null)`;
    await sql`insert into views_risk.ecosystem values
      (1, 'Caldera', '0x01', '', true),
      (3, 'Suspended L2', '0x03', 'http://127.0.0.1:4103/graphql', false),
      (2, 'Acme L2', '0x02', 'http://127.0.0.1:4102/graphql', true),
      (4, 'Odd', '0x04', 'file:///etc/passwd', true),
      (5, 'Platform', '0x05', ' https://risk.platform.example/graphql ', true)`;
    expect(await discoverEcosystemPartners({ sql, viewsSchema: "views_risk" })()).toEqual([
      { name: "ecosystem-2", url: "http://127.0.0.1:4102/graphql" },
      { name: "ecosystem-5", url: "https://risk.platform.example/graphql" },
    ]);
  });
});
