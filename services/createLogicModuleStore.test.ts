import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalHash } from "../models/canonicalJson.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { createLogicModuleStore } from "./createLogicModuleStore.js";

let pg: TestPostgres;
let sql: postgres.Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

const module = {
  format: "caldera-logic/v1",
  kind: "pipeline",
  name: "gap-filling",
  steps: [
    { op: "fillGaps", method: "linear", maxGap: 6 },
    { op: "clamp", min: -0.5, max: 1e21 },
  ],
};

describe("createLogicModuleStore", () => {
  it("puts a module under its canonical hash, gets it back verified, first write wins", async () => {
    const store = createLogicModuleStore(sql);
    const hash = await store.put(module);
    expect(hash).toBe(canonicalHash(module));
    const stored = await store.get(hash);
    expect(stored?.module).toEqual(module);
    expect(stored?.publishedAt).toBeInstanceOf(Date);
    // Key order does not change the content, so not the hash either.
    expect(
      await store.put({ steps: module.steps, name: module.name, kind: module.kind, format: module.format }),
    ).toBe(hash);
    expect(await store.get(hash.toUpperCase().replace("0X", "0x"))).toEqual(stored);
    expect(await store.get(`0x${"ab".repeat(32)}`)).toBeUndefined();
    expect(await store.get("0x12")).toBeUndefined();
  });

  it("refuses what it cannot hash, naming the path", async () => {
    const store = createLogicModuleStore(sql);
    await expect(store.put({ ...module, steps: [{ op: "clamp", min: Number.NaN }] })).rejects.toMatchObject({
      code: "INVALID_MODULE",
      details: { path: "$.steps[0].min" },
    });
    await expect(store.put([module])).rejects.toMatchObject({
      code: "INVALID_MODULE",
      details: { path: "$" },
    });
  });

  it("a row altered in the database is MODULE_HASH_MISMATCH on read", async () => {
    const store = createLogicModuleStore(sql);
    const hash = await store.put({ ...module, name: "to-alter" });
    await sql`update caldera_hub.logic_module set module = jsonb_set(module, '{name}', '"altered"') where hash = ${hash}`;
    await expect(store.get(hash)).rejects.toMatchObject({
      code: "MODULE_HASH_MISMATCH",
      details: { expected: hash, got: canonicalHash({ ...module, name: "altered" }) },
    });
  });
});
