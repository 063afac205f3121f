import { ApolloServer } from "@apollo/server";
import { GraphQLError } from "graphql";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdempotencyStore } from "../services/createIdempotencyStore.js";
import { type Caller, type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { mutationGuard } from "./mutationGuard.js";

/**
 * The guard around a tiny schema whose mutation counts what it "sends", on a real HTTP server and a real Postgres:
 * what matters is how many times the resolver ran and what each client got back.
 */
const typeDefs = /* GraphQL */ `
  type Query { sent: Int! }
  type Receipt { n: Int! amount: Int! }
  type Mutation { send(amount: Int!): Receipt! }
`;

let pg: TestPostgres;
let sql: postgres.Sql;
let servers: ServedApollo[] = [];
let sent = 0;
/** While set, `send` waits for it: the test decides when the first request finishes. */
let gate: Promise<void> | undefined;
/** `send` of this amount refuses with BUSY before sending anything. */
let busyAmount: number | undefined;

const SECRET = "the-gateway-secret";

async function start(options: { burst?: number; waitForRunningMs?: number; gatewaySecret?: string } = {}) {
  const server = new ApolloServer<{ caller: Caller }>({
    typeDefs,
    resolvers: {
      Query: { sent: () => sent },
      Mutation: {
        send: async (_: unknown, { amount }: { amount: number }) => {
          if (amount === busyAmount)
            throw new GraphQLError("the proving queue is full", {
              extensions: { code: "BUSY", retryAfterSeconds: 2 },
            });
          if (amount < 0)
            throw new GraphQLError("not yours", {
              extensions: { code: "NOT_AUTHORIZED", reason: "signature" },
            });
          await gate;
          sent += 1;
          return { n: sent, amount };
        },
      },
    },
    plugins: [
      mutationGuard({
        rateLimits: { mutationsPerMinute: 1, burst: options.burst ?? 100 },
        idempotency: createIdempotencyStore({ sql }),
        gatewaySecret: options.gatewaySecret,
        waitForRunningMs: options.waitForRunningMs,
        pollMs: 20,
      }),
    ],
  });
  const served = await serveApollo({
    server,
    port: 0,
    context: async (caller) => ({ caller }),
    readiness: async () => ({ ready: true }),
    maxBodyBytes: 100_000,
  });
  servers.push(served);
  return served.url;
}

type Sent = { status: number; retryAfter: string | null; body: string; json: Record<string, unknown> };

async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Sent> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body,
    json: JSON.parse(body),
  };
}

const SEND = "mutation Send($amount: Int!) { send(amount: $amount) { n amount } }";
const code = (r: Sent) =>
  (r.json.errors as { extensions: { code: string } }[] | undefined)?.[0]?.extensions.code;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 8, onnotice: () => {} });
  await createIdempotencyStore({ sql }).migrate();
});

afterAll(async () => {
  for (const served of servers) await served.stop();
  servers = [];
  await sql?.end();
  await pg?.teardown();
});

