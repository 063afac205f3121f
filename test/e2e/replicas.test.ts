import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_SECRET_HEADER } from "../../guard/gatewaySecret.js";
import { startSubgraph } from "../../resolvers/startSubgraph.js";
import { getFreePort } from "../../stack/getFreePort.js";
import { registerProviderAs } from "../support/certifyAs.js";
import {
  type CalderaPart,
  spawnCalderaPart,
  subgraphEnvironmentOf,
  waitReady,
} from "../support/spawnCalderaPart.js";
import { startTestPostgres } from "../support/startTestPostgres.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * Scale-out as production runs it: the stack's Postgres, chain and ponder; two `caldera subgraph` processes on
 * them; one `caldera gateway` process over both. One replica is killed (SIGKILL) under load and the other is then
 * stopped with SIGTERM while a request is half sent.
 */

const secret = randomBytes(24).toString("base64url");
const QUERY = `{ certificates(first: 5) { totalCount edges { node { id } } } derivationRules { id thresholdBps } }`;

type Part = CalderaPart;

let stack: TestStack;
let configDir: string;
const parts: Part[] = [];

/** A part, remembered so that `afterAll` kills whatever is still running. */
async function spawnPart(
  name: string,
  command: "subgraph" | "gateway",
  env: Record<string, string>,
  port: number,
): Promise<Part> {
  const part = spawnCalderaPart(name, command, env, port);
  const started = await part;
  parts.push(started);
  return started;
}

/** How many GraphQL requests a server counted (`graphql_requests_total`, every label). */
async function servedCount(url: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("graphql_requests_total"))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

let replicaA: Part;
let replicaB: Part;
let gateway: Part;
let subgraphEnv: Record<string, string>;
/** Replica C's port: listed in the gateway from the start, started only to replace B (a rolling restart). */
let portC: number;

beforeAll(async () => {
  stack = await startTestStack();
  configDir = mkdtempSync(join(tmpdir(), "caldera-replicas-"));
  const config = join(configDir, "caldera.config.json");
  writeFileSync(config, JSON.stringify({ viewsSchema: "caldera", partners: [] }));
  subgraphEnv = subgraphEnvironmentOf(stack, { config, secret });
  // Both at once, as an orchestrator starts them: their migrations must not race.
  [replicaA, replicaB] = await Promise.all([
    getFreePort().then((port) => spawnPart("replica A", "subgraph", subgraphEnv, port)),
    getFreePort().then((port) => spawnPart("replica B", "subgraph", subgraphEnv, port)),
  ]);
  portC = await getFreePort();
  gateway = await spawnPart(
    "gateway",
    "gateway",
    {
      CALDERA_SUBGRAPH_URLS: `${replicaA.url},${replicaB.url},http://127.0.0.1:${portC}/graphql`,
      CALDERA_GATEWAY_SECRET: secret,
      CALDERA_CONFIG: config,
    },
    await getFreePort(),
  );
  await waitReady(gateway.url);
});

afterAll(async () => {
  for (const part of parts)
    if (part.child.exitCode === null && part.child.signalCode === null) part.child.kill("SIGKILL");
  await Promise.all(parts.map((p) => p.exited));
  if (configDir) rmSync(configDir, { recursive: true, force: true });
  await stack?.teardown();
});

type Outcome = { ok: boolean; startedAt: number; endedAt: number; detail: string };

async function query(): Promise<Outcome> {
  const startedAt = performance.now();
  try {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
    const ok = response.status === 200 && body.errors === undefined && body.data != null;
    return {
      ok,
      startedAt,
      endedAt: performance.now(),
      detail: ok ? "" : JSON.stringify(body).slice(0, 300),
    };
  } catch (error) {
    return { ok: false, startedAt, endedAt: performance.now(), detail: String(error) };
  }
}

