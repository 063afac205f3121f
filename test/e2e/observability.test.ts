import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../services/createLogger.js";
import { type PrometheusText, parsePrometheus } from "../support/parsePrometheus.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

/** Every JSON line the gateway and the subgraph wrote (the stack's logger, at debug so SQL statements are in). */
const lines: Record<string, unknown>[] = [];
let stack: TestStack;
let devProvider: string;

beforeAll(async () => {
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  stack = await startTestStack([], { logger });
  devProvider = stack.hub.walletClient.account.address;
});

afterAll(async () => {
  await stack?.teardown();
});

async function gatewayRequest(requestId: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": requestId },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: { extensions?: { code?: string } }[];
  };
  return { response, body };
}

async function scrape(
  url: string,
): Promise<{ contentType: string | null; text: PrometheusText; raw: string }> {
  const response = await fetch(new URL("/metrics", url));
  expect(response.status).toBe(200);
  const raw = await response.text();
  return { contentType: response.headers.get("content-type"), text: parsePrometheus(raw), raw };
}

const linesOf = (requestId: string, server: string, msg: string) =>
  lines.filter((l) => l.requestId === requestId && l.server === server && l.msg === msg);

const PROVIDER_AND_CERTIFICATES = /* GraphQL */ `
  query ProviderAndCertificates($address: Address!) {
    provider(address: $address) { address name }
    certificates(first: 5) { edges { node { id } } }
  }
`;

const TOO_LARGE_PAGE = /* GraphQL */ `
  query TooLargePage { certificates(first: 500) { edges { node { id } } } }
`;