describe("mutationGuard: rate limits", () => {
  it("refuses a client over its burst with 429 RATE_LIMITED, Retry-After and no data, running nothing", async () => {
    const url = await start({ burst: 2 });
    const before = sent;
    const key = { "x-api-key": "client-a" };
    expect((await post(url, SEND, { amount: 1 }, key)).status).toBe(200);
    expect((await post(url, SEND, { amount: 1 }, key)).status).toBe(200);
    const refused = await post(url, SEND, { amount: 1 }, key);
    expect(refused.status).toBe(429);
    expect(refused.json).not.toHaveProperty("data");
    expect(code(refused)).toBe("RATE_LIMITED");
    // One mutation a minute: the next token is a minute away.
    expect(refused.json.errors).toMatchObject([{ extensions: { retryAfterSeconds: 60 } }]);
    expect(refused.retryAfter).toBe("60");
    expect(sent).toBe(before + 2);
    // Another API key has its own bucket; queries are not rate limited.
    expect((await post(url, SEND, { amount: 1 }, { "x-api-key": "client-b" })).status).toBe(200);
    expect((await post(url, "{ sent }", {}, key)).status).toBe(200);
    // Two mutation fields take two tokens.
    const two = await post(
      url,
      "mutation { a: send(amount: 1) { n } b: send(amount: 2) { n } }",
      {},
      {
        "x-api-key": "client-c",
      },
    );
    expect(two.status).toBe(200);
    expect(code(await post(url, SEND, { amount: 1 }, { "x-api-key": "client-c" }))).toBe("RATE_LIMITED");
  });

  it("believes x-forwarded-for only from a caller with the gateway secret", async () => {
    const url = await start({ burst: 1, gatewaySecret: SECRET });
    const from = (address: string, secret?: string) => ({
      "x-forwarded-for": address,
      ...(secret ? { "caldera-gateway-secret": secret } : {}),
    });
    // Forwarded by the gateway: two addresses, two buckets.
    expect((await post(url, SEND, { amount: 1 }, from("203.0.113.1", SECRET))).status).toBe(200);
    expect((await post(url, SEND, { amount: 1 }, from("203.0.113.2", SECRET))).status).toBe(200);
    expect((await post(url, SEND, { amount: 1 }, from("203.0.113.2", SECRET))).status).toBe(429);
    // Without the secret the header is a claim, not an address: both are this socket's loopback client.
    expect((await post(url, SEND, { amount: 1 }, from("198.51.100.1"))).status).toBe(200);
    expect((await post(url, SEND, { amount: 1 }, from("198.51.100.2", "guess"))).status).toBe(429);
  });
});

