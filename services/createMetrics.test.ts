import { describe, expect, it } from "vitest";
import { parsePrometheus } from "../test/support/parsePrometheus.js";
import type { IndexerStatus } from "./createIndexerClient.js";
import { createMetrics, REQUEST_DURATION_BUCKETS } from "./createMetrics.js";

const scrape = async (metrics: ReturnType<typeof createMetrics>) =>
  parsePrometheus(await metrics.registry.metrics());

const status = (overrides: Partial<IndexerStatus>): IndexerStatus => ({
  reachable: true,
  indexedBlock: 100n,
  headBlock: 103n,
  lagBlocks: 3,
  maxLagBlocks: 2,
  catchingUp: false,
  live: false,
  ...overrides,
});

describe("createMetrics", () => {
  it("counts requests by operation type and outcome, errors by code, and times them in a histogram", async () => {
    const metrics = createMetrics({ server: "gateway", processMetrics: false });
    metrics.graphqlRequest({ operationType: "query", outcome: "ok", durationSeconds: 0.004, errorCodes: [] });
    metrics.graphqlRequest({ operationType: "query", outcome: "ok", durationSeconds: 0.2, errorCodes: [] });
    metrics.graphqlRequest({
      operationType: "mutation",
      outcome: "error",
      durationSeconds: 3,
      errorCodes: ["BELOW_FLOOR", "BELOW_FLOOR", "NOT_AUTHORIZED"],
    });
    const text = await scrape(metrics);
    const server = { server: "gateway" };
    expect(text.value("graphql_requests_total", { ...server, operation_type: "query", outcome: "ok" })).toBe(
      2,
    );
    expect(
      text.value("graphql_requests_total", { ...server, operation_type: "mutation", outcome: "error" }),
    ).toBe(1);
    expect(text.value("graphql_errors_total", { ...server, code: "BELOW_FLOOR" })).toBe(2);
    expect(text.value("graphql_errors_total", { ...server, code: "NOT_AUTHORIZED" })).toBe(1);
    expect(text.types.graphql_request_duration_seconds).toBe("histogram");
    const bucket = (le: string) =>
      text.value("graphql_request_duration_seconds_bucket", { ...server, operation_type: "query", le });
    expect(bucket("0.005")).toBe(1);
    expect(bucket("0.25")).toBe(2);
    expect(bucket("+Inf")).toBe(2);
    expect(text.value("graphql_request_duration_seconds_count", { operation_type: "mutation" })).toBe(1);
    expect(text.value("graphql_request_duration_seconds_sum", { operation_type: "mutation" })).toBe(3);
    // 1 ms to 30 s.
    expect(REQUEST_DURATION_BUCKETS[0]).toBe(0.001);
    expect(REQUEST_DURATION_BUCKETS.at(-1)).toBe(30);
  });

  it("keeps each server's registry to itself, and labels every series, process metrics included, with the server", async () => {
    const gateway = createMetrics({ server: "gateway" });
    const subgraph = createMetrics({ server: "subgraph" });
    gateway.graphqlRequest({ operationType: "query", outcome: "ok", durationSeconds: 0.01, errorCodes: [] });
    const fromSubgraph = await scrape(subgraph);
    expect(fromSubgraph.value("graphql_requests_total", { operation_type: "query" })).toBeUndefined();
    expect(fromSubgraph.samples.filter((s) => s.name.startsWith("process_")).length).toBeGreaterThan(0);
    expect(fromSubgraph.samples.every((s) => s.labels.server === "subgraph")).toBe(true);
    const fromGateway = await scrape(gateway);
    expect(fromGateway.value("graphql_requests_total", { operation_type: "query" })).toBe(1);
    expect(fromGateway.value("process_cpu_user_seconds_total", { server: "gateway" })).toBeGreaterThan(0);
  });

  it("labels non-GraphQL paths, any unknown path as `other`", async () => {
    const metrics = createMetrics({ server: "subgraph", processMetrics: false });
    metrics.httpRequest("/ready", 503);
    metrics.httpRequest("/ready", 200);
    metrics.httpRequest("/metrics", 200);
    metrics.httpRequest("/wp-login.php", 404);
    metrics.httpRequest("/.env", 404);
    const text = await scrape(metrics);
    expect(text.value("http_requests_total", { path: "/ready", status: "503" })).toBe(1);
    expect(text.value("http_requests_total", { path: "/metrics", status: "200" })).toBe(1);
    expect(text.value("http_requests_total", { path: "other", status: "404" })).toBe(2);
  });

  it("bounds error-code series: codes that do not look like one, and codes past the cap, count as OTHER", async () => {
    const metrics = createMetrics({ server: "gateway", processMetrics: false });
    const codes = Array.from({ length: 70 }, (_, i) => `PARTNER_CODE_${i}`);
    metrics.graphqlRequest({
      operationType: "query",
      outcome: "partial",
      durationSeconds: 0.01,
      errorCodes: [...codes, "not a code; drop table", "PARTNER_CODE_0"],
    });
    const text = await scrape(metrics);
    const series = text.samples.filter((s) => s.name === "graphql_errors_total");
    expect(series.length).toBe(65);
    expect(text.value("graphql_errors_total", { code: "PARTNER_CODE_0" })).toBe(2);
    expect(text.value("graphql_errors_total", { code: "OTHER" })).toBe(70 - 64 + 1);
  });

  it("reads the indexer's lag at each scrape, once for both gauges, and reports an unknown lag as NaN", async () => {
    let next: IndexerStatus | Error = status({ lagBlocks: 3 });
    let calls = 0;
    const metrics = createMetrics({
      server: "subgraph",
      processMetrics: false,
      indexer: {
        status: async () => {
          calls += 1;
          if (next instanceof Error) throw next;
          return next;
        },
      },
    });
    let text = await scrape(metrics);
    expect(text.types.indexer_lag_blocks).toBe("gauge");
    expect(text.value("indexer_lag_blocks", { server: "subgraph" })).toBe(3);
    expect(text.value("indexer_up")).toBe(1);
    expect(calls).toBe(1);

    next = status({ lagBlocks: 0 });
    expect((await scrape(metrics)).value("indexer_lag_blocks")).toBe(0);

    next = status({ reachable: false, indexedBlock: -1n, lagBlocks: undefined });
    text = await scrape(metrics);
    expect(text.value("indexer_lag_blocks")).toBeNaN();
    expect(text.value("indexer_up")).toBe(0);

    next = new Error("chain down");
    text = await scrape(metrics);
    expect(text.value("indexer_lag_blocks")).toBeNaN();
    expect(text.value("indexer_up")).toBe(0);
  });

  it("shows the proof queue when given one, and nothing about it otherwise", async () => {
    let stats = { running: 2, queued: 5 };
    const metrics = createMetrics({ server: "subgraph", processMetrics: false, proofQueue: () => stats });
    let text = await scrape(metrics);
    expect(text.value("proof_queue_depth", { server: "subgraph" })).toBe(5);
    expect(text.value("proofs_running", { server: "subgraph" })).toBe(2);
    stats = { running: 0, queued: 0 };
    text = await scrape(metrics);
    expect(text.value("proof_queue_depth")).toBe(0);

    const gateway = await scrape(createMetrics({ server: "gateway", processMetrics: false }));
    expect(gateway.types.proof_queue_depth).toBeUndefined();
    expect(gateway.types.indexer_lag_blocks).toBeUndefined();
  });
});
