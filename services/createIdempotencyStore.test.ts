import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { createIdempotencyStore, type IdempotencyStore } from "./createIdempotencyStore.js";

let pg: TestPostgres;
let sql: postgres.Sql;
let store: IdempotencyStore;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 6, onnotice: () => {} });
  store = createIdempotencyStore({ sql });
  await store.migrate();
  await store.migrate();
});

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

const response = { status: 200, body: '{"data":{"certifyCore":{"certificate":{"id":"7"}}}}\n' };

describe("createIdempotencyStore", () => {
  it("claims a new key, then answers running, then the stored response byte for byte", async () => {
    const request = { client: "key:abc", key: "k-1", fingerprint: "f1" };
    expect(await store.claim(request)).toEqual({ state: "claimed" });
    expect(await store.claim(request)).toMatchObject({ state: "running" });
    await store.complete(request, response);
    expect(await store.claim(request)).toEqual({ state: "completed", response });
    // Completing again changes nothing: the first final response is the one retries get.
    await store.complete(request, { status: 200, body: "other" });
    expect(await store.claim(request)).toEqual({ state: "completed", response });
  });

  it("refuses the key for another request, running or completed", async () => {
    const request = { client: "key:abc", key: "k-2", fingerprint: "f1" };
    expect(await store.claim(request)).toEqual({ state: "claimed" });
    expect(await store.claim({ ...request, fingerprint: "f2" })).toEqual({ state: "mismatch" });
    await store.complete(request, response);
    expect(await store.claim({ ...request, fingerprint: "f2" })).toEqual({ state: "mismatch" });
  });

  it("scopes keys to their client", async () => {
    const request = { client: "ip:10.1.1.1", key: "shared", fingerprint: "f1" };
    expect(await store.claim(request)).toEqual({ state: "claimed" });
    expect(await store.claim({ ...request, client: "ip:10.1.1.2", fingerprint: "f9" })).toEqual({
      state: "claimed",
    });
  });

  it("frees a released key for the next claim, and never releases a completed one", async () => {
    const request = { client: "key:abc", key: "k-3", fingerprint: "f1" };
    expect(await store.claim(request)).toEqual({ state: "claimed" });
    await store.release(request);
    expect(await store.claim({ ...request, fingerprint: "f2" })).toEqual({ state: "claimed" });
    await store.complete(request, response);
    await store.release(request);
    expect(await store.claim({ ...request, fingerprint: "f2" })).toEqual({ state: "completed", response });
  });

  it("forgets a key once it expired, and prunes expired keys", async () => {
    const request = { client: "key:abc", key: "k-4", fingerprint: "f1" };
    await store.claim(request);
    await store.complete(request, response);
    const other = { client: "key:def", key: "k-5", fingerprint: "f1" };
    await store.claim(other);
    const [row] = await sql`select extract(epoch from expires_at - claimed_at)::int as ttl
      from caldera_hub.idempotency_key where key = 'k-4'`;
    expect(row?.ttl).toBe(24 * 60 * 60);
    // 24 h later, as far as these two keys know.
    await sql`update caldera_hub.idempotency_key set expires_at = now() - interval '1 second'
      where key in ('k-4', 'k-5')`;
    expect(await store.claim({ ...request, fingerprint: "f2" })).toEqual({ state: "claimed" });
    // At most once a minute a claim prunes by itself: k-5 may be gone already.
    expect(await store.prune()).toBeLessThanOrEqual(1);
    const [left] = await sql`select count(*)::int as n from caldera_hub.idempotency_key where key = 'k-5'`;
    expect(left?.n).toBe(0);
  });

  it("gives a key to exactly one of many concurrent claims", async () => {
    for (let round = 0; round < 5; round++) {
      const request = { client: "key:race", key: `race-${round}`, fingerprint: "f1" };
      const claims = await Promise.all(Array.from({ length: 6 }, () => store.claim(request)));
      expect(claims.filter((c) => c.state === "claimed")).toHaveLength(1);
      expect(claims.filter((c) => c.state === "running")).toHaveLength(5);
    }
  });

  it("migrates once when replicas start at once", async () => {
    const replicas = Array.from({ length: 4 }, () => createIdempotencyStore({ sql, schema: "replica_race" }));
    await Promise.all(replicas.map((replica) => replica.migrate()));
    expect(await replicas[1]?.claim({ client: "ip:10.0.0.1", key: "k", fingerprint: "f" })).toEqual({
      state: "claimed",
    });
  });

  it("refuses a key longer than 255 characters at the database too", async () => {
    await expect(store.claim({ client: "key:abc", key: "x".repeat(256), fingerprint: "f1" })).rejects.toThrow(
      /check constraint/,
    );
  });
});