describe("mutationGuard: idempotency keys", () => {
  it("runs a keyed mutation once and replays its response byte for byte", async () => {
    const url = await start();
    const before = sent;
    const headers = { "idempotency-key": "7c1e6f0a-seq", "x-api-key": "client-idem" };
    const first = await post(url, SEND, { amount: 5 }, headers);
    const second = await post(url, SEND, { amount: 5 }, headers);
    // Key order of the variables is not part of the request.
    const third = await post(url, SEND, { amount: 5 }, { ...headers, "idempotency-key": '"7c1e6f0a-seq"' });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ data: { send: { n: before + 1, amount: 5 } } });
    expect(second.body).toBe(first.body);
    expect(third.body).toBe(first.body);
    expect(sent).toBe(before + 1);
    // The same key from another client is another key.
    const other = await post(url, SEND, { amount: 5 }, { ...headers, "x-api-key": "client-other" });
    expect(other.json).toMatchObject({ data: { send: { n: before + 2 } } });
  });

  it("refuses the key on another request with 422 IDEMPOTENCY_KEY_REUSED, running nothing", async () => {
    const url = await start();
    const headers = { "idempotency-key": "key-reused", "x-api-key": "client-idem" };
    await post(url, SEND, { amount: 1 }, headers);
    const before = sent;
    const reused = await post(url, SEND, { amount: 2 }, headers);
    expect(reused.status).toBe(422);
    expect(reused.json).not.toHaveProperty("data");
    expect(code(reused)).toBe("IDEMPOTENCY_KEY_REUSED");
    const otherQuery = await post(url, "mutation { send(amount: 1) { n } }", {}, headers);
    expect(code(otherQuery)).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(sent).toBe(before);
  });

  it("refuses a malformed key with 400 BAD_USER_INPUT, and ignores keys on queries", async () => {
    const url = await start();
    const before = sent;
    for (const key of ["", "   ", "x".repeat(256), "naïve"]) {
      const refused = await post(url, SEND, { amount: 1 }, { "idempotency-key": key });
      expect(refused.status, JSON.stringify(key)).toBe(400);
      expect(code(refused)).toBe("BAD_USER_INPUT");
    }
    expect(sent).toBe(before);
    expect((await post(url, "{ sent }", {}, { "idempotency-key": "" })).status).toBe(200);
    expect((await post(url, SEND, { amount: 1 }, { "idempotency-key": "x".repeat(255) })).status).toBe(200);
  });

  it("gives concurrent retries the one response of the one run", async () => {
    const url = await start();
    const before = sent;
    let open = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const headers = { "idempotency-key": "concurrent-1", "x-api-key": "client-idem" };
    const all = Promise.all(Array.from({ length: 5 }, () => post(url, SEND, { amount: 9 }, headers)));
    // Let every request reach the guard before the one that claimed the key finishes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    open();
    gate = undefined;
    const responses = await all;
    expect(sent).toBe(before + 1);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(responses[0]?.json).toMatchObject({ data: { send: { n: before + 1, amount: 9 } } });
  });

  it("answers 409 IDEMPOTENCY_KEY_IN_USE to a retry that waited too long, then the response once it is there", async () => {
    const url = await start({ waitForRunningMs: 100 });
    const before = sent;
    let open = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const headers = { "idempotency-key": "slow-1", "x-api-key": "client-idem" };
    const first = post(url, SEND, { amount: 3 }, headers);
    // The first request holds the key until the gate opens.
    while ((await sql`select 1 from caldera_hub.idempotency_key where key = 'slow-1'`).count === 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const retry = await post(url, SEND, { amount: 3 }, headers);
    expect(retry.status).toBe(409);
    expect(retry.json).not.toHaveProperty("data");
    expect(code(retry)).toBe("IDEMPOTENCY_KEY_IN_USE");
    expect(retry.retryAfter).toBe("1");
    open();
    gate = undefined;
    const done = await first;
    expect(done.status).toBe(200);
    expect((await post(url, SEND, { amount: 3 }, headers)).body).toBe(done.body);
    expect(sent).toBe(before + 1);
  });

  it("keeps no refusal that ran nothing (BUSY, RATE_LIMITED): a retry with the same key runs; a replay costs no token", async () => {
    const url = await start({ burst: 2 });
    const before = sent;
    const headers = { "idempotency-key": "busy-then-ok", "x-api-key": "client-busy" };
    busyAmount = 4;
    const refused = await post(url, SEND, { amount: 4 }, headers);
    busyAmount = undefined;
    expect(code(refused)).toBe("BUSY");
    expect(sent).toBe(before);
    const ran = await post(url, SEND, { amount: 4 }, headers);
    expect(ran.json).toMatchObject({ data: { send: { n: before + 1, amount: 4 } } });
    // Both tokens are spent, yet the replay answers: it sends nothing.
    expect((await post(url, SEND, { amount: 4 }, headers)).body).toBe(ran.body);
    const limited = await post(url, SEND, { amount: 4 }, { ...headers, "idempotency-key": "limited" });
    expect(code(limited)).toBe("RATE_LIMITED");
    const [row] = await sql`select count(*)::int as n from caldera_hub.idempotency_key where key = 'limited'`;
    expect(row?.n).toBe(0);
    expect(sent).toBe(before + 1);
  });

  it("keeps every other final response, a typed failure or a refusal beside a field that ran, and replays it", async () => {
    const url = await start();
    const failing = { "idempotency-key": "fails-once", "x-api-key": "client-fail" };
    const failed = await post(url, SEND, { amount: -1 }, failing);
    expect(code(failed)).toBe("NOT_AUTHORIZED");
    expect((await post(url, SEND, { amount: -1 }, failing)).body).toBe(failed.body);
    // One field sent, its sibling was BUSY: data is null (non-null payloads), yet a retry must not send again.
    busyAmount = 13;
    const both = "mutation { ok: send(amount: 1) { n } full: send(amount: 13) { n } }";
    const mixed = { "idempotency-key": "mixed", "x-api-key": "client-fail" };
    const before = sent;
    const partly = await post(url, both, {}, mixed);
    expect(partly.json).toMatchObject({ data: null, errors: [{ extensions: { code: "BUSY" } }] });
    expect(sent).toBe(before + 1);
    busyAmount = undefined;
    expect((await post(url, both, {}, mixed)).body).toBe(partly.body);
    expect(sent).toBe(before + 1);
  });
});