describe("observability: /metrics and request logs through the real stack", () => {
  it("carries a request id gateway → subgraph → SQL: one line per server, and every statement the request ran", async () => {
    const requestId = "obs-e2e-query-1";
    const { response, body } = await gatewayRequest(requestId, PROVIDER_AND_CERTIFICATES, {
      address: devProvider,
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.provider).toMatchObject({ name: "Caldera dev provider" });
    expect(response.headers.get("x-request-id")).toBe(requestId);
    // Nothing the hub serves may be cached by a proxy: chain data changes with every block.
    expect(response.headers.get("cache-control")).toBe("no-store");

    const [gatewayLine, ...moreGateway] = linesOf(requestId, "gateway", "graphql request");
    expect(moreGateway).toEqual([]);
    expect(gatewayLine).toMatchObject({
      level: "info",
      operationName: "ProviderAndCertificates",
      operationType: "query",
      status: 200,
      outcome: "ok",
      errorCodes: [],
    });
    expect(typeof gatewayLine?.durationMs).toBe("number");
    expect(new Date(String(gatewayLine?.time)).toISOString()).toBe(gatewayLine?.time);

    // The gateway sends both root fields to Caldera's subgraph in one fetch, with the client's id.
    const subgraphLines = linesOf(requestId, "subgraph", "graphql request");
    expect(subgraphLines).toHaveLength(1);
    expect(subgraphLines[0]).toMatchObject({ operationType: "query", outcome: "ok", errorCodes: [] });

    const statements = linesOf(requestId, "subgraph", "sql");
    expect(statements.length).toBeGreaterThanOrEqual(2);
    expect(statements.every((l) => l.level === "debug" && typeof l.durationMs === "number")).toBe(true);
    const text = statements.map((l) => String(l.statement)).join("\n");
    expect(text).toMatch(/provider/);
    expect(text).toMatch(/certificate/);
    // Statements of no request (start-up, readiness checks) are not logged: every SQL line names a request.
    expect(lines.filter((l) => l.msg === "sql").every((l) => typeof l.requestId === "string")).toBe(true);
  });

  it("counts requests, errors by code and durations on the gateway's and the subgraph's /metrics", async () => {
    const gatewayBefore = (await scrape(stack.gatewayUrl)).text;
    const subgraphBefore = (await scrape(stack.subgraphUrl)).text;

    const ok = await gatewayRequest("obs-e2e-query-2", PROVIDER_AND_CERTIFICATES, { address: devProvider });
    expect(ok.body.errors).toBeUndefined();
    const failed = await gatewayRequest("obs-e2e-bad-1", TOO_LARGE_PAGE);
    expect(failed.body.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);

    // Both servers logged the failure with its code, under the client's id.
    for (const server of ["gateway", "subgraph"]) {
      const [line, ...more] = linesOf("obs-e2e-bad-1", server, "graphql request");
      expect(more).toEqual([]);
      expect(line).toMatchObject({
        operationType: "query",
        outcome: "error",
        errorCodes: ["BAD_USER_INPUT"],
      });
    }

    const gateway = await scrape(stack.gatewayUrl);
    expect(gateway.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const g = { server: "gateway", operation_type: "query" };
    const delta = (
      after: PrometheusText,
      before: PrometheusText,
      name: string,
      labels: Record<string, string>,
    ) => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);
    // Only this test's requests reach the gateway's GraphQL endpoint: exact counts.
    expect(delta(gateway.text, gatewayBefore, "graphql_requests_total", { ...g, outcome: "ok" })).toBe(1);
    expect(delta(gateway.text, gatewayBefore, "graphql_requests_total", { ...g, outcome: "error" })).toBe(1);
    expect(
      delta(gateway.text, gatewayBefore, "graphql_errors_total", {
        server: "gateway",
        code: "BAD_USER_INPUT",
      }),
    ).toBe(1);
    expect(gateway.text.types.graphql_request_duration_seconds).toBe("histogram");
    expect(delta(gateway.text, gatewayBefore, "graphql_request_duration_seconds_count", g)).toBe(2);
    expect(gateway.text.value("graphql_request_duration_seconds_bucket", { ...g, le: "+Inf" })).toBe(
      gateway.text.value("graphql_request_duration_seconds_count", g),
    );
    // The earlier /metrics scrape is counted as a non-GraphQL request; process metrics carry the server.
    expect(
      gateway.text.value("http_requests_total", { server: "gateway", path: "/metrics", status: "200" }),
    ).toBeGreaterThanOrEqual(1);
    expect(gateway.text.value("process_resident_memory_bytes", { server: "gateway" })).toBeGreaterThan(0);
    expect(gateway.text.types.indexer_lag_blocks).toBeUndefined();

    // The gateway's /ready asks the subgraph's /ready: counted on both, by path and status.
    expect((await fetch(new URL("/ready", stack.gatewayUrl))).status).toBe(200);
    const subgraph = await scrape(stack.subgraphUrl);
    const s = { server: "subgraph", operation_type: "query" };
    // The gateway also polls the subgraph's SDL (a query): at least ours.
    expect(
      delta(subgraph.text, subgraphBefore, "graphql_requests_total", { ...s, outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(delta(subgraph.text, subgraphBefore, "graphql_requests_total", { ...s, outcome: "error" })).toBe(
      1,
    );
    expect(
      delta(subgraph.text, subgraphBefore, "graphql_errors_total", {
        server: "subgraph",
        code: "BAD_USER_INPUT",
      }),
    ).toBe(1);
    expect(subgraph.text.types.graphql_request_duration_seconds).toBe("histogram");
    expect(subgraph.text.value("process_resident_memory_bytes", { server: "subgraph" })).toBeGreaterThan(0);
    const ready = { path: "/ready", status: "200" };
    expect(
      delta(subgraph.text, subgraphBefore, "http_requests_total", { server: "subgraph", ...ready }),
    ).toBe(1);
    const gatewayAfter = (await scrape(stack.gatewayUrl)).text;
    expect(delta(gatewayAfter, gatewayBefore, "http_requests_total", { server: "gateway", ...ready })).toBe(
      1,
    );
  });

  it("shows the indexer's lag behind the chain head on the subgraph's /metrics", async () => {
    const { text } = await scrape(stack.subgraphUrl);
    expect(text.types.indexer_lag_blocks).toBe("gauge");
    const lag = text.value("indexer_lag_blocks", { server: "subgraph" });
    expect(Number.isFinite(lag)).toBe(true);
    expect(lag).toBeGreaterThanOrEqual(0);
    // The same number the hub's own readiness uses (a block may be mined in between).
    const status = await stack.hub.indexer.status();
    expect(Math.abs((status.lagBlocks ?? Number.NaN) - (lag as number))).toBeLessThanOrEqual(2);
    expect(text.value("indexer_up", { server: "subgraph" })).toBe(1);
  });

  it("shows the prover pool's queue on the subgraph's /metrics", async () => {
    const { text } = await scrape(stack.subgraphUrl);
    const stats = stack.hub.prover.stats();
    expect(text.types.proof_queue_depth).toBe("gauge");
    expect(text.value("proof_queue_depth", { server: "subgraph" })).toBe(stats.queued);
    expect(text.value("proofs_running", { server: "subgraph" })).toBe(stats.running);
  });

  it("leaves the indexer's own /metrics to ponder, on the indexer's port", async () => {
    const response = await fetch(`${stack.indexer.url}/metrics`);
    expect(response.status).toBe(200);
    const text = parsePrometheus(await response.text());
    const ponder = Object.keys(text.types).filter((name) => name.startsWith("ponder_"));
    expect(ponder.length).toBeGreaterThan(0);
  });
});
