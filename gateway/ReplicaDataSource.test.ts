import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { afterEach, describe, expect, it } from "vitest";
import { ReplicaDataSource } from "./ReplicaDataSource.js";

/** A replica: a real HTTP server answering every POST with `{ data: { who } }`, counting what it served. */
type Replica = { url: string; served: number; server: Server; behaviour: "answer" | "hang up" };
const replicas: Replica[] = [];

async function startReplica(who: string): Promise<Replica> {
  const replica = { url: "", served: 0, behaviour: "answer" } as Replica;
  replica.server = createServer((req, res) => {
    if (replica.behaviour === "hang up") return void req.socket.destroy();
    req.resume().on("end", () => {
      replica.served++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { who } }));
    });
  });
  await new Promise<void>((r) => replica.server.listen(0, "127.0.0.1", r));
  replica.url = `http://127.0.0.1:${(replica.server.address() as AddressInfo).port}/graphql`;
  replicas.push(replica);
  return replica;
}

const stop = (replica: Replica) =>
  new Promise<void>((r) => {
    replica.server.close(() => r());
    replica.server.closeAllConnections();
  });

afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => (r.server.listening ? stop(r) : undefined)));
});

/** An operation as the gateway's query plan sends it to a subgraph. */
const fetchOf = (query: string) =>
  ({
    kind: "incoming operation",
    request: { query, variables: {} },
    incomingRequestContext: {},
    context: {},
  }) as unknown as GraphQLDataSourceProcessOptions<Record<string, unknown>>;

function balance(urls: string[], now = () => 0) {
  return new ReplicaDataSource({
    name: "caldera",
    urls,
    createReplica: (url) => new RemoteGraphQLDataSource({ url }),
    now,
  });
}

describe("ReplicaDataSource", () => {
  it("sends requests to each replica in turn", async () => {
    const [a, b] = [await startReplica("a"), await startReplica("b")] as [Replica, Replica];
    const source = balance([a.url, b.url]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await source.process(fetchOf("{ who }"))).data?.who);
    expect(answers).toEqual(["a", "b", "a", "b"]);
  });

  it("sends a query again to another replica when the connection is refused, and passes over the dead one", async () => {
    const [a, b] = [await startReplica("a"), await startReplica("b")] as [Replica, Replica];
    await stop(a);
    let clock = 0;
    const source = balance([a.url, b.url], () => clock);
    for (let i = 0; i < 6; i++) expect((await source.process(fetchOf("{ who }"))).data?.who).toBe("b");
    expect(b.served).toBe(6);
    // Quarantined for 5 s: the next requests go straight to b, whose turn it is or not. After that a is tried again.
    clock = 6_000;
    a.server.listen(Number(new URL(a.url).port), "127.0.0.1");
    await new Promise((r) => a.server.once("listening", r));
    const after = [];
    for (let i = 0; i < 2; i++) after.push((await source.process(fetchOf("{ who }"))).data?.who);
    expect(after.sort()).toEqual(["a", "b"]);
  });

  it("sends a query again when the replica hangs up before answering (killed mid-request)", async () => {
    const [a, b] = [await startReplica("a"), await startReplica("b")] as [Replica, Replica];
    a.behaviour = "hang up";
    const source = balance([a.url, b.url]);
    expect((await source.process(fetchOf("query Q { who }"))).data?.who).toBe("b");
    expect(a.served).toBe(0);
  });

  it("never sends a mutation twice: the first replica may have acted before the connection broke", async () => {
    const [a, b] = [await startReplica("a"), await startReplica("b")] as [Replica, Replica];
    a.behaviour = "hang up";
    const source = balance([a.url, b.url]);
    await expect(source.process(fetchOf("mutation { certify }"))).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(b.served).toBe(0);
    // The replica that failed is passed over: the next mutation goes to b.
    expect((await source.process(fetchOf("mutation { certify }"))).data?.who).toBe("b");
  });

  it("passes an HTTP answer through as it is, even an error: only a failed connection is retried", async () => {
    const [a, b] = [await startReplica("a"), await startReplica("b")] as [Replica, Replica];
    a.server.removeAllListeners("request").on("request", (_req, res) => res.writeHead(500).end("boom"));
    const source = balance([a.url, b.url]);
    await expect(source.process(fetchOf("{ who }"))).rejects.toThrow(/500/);
    expect(b.served).toBe(0);
  });
});
