import { ApolloServer } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseError } from "../errors/BaseError.js";
import { parsePrometheus } from "../test/support/parsePrometheus.js";
import { createLogger } from "./createLogger.js";
import { createMetrics } from "./createMetrics.js";
import { observeApollo } from "./observeApollo.js";
import { requestContext } from "./requestContext.js";
import { type ServedApollo, serveApollo } from "./serveApollo.js";

const typeDefs = /* GraphQL */ `
  type Query {
    hello: String
    requestId: String
    refused: String
    broken: String
  }
  type Mutation {
    touch: Int
  }
`;

const resolvers = {
  Query: {
    hello: () => "world",
    // What code far from HTTP sees: the request id serveApollo settled on.
    requestId: () => requestContext.getStore()?.requestId,
    refused: () => {
      throw new BaseError("no such certificate", { code: "UNKNOWN_CERTIFICATE" });
    },
    broken: () => {
      throw new Error("database exploded: secret detail");
    },
  },
  Mutation: { touch: () => 1 },
};

let served: ServedApollo;
const lines: Record<string, unknown>[] = [];
const logger = createLogger({
  level: "debug",
  destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
});

beforeAll(async () => {
  const observe = observeApollo({
    server: "subgraph",
    metrics: createMetrics({ server: "subgraph" }),
    logger,
  });
  const server = new ApolloServer({
    typeDefs,
    resolvers,
    allowBatchedHttpRequests: false,
    plugins: [observe.plugin],
    formatError: (formatted, error) => {
      // As the subgraph does: a use case's code, and no message of a bug goes out.
      const original = unwrapResolverError(error);
      if (original instanceof BaseError)
        return { ...formatted, extensions: { ...formatted.extensions, code: original.code } };
      return formatted.extensions?.code === "INTERNAL_SERVER_ERROR"
        ? { ...formatted, message: "internal error" }
        : formatted;
    },
  });
  served = await serveObserved(server, observe, true);
});

/** The server on a free port, observed; `traceRequests` as serveApollo takes it. */
function serveObserved(
  server: ApolloServer,
  observe: ReturnType<typeof observeApollo>,
  traceRequests: boolean,
): Promise<ServedApollo> {
  return serveApollo({
    server,
    port: 0,
    context: async () => ({}),
    readiness: async () => ({ ready: true }),
    maxBodyBytes: 1_000,
    observe,
    traceRequests,
  });
}

afterAll(async () => {
  await served?.stop();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(served.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return {
    response,
    json: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] },
  };
}

const lineOf = (requestId: string) => {
  const found = lines.filter((l) => l.requestId === requestId && l.msg === "graphql request");
  expect(found).toHaveLength(1);
  return found[0] as Record<string, unknown>;
};

