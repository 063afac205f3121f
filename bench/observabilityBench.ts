import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApolloServer } from "@apollo/server";
import { pino } from "pino";
import { createLogger } from "../services/createLogger.js";
import { createMetrics } from "../services/createMetrics.js";
import { observeApollo } from "../services/observeApollo.js";
import { type ServedApollo, serveApollo } from "../services/serveApollo.js";
import { removeDataDir } from "../test/support/removeDataDir.js";
import type { BenchSuite } from "./BenchRow.js";
import { percentile } from "./measure.js";

const ROUNDS = 6;
const REQUESTS_PER_ROUND = 300;
const SCRAPES = 50;

/**
 * What observing a request costs: the same trivial query against two Apollo servers behind `serveApollo`, one with
 * metrics and a JSON log line per request (to a file, as under `npm start`), one without, in alternating rounds so
 * both see the same machine. The difference of medians is the per-request cost; a /metrics scrape (with Node's
 * process metrics) is timed too.
 */
export const observabilityBench: BenchSuite = {
  name: "observability",
  run: async () => {
    const dir = mkdtempSync(join(tmpdir(), "caldera-observability-bench-"));
    const destination = pino.destination({ dest: join(dir, "requests.log"), mkdir: true, sync: false });
    const observe = observeApollo({
      server: "subgraph",
      metrics: createMetrics({ server: "subgraph" }),
      logger: createLogger({ level: "info", destination }),
    });
    const start = (observed: boolean) =>
      serveApollo({
        server: new ApolloServer({
          typeDefs: "type Query { hello: String }",
          resolvers: { Query: { hello: () => "world" } },
          plugins: observed ? [observe.plugin] : [],
        }),
        port: 0,
        context: async () => ({}),
        readiness: async () => ({ ready: true }),
        maxBodyBytes: 10_000,
        observe: observed ? observe : undefined,
      });
    const servers: ServedApollo[] = [];
    try {
      const plain = await start(false);
      servers.push(plain);
      const observed = await start(true);
      servers.push(observed);
      const body = JSON.stringify({ query: "query Hello { hello }" });
      const timeRound = async (url: string, into: number[]) => {
        for (let i = 0; i < REQUESTS_PER_ROUND; i++) {
          const started = performance.now();
          const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", "x-request-id": `bench-${i}` },
            body,
          });
          await response.text();
          into.push(performance.now() - started);
        }
      };
      const plainMs: number[] = [];
      const observedMs: number[] = [];
      // One warm-up round each, not counted.
      await timeRound(plain.url, []);
      await timeRound(observed.url, []);
      for (let round = 0; round < ROUNDS; round++) {
        await timeRound(plain.url, plainMs);
        await timeRound(observed.url, observedMs);
      }
      const overheadMs = percentile(observedMs, 50) - percentile(plainMs, 50);

      const scrapeMs: number[] = [];
      for (let i = 0; i < SCRAPES; i++) {
        const started = performance.now();
        await (await fetch(new URL("/metrics", observed.url))).text();
        scrapeMs.push(performance.now() - started);
      }
      const scrapeP50 = percentile(scrapeMs, 50);
      return [
        {
          row: "observed request: metrics + JSON log line, p50 overhead",
          target: "≤ 0.5 ms",
          measured: `${overheadMs.toFixed(3)} ms (p50 ${percentile(observedMs, 50).toFixed(2)} vs ${percentile(plainMs, 50).toFixed(2)} ms; p99 ${percentile(observedMs, 99).toFixed(2)} vs ${percentile(plainMs, 99).toFixed(2)} ms; ${plainMs.length} requests each)`,
          met: overheadMs <= 0.5,
        },
        {
          row: "GET /metrics (with process metrics), p50",
          target: "≤ 20 ms",
          measured: `${scrapeP50.toFixed(2)} ms (p99 ${percentile(scrapeMs, 99).toFixed(2)} ms, ${SCRAPES} scrapes)`,
          met: scrapeP50 <= 20,
        },
      ];
    } finally {
      for (const server of servers) await server.stop();
      await new Promise<void>((resolve) => {
        destination.once("close", resolve).once("error", () => resolve());
        destination.end();
      });
      removeDataDir(dir);
    }
  },
};
