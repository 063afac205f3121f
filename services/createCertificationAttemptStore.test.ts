import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import {
  type CertificationAttempt,
  createCertificationAttemptStore,
} from "./createCertificationAttemptStore.js";

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

const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const other = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const commitment = `0x${"AB".repeat(32)}` as const;

const attempt = (overrides: Partial<CertificationAttempt> = {}): CertificationAttempt => ({
  provider,
  datasetCommitment: commitment,
  outcome: "ACCEPTED",
  errorCode: null,
  attemptedAt: 1_800_000_000,
  ...overrides,
});

describe("createCertificationAttemptStore", () => {
  it("records attempts and gives a provider's newest first, at most `limit`, for that provider only", async () => {
    const store = createCertificationAttemptStore({ sql });
    await store.migrate();
    await store.migrate(); // idempotent
    await store.record(attempt({ attemptedAt: 100 }));
    await store.record(
      attempt({ attemptedAt: 300, outcome: "REJECTED", errorCode: "BELOW_FLOOR", datasetCommitment: null }),
    );
    await store.record(attempt({ attemptedAt: 200, outcome: "REJECTED", errorCode: "INVALID_PROOF" }));
    await store.record(attempt({ attemptedAt: 300 })); // same second: the later insert is newer
    await store.record(attempt({ provider: other, attemptedAt: 400 }));
    // The same refused dataset again (a replayed signed claim): kept once.
    await store.record(attempt({ attemptedAt: 250, outcome: "REJECTED", errorCode: "BELOW_FLOOR" }));

    const recent = await store.recentFor(provider.toLowerCase() as `0x${string}`, 10);
    expect(recent.map((a) => [a.attemptedAt, a.outcome, a.errorCode])).toEqual([
      [300, "ACCEPTED", null],
      [300, "REJECTED", "BELOW_FLOOR"],
      [200, "REJECTED", "INVALID_PROOF"],
      [100, "ACCEPTED", null],
    ]);
    expect(recent[0]).toMatchObject({
      provider: provider.toLowerCase(),
      datasetCommitment: commitment.toLowerCase(),
      id: expect.stringMatching(/^\d+$/),
    });
    expect(recent[1]?.datasetCommitment).toBeNull();
    expect((await store.recentFor(provider, 2)).map((a) => a.attemptedAt)).toEqual([300, 300]);
    expect(await store.recentFor(other, 10)).toHaveLength(1);
    expect(await store.recentFor("0x0000000000000000000000000000000000000001", 10)).toEqual([]);
  });

  it("never throws from record: a refused insert is logged and dropped", async () => {
    const lines: { fields: object; message: string }[] = [];
    const store = createCertificationAttemptStore({
      sql,
      logger: { warn: (fields, message) => lines.push({ fields, message }) },
    });
    await store.migrate();
    const [before] = await sql`select count(*)::int as n from caldera_hub.certification_attempt`;
    // An ACCEPTED attempt with an error code breaks the table's check: Postgres refuses the row.
    await expect(store.record(attempt({ errorCode: "BELOW_FLOOR" }))).resolves.toBeUndefined();
    expect(lines).toEqual([
      {
        fields: expect.objectContaining({ provider, outcome: "ACCEPTED", errorCode: "BELOW_FLOOR" }),
        message: "certification attempt not recorded",
      },
    ]);
    // A store whose table was never created (another schema): still no throw.
    const missing = createCertificationAttemptStore({
      sql,
      schema: "no_such_schema",
      logger: { warn: (fields, message) => lines.push({ fields, message }) },
    });
    await expect(missing.record(attempt())).resolves.toBeUndefined();
    expect(lines).toHaveLength(2);
    const [after] = await sql`select count(*)::int as n from caldera_hub.certification_attempt`;
    expect(after?.n).toBe(before?.n);
  });
});