describe("observeApollo", () => {
  it("logs one line per request with the client's request id, which code far from HTTP sees too", async () => {
    const { response, json } = await post(JSON.stringify({ query: "query Hello { hello requestId }" }), {
      "x-request-id": "req-hello-1",
    });
    expect(response.headers.get("x-request-id")).toBe("req-hello-1");
    expect(json.data).toEqual({ hello: "world", requestId: "req-hello-1" });
    const line = lineOf("req-hello-1");
    expect(line).toMatchObject({
      level: "info",
      server: "subgraph",
      operationName: "Hello",
      operationType: "query",
      status: 200,
      outcome: "ok",
      errorCodes: [],
    });
    expect(typeof line.durationMs).toBe("number");
    expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
    expect(typeof line.time).toBe("string");
  });

  it("gives a request without a plausible id a fresh one, and says so in the response and the line", async () => {
    const { response } = await post(JSON.stringify({ query: "mutation { touch }" }), {
      "x-request-id": "not plausible; has spaces",
    });
    const id = response.headers.get("x-request-id") ?? "";
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lineOf(id)).toMatchObject({ operationType: "mutation", operationName: null, outcome: "ok" });
  });

  it("records errors by their code: a use case's as partial, a parse error as a request error", async () => {
    await post(JSON.stringify({ query: "{ hello refused }" }), { "x-request-id": "req-refused" });
    expect(lineOf("req-refused")).toMatchObject({ outcome: "partial", errorCodes: ["UNKNOWN_CERTIFICATE"] });

    const { response } = await post(JSON.stringify({ query: "{ hello" }), { "x-request-id": "req-parse" });
    expect(response.status).toBe(400);
    expect(lineOf("req-parse")).toMatchObject({
      status: 400,
      operationType: "none",
      outcome: "error",
      errorCodes: ["GRAPHQL_PARSE_FAILED"],
    });
  });

  it("logs a server fault at error level with the cause the client never sees", async () => {
    const { json } = await post(JSON.stringify({ query: "{ broken }" }), { "x-request-id": "req-broken" });
    expect(JSON.stringify(json)).not.toContain("secret detail");
    expect(lineOf("req-broken")).toMatchObject({
      level: "error",
      errorCodes: ["INTERNAL_SERVER_ERROR"],
      internalErrors: ["database exploded: secret detail"],
    });
  });

  it("records requests refused before Apollo's pipeline: too large, not JSON, a batch", async () => {
    const large = await post(JSON.stringify({ query: `{ hello } # ${"x".repeat(2_000)}` }), {
      "x-request-id": "req-large",
    });
    expect(large.response.status).toBe(413);
    expect(large.response.headers.get("x-request-id")).toBe("req-large");
    expect(lineOf("req-large")).toMatchObject({
      status: 413,
      outcome: "error",
      errorCodes: ["REQUEST_TOO_LARGE"],
    });

    await post("{not json", { "x-request-id": "req-not-json" });
    expect(lineOf("req-not-json")).toMatchObject({ status: 400, errorCodes: ["BAD_REQUEST"] });

    const batch = await post(JSON.stringify([{ query: "{ hello }" }, { query: "{ hello }" }]), {
      "x-request-id": "req-batch",
    });
    expect(batch.response.status).toBe(400);
    expect(lineOf("req-batch")).toMatchObject({
      status: 400,
      operationType: "none",
      errorCodes: ["BAD_REQUEST"],
    });
  });

  it("cuts a long operation name in the line", async () => {
    const name = `Q${"x".repeat(400)}`;
    await post(JSON.stringify({ query: `query ${name} { hello }` }), { "x-request-id": "req-long-name" });
    expect(lineOf("req-long-name").operationName).toBe(`${name.slice(0, 100)}…`);
  });

  it("logs the gateway's composition polls at debug, not info", async () => {
    await post(JSON.stringify({ query: "query __ApolloGetServiceDefinition__ { hello }" }), {
      "x-request-id": "req-compose",
    });
    expect(lineOf("req-compose").level).toBe("debug");
  });

  it("binds `server` once, also to a logger bound to it already", () => {
    const written: string[] = [];
    const bound = createLogger({
      level: "info",
      destination: { write: (line: string) => void written.push(line) },
    });
    const metrics = createMetrics({ server: "gateway", processMetrics: false });
    const observe = observeApollo({ server: "gateway", metrics, logger: bound.child({ server: "gateway" }) });
    observe.unanswered({ requestId: "req-bound", startedAt: performance.now(), observed: false }, 413);
    expect(written).toHaveLength(1);
    expect(written[0]?.match(/"server":/g)).toHaveLength(1);
  });

  it("counts a browser's GET of the landing page as no GraphQL request", async () => {
    const response = await fetch(served.url, {
      headers: { accept: "text/html", "x-request-id": "req-page" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(lines.filter((l) => l.requestId === "req-page")).toEqual([]);
  });

  it("serves /metrics in Prometheus format with what the requests above did", async () => {
    await fetch(new URL("/health", served.url));
    const response = await fetch(new URL("/metrics", served.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = parsePrometheus(await response.text());
    const server = { server: "subgraph" };
    expect(text.value("graphql_requests_total", { ...server, operation_type: "query", outcome: "ok" })).toBe(
      3,
    );
    expect(
      text.value("graphql_requests_total", { ...server, operation_type: "mutation", outcome: "ok" }),
    ).toBe(1);
    expect(
      text.value("graphql_requests_total", { ...server, operation_type: "query", outcome: "partial" }),
    ).toBe(2);
    expect(
      text.value("graphql_requests_total", { ...server, operation_type: "none", outcome: "error" }),
    ).toBe(4);
    expect(text.value("graphql_errors_total", { ...server, code: "UNKNOWN_CERTIFICATE" })).toBe(1);
    expect(text.value("graphql_errors_total", { ...server, code: "GRAPHQL_PARSE_FAILED" })).toBe(1);
    expect(text.value("graphql_errors_total", { ...server, code: "REQUEST_TOO_LARGE" })).toBe(1);
    expect(text.value("graphql_errors_total", { ...server, code: "BAD_REQUEST" })).toBe(2);
    expect(text.value("graphql_errors_total", { ...server, code: "INTERNAL_SERVER_ERROR" })).toBe(1);
    expect(text.value("graphql_request_duration_seconds_count", { ...server, operation_type: "query" })).toBe(
      5,
    );
    expect(text.value("http_requests_total", { ...server, path: "/health", status: "200" })).toBe(1);
    expect(text.value("http_requests_total", { ...server, path: "/graphql", status: "200" })).toBe(1);
    // Every GraphQL request above got exactly one line.
    expect(lines.filter((l) => l.msg === "graphql request")).toHaveLength(10);
  });
});

describe("observeApollo without traceRequests (the default)", () => {
  it("still logs the request's id and duration, while nothing far from HTTP sees the request", async () => {
    const quiet: Record<string, unknown>[] = [];
    const observe = observeApollo({
      server: "gateway",
      metrics: createMetrics({ server: "gateway" }),
      logger: createLogger({
        level: "info",
        destination: { write: (line: string) => void quiet.push(JSON.parse(line)) },
      }),
    });
    const server = new ApolloServer({ typeDefs, resolvers, plugins: [observe.plugin] });
    const plain = await serveObserved(server, observe, false);
    try {
      const response = await fetch(plain.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "req-plain-1" },
        body: JSON.stringify({ query: "{ hello requestId }" }),
      });
      expect(await response.json()).toEqual({ data: { hello: "world", requestId: null } });
      const [line] = quiet.filter((l) => l.msg === "graphql request");
      expect(line).toMatchObject({ requestId: "req-plain-1", server: "gateway", status: 200, outcome: "ok" });
      expect(line?.durationMs as number).toBeGreaterThanOrEqual(0);
      expect(quiet.filter((l) => l.msg === "graphql request")).toHaveLength(1);
    } finally {
      await plain.stop();
    }
  });
});
