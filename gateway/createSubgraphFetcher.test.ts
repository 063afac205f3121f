import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createSubgraphFetcher } from "./createSubgraphFetcher.js";

/** A subgraph stand-in: a real HTTP server that records what it was sent and on how many connections. */
type Subgraph = {
  url: string;
  server: Server;
  connections: number;
  received: { req: IncomingMessage; body: string }[];
};
const servers: Server[] = [];
const fetchers: ReturnType<typeof createSubgraphFetcher>[] = [];

async function startSubgraph(
  answer: (body: string) => { status: number; headers: Record<string, string>; body: string },
): Promise<Subgraph> {
  const subgraph = { url: "", connections: 0, received: [] } as unknown as Subgraph;
  subgraph.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      subgraph.received.push({ req, body });
      const { status, headers, body: text } = answer(body);
      res.writeHead(status, headers).end(text);
    });
  });
  subgraph.server.on("connection", () => {
    subgraph.connections++;
  });
  await new Promise<void>((resolve) => subgraph.server.listen(0, "127.0.0.1", resolve));
  subgraph.url = `http://127.0.0.1:${(subgraph.server.address() as AddressInfo).port}/graphql`;
  servers.push(subgraph.server);
  return subgraph;
}

const fetcher = () => {
  const created = createSubgraphFetcher();
  fetchers.push(created);
  return created;
};

afterEach(async () => {
  for (const f of fetchers.splice(0)) f.close();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
});

describe("createSubgraphFetcher", () => {
  it("posts the request as given and reads the whole answer: status, headers by any case, text and JSON", async () => {
    const subgraph = await startSubgraph((body) => ({
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      body: JSON.stringify({ data: { echoed: JSON.parse(body).query } }),
    }));
    const body = JSON.stringify({ query: "{ certificates(first: 1) { totalCount } } # ünïcode" });
    const response = await fetcher()(subgraph.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "r-1" },
      body,
    });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.url).toBe(subgraph.url);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.has("CACHE-CONTROL")).toBe(true);
    expect(response.headers.get("x-missing")).toBeNull();
    expect(await response.json()).toEqual({
      data: { echoed: "{ certificates(first: 1) { totalCount } } # ünïcode" },
    });
    // The body can be read again (a clone, or text after json), as Apollo's error path does.
    expect(JSON.parse(await response.clone().text())).toEqual(await response.json());
    const [received] = subgraph.received;
    expect(received?.req.method).toBe("POST");
    expect(received?.req.headers["x-request-id"]).toBe("r-1");
    expect(received?.req.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(received?.body).toBe(body);
    expect(() => response.headers.set("x-changed", "1")).toThrow(TypeError);
  });

  it("keeps the connection: sequential requests reuse one socket", async () => {
    const subgraph = await startSubgraph(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"data":{}}',
    }));
    const fetch = fetcher();
    for (let i = 0; i < 5; i++) await fetch(subgraph.url, { method: "POST", body: "{}" });
    expect(subgraph.received).toHaveLength(5);
    expect(subgraph.connections).toBe(1);
  });

  it("answers a refusal as it came (not ok, its status and body), for the data source to map", async () => {
    const subgraph = await startSubgraph(() => ({
      status: 429,
      headers: { "content-type": "application/json", "retry-after": "3" },
      body: JSON.stringify({ errors: [{ message: "slow down", extensions: { code: "RATE_LIMITED" } }] }),
    }));
    const response = await fetcher()(subgraph.url, { method: "POST", body: "{}" });
    expect(response.ok).toBe(false);
    expect(response.status).toBe(429);
    expect(response.statusText).toBe("Too Many Requests");
    expect(response.headers.get("retry-after")).toBe("3");
    expect(await response.json()).toEqual({
      errors: [{ message: "slow down", extensions: { code: "RATE_LIMITED" } }],
    });
  });

  it("rejects with the socket's error when nothing listens, and when the subgraph hangs up mid-request", async () => {
    const subgraph = await startSubgraph(() => ({ status: 200, headers: {}, body: "" }));
    const closedUrl = subgraph.url;
    await new Promise<void>((resolve) => subgraph.server.close(() => resolve()));
    await expect(fetcher()(closedUrl, { method: "POST", body: "{}" })).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    const hangsUp = createServer((req) => req.socket.destroy());
    servers.push(hangsUp);
    await new Promise<void>((resolve) => hangsUp.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hangsUp.address() as AddressInfo).port}/graphql`;
    await expect(fetcher()(url, { method: "POST", body: "{}" })).rejects.toMatchObject({
      code: "ECONNRESET",
    });
  });

  it("close() ends its idle connections", async () => {
    const subgraph = await startSubgraph(() => ({ status: 200, headers: {}, body: "{}" }));
    const fetch = fetcher();
    await fetch(subgraph.url, { method: "POST", body: "{}" });
    const open = await new Promise<number>((resolve, reject) =>
      subgraph.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
    expect(open).toBe(1);
    fetch.close();
    for (let i = 0; i < 50; i++) {
      const count = await new Promise<number>((resolve, reject) =>
        subgraph.server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
      );
      if (count === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("the idle connection stayed open after close()");
  });
});