describe("N subgraph replicas behind the gateway", () => {
  it("both replicas serve; SIGKILL of one under load fails no request and the survivor serves the rest", async () => {
    const outcomes: Outcome[] = [];
    let running = true;
    const clients = Array.from({ length: 20 }, async () => {
      while (running) outcomes.push(await query());
    });
    await new Promise((r) => setTimeout(r, 2_000));
    // Round robin: the replica about to die has served its share.
    const servedByA = await servedCount(replicaA.url);
    const survivorBefore = await servedCount(replicaB.url);
    const killedAt = performance.now();
    replicaA.child.kill("SIGKILL");
    expect((await replicaA.exited).signal).toBe("SIGKILL");
    await new Promise((r) => setTimeout(r, 3_000));
    running = false;
    await Promise.all(clients);
    const survivorAfter = await servedCount(replicaB.url);

    const failures = outcomes.filter((o) => !o.ok);
    const inFlightAtKill = outcomes.filter((o) => o.startedAt <= killedAt && o.endedAt >= killedAt);
    const afterKill = outcomes.filter((o) => o.startedAt > killedAt);
    process.stdout.write(
      `replicas: ${outcomes.length} requests, ${failures.length} failed, ${inFlightAtKill.length} in flight at the kill, ` +
        `${afterKill.length} after it; replica A served ${servedByA} before dying\n`,
    );
    expect(servedByA).toBeGreaterThan(0);
    expect(afterKill.length).toBeGreaterThan(0);
    // Only a request in flight on the killed replica may fail; the retry on the other replica should save even those.
    expect(failures.every((f) => f.startedAt <= killedAt && f.endedAt >= killedAt)).toBe(true);
    expect(failures.map((f) => f.detail)).toEqual([]);
    // Everything after the kill was answered, and by the survivor: the only replica left, whose count grew by as much.
    expect(afterKill.every((o) => o.ok)).toBe(true);
    expect(survivorAfter - survivorBefore).toBeGreaterThanOrEqual(afterKill.length);
    expect((await fetch(new URL("/health", replicaB.url))).status).toBe(200);
    expect((await fetch(new URL("/ready", gateway.url))).status).toBe(200);
  });

  it("SIGTERM drains (a rolling restart): the request in flight completes, no request fails, the replica exits 0", async () => {
    // A rolling restart: C comes up, then B is stopped under load. The gateway tries C again once its 5 s pass.
    const replicaC = await spawnPart("replica C", "subgraph", subgraphEnv, portC);
    const deadline = Date.now() + 60_000;
    while ((await servedCount(replicaC.url)) === 0 && Date.now() < deadline) await query();
    expect(await servedCount(replicaC.url)).toBeGreaterThan(0);
    const outcomes: Outcome[] = [];
    let running = true;
    const clients = Array.from({ length: 10 }, async () => {
      while (running) outcomes.push(await query());
    });
    const body = JSON.stringify({ query: QUERY });
    const { port } = new URL(replicaB.url);
    const answer = new Promise<{ status: number; text: string; connection: string | undefined }>(
      (resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            path: "/graphql",
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              [GATEWAY_SECRET_HEADER]: secret,
            },
          },
          (res) => {
            let text = "";
            res
              .on("data", (c) => (text += c))
              .on("end", () =>
                resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }),
              );
          },
        );
        req.on("error", reject);
        // Half the body now: the request is in flight (headers read, body pending) when SIGTERM arrives.
        req.write(body.slice(0, 20));
        const rest = () => req.end(body.slice(20));
        const started = Date.now();
        const timer = setInterval(() => {
          if (replicaB.output.some((l) => l.includes("SIGTERM: draining")) || Date.now() - started > 30_000) {
            clearInterval(timer);
            // A moment for the server to have closed its listener before the rest of the body arrives.
            setTimeout(rest, 300);
          }
        }, 25);
        setTimeout(() => replicaB.child.kill("SIGTERM"), 200);
      },
    );
    const result = await answer;
    await replicaB.exited;
    const stoppedAt = performance.now();
    const cBefore = await servedCount(replicaC.url);
    await new Promise((r) => setTimeout(r, 1_500));
    running = false;
    await Promise.all(clients);
    const afterStop = outcomes.filter((o) => o.startedAt > stoppedAt);
    // Draining fails nothing: not the request in flight, not the load around it.
    expect(outcomes.filter((o) => !o.ok).map((o) => o.detail)).toEqual([]);
    expect(afterStop.length).toBeGreaterThan(0);
    expect((await servedCount(replicaC.url)) - cBefore).toBeGreaterThanOrEqual(afterStop.length);
    expect(replicaB.output.some((l) => l.includes("SIGTERM: draining"))).toBe(true);
    expect(result.status).toBe(200);
    expect(JSON.parse(result.text)).toMatchObject({ data: { certificates: { edges: expect.any(Array) } } });
    expect(result.connection).toBe("close");
    expect(await replicaB.exited).toEqual({ code: 0, signal: null });
    expect(replicaB.output.some((l) => l.includes("caldera subgraph: stopped"))).toBe(true);
    await expect(fetch(new URL("/health", replicaB.url))).rejects.toThrow();
  });

  it("with a read replica, queries read it and a mutation reads back its write on the primary", async () => {
    // A replica that lags: the provider view's shape, none of its rows (another Postgres, as a replica would be).
    const replica = await startTestPostgres();
    const primary = postgres(stack.postgresUrl, { max: 1, onnotice: () => {} });
    const sql = postgres(stack.postgresUrl, { transform: postgres.camel, max: 2, onnotice: () => {} });
    const readSql = postgres(replica.url, { transform: postgres.camel, max: 2, onnotice: () => {} });
    let served: Awaited<ReturnType<typeof startSubgraph>> | undefined;
    try {
      const columns = await primary<{ name: string; type: string }[]>`
        select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
        where attrelid = 'caldera.provider'::regclass and attnum > 0 and not attisdropped order by attnum`;
      await readSql.unsafe(
        `drop schema if exists caldera cascade; create schema caldera; create table caldera.provider (${columns.map((c) => `"${c.name}" ${c.type}`).join(", ")})`,
      );
      served = await startSubgraph({ sql, readSql, viewsSchema: "caldera", hub: stack.hub, port: 0 });
      const key = generatePrivateKey();
      const registered = await registerProviderAs(served.url, key, "Read-your-writes");
      expect(registered.errors).toBeUndefined();
      // Read back on the primary, where the indexer wrote it before the mutation returned.
      expect(registered.data?.registerProvider.name).toBe("Read-your-writes");
      const read = await graphql<{ provider: { name: string | null } }>(
        served.url,
        `query($address: Address!) { provider(address: $address) { name } }`,
        { address: privateKeyToAddress(key) },
      );
      // A query reads the replica, which has not caught up.
      expect(read.errors).toBeUndefined();
      expect(read.data?.provider.name).toBeNull();
    } finally {
      await served?.stop();
      await Promise.all([primary.end(), sql.end(), readSql.end()]);
      await replica.teardown();
    }
  });
});
