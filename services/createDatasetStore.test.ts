import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { createDatasetStore } from "./createDatasetStore.js";

let pg: TestPostgres;
let sql: postgres.Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

const commitment = `0x${"ab".repeat(32)}` as const;
const dataset = { schemaId: "soil-moisture", readings: [{ observedAt: 1, value: 2.5, deliveredAt: 3 }] };

describe("createDatasetStore", () => {
  it("keeps a dataset by its commitment, first write wins, and serves analysts a summary without readings", async () => {
    const store = createDatasetStore({ sql });
    await store.migrate();
    await store.migrate();
    const entry = {
      commitment,
      provider: "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const,
      schemaId: "soil-moisture",
      windowStart: 1_780_272_000,
      slotSeconds: 900,
      dataset,
      presentSlots: 1,
    };
    await store.put(entry);
    await store.put({ ...entry, presentSlots: 99, dataset: { other: true } });
    expect(await store.get(commitment)).toEqual({
      ...entry,
      provider: entry.provider.toLowerCase(),
    });
    expect(await store.get(`0x${"cd".repeat(32)}`)).toBeUndefined();
    const columns = await sql`select column_name from information_schema.columns
      where table_schema = 'caldera_hub' and table_name = 'dataset_summary' order by ordinal_position`;
    expect(columns.map((c) => c.column_name)).not.toContain("dataset");
    await expect(store.put({ ...entry, commitment: "0x1234" as `0x${string}` })).rejects.toThrow(
      /check constraint/,
    );
  });
});
