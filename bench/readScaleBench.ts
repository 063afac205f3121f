import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os, { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { createSubgraphFetcher } from "../gateway/createSubgraphFetcher.js";
import { startGateway } from "../gateway/startGateway.js";
import { startSubgraph } from "../resolvers/startSubgraph.js";
import { getFreePort } from "../stack/getFreePort.js";
import { createScratchTables } from "../test/support/createScratchTables.js";
import { scratchFeatureTime, seedRiskRows } from "../test/support/seedRiskRows.js";
import { scratchProvider, seedScratchRows } from "../test/support/seedScratchRows.js";
import {
  type CalderaPart,
  spawnCalderaPart,
  subgraphEnvironmentOf,
  waitReady,
} from "../test/support/spawnCalderaPart.js";
import { graphql, startTestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile, throughput } from "./measure.js";

/**
 * Read paths at scale. A scratch schema in the stack's Postgres holds copies of the indexer's tables with the
 * indexes ponder builds (test/support/createScratchTables.ts), filled with generated certificates (one derivative
 * each) to 10⁴, 10⁵ and 10⁶ rows; a subgraph started in-process reads it as its views schema. Every list query shape
 * is timed at each volume; what matters is the ratio between the largest and the smallest volume. Throughput is
 * measured on the parts as production runs them, each its own process (`caldera subgraph`, `caldera gateway` over
 * it), against the physical limit: the statements one request issues, replayed straight through `postgres`. The
 * schema is dropped at the end.
 */
const SCHEMA = "bench_scale";
/** `CALDERA_SCALE_LEVELS=2000,20000` checks the suite quickly at small volumes; the figures are the default's. */
const LEVELS = (process.env.CALDERA_SCALE_LEVELS ?? "10000,100000,1000000").split(",").map(Number);
const SAMPLES = 60;
/** Per round: long enough (≥ 0.5 s even against raw SQL) that a scheduling hiccup is a small part of it. */
const THROUGHPUT_REQUESTS = 1_000;
/** SQL, subgraph and gateway take turns this many times; each throughput figure is the median of its turns. */
const THROUGHPUT_ROUNDS = 3;
const CONCURRENCY = 8;

/** The list query shapes the API serves, with variables that hit a mid-size provider and a deep cursor. */
const SHAPES: { name: string; query: string; variables?: (level: number) => Record<string, unknown> }[] = [
  {
    name: "certificates(first: 20) { totalCount … provider { address } }",
    query: "{ certificates(first: 20) { totalCount edges { node { id provider { address } } } } }",
  },
  {
    name: "certificates(first: 20) { … provider { certificates(first: 5) { totalCount … } } } (nested)",
    query: `{ certificates(first: 20) { edges { node { id provider { address
      certificates(first: 5) { totalCount edges { node { id } } } } } } } }`,
  },
  {
    name: "provider(address) { certificates(first: 20) { totalCount … } }",
    query: `query($a: Address!) { provider(address: $a) { certificates(first: 20) { totalCount edges { node { id } } } } }`,
    variables: () => ({ a: scratchProvider(500) }),
  },
  {
    name: "certificates(filter: domain + certifiedFrom, first: 20, after: mid-table cursor) { totalCount … }",
    query: `query($f: CertificateFilter, $after: String) { certificates(filter: $f, first: 20, after: $after) {
      totalCount totalCountIsExact edges { node { id domain } } } }`,
    variables: (level) => ({
      f: { domain: "INDUSTRIAL", certifiedFrom: new Date(1_700_000_000_000).toISOString() },
      after: midCursor(level),
    }),
  },
  {
    name: "derivatives(filter: { kind }, first: 20) { totalCount … owner { address } }",
    query: `{ derivatives(filter: { kind: MARKET_FORECAST }, first: 20) { totalCount edges { node { id owner { address } } } } }`,
  },
  {
    name: "provider(address) { derivatives(first: 20) { totalCount … } }",
    query: `query($a: Address!) { provider(address: $a) { derivatives(first: 20) { totalCount edges { node { id } } } } }`,
    variables: () => ({ a: scratchProvider(500) }),
  },
  // Cross-domain risk: as many risk features and freeze cases as certificates (test/support/seedRiskRows.ts).
  {
    name: "riskFeatures(filter: { minSeverity: HIGH }, first: 20) { totalCount … subject { address } ecosystem { name } }",
    query: `{ riskFeatures(filter: { minSeverity: HIGH }, first: 20) { totalCount edges { node { id severity
      subject { address } ecosystem { name } } } } }`,
  },
  {
    name: "riskFeatures(filter: ecosystem + kind + verified + from, first: 20, after: mid-table cursor) { totalCount … }",
    query: `query($after: String) { riskFeatures(filter: { ecosystem: "3", kind: DELAY_DURATION, verified: true,
      from: "2023-11-14T22:13:20Z" }, first: 20, after: $after) { totalCount totalCountIsExact edges { node { id } } } }`,
    variables: (level) => ({ after: midFeatureCursor(level) }),
  },
  {
    name: "riskFeatures(first: 20) { … subject { riskFeatures(first: 5, filter: { minSeverity: MEDIUM }) { totalCount … } } } (nested)",
    query: `{ riskFeatures(first: 20) { edges { node { id subject { address
      riskFeatures(first: 5, filter: { minSeverity: MEDIUM }) { totalCount edges { node { id } } } } } } } }`,
  },
  {
    name: "provider(address) { riskFeatures(first: 20) { totalCount … } margin { required adequate frozenBy } }",
    query: `query($a: Address!) { provider(address: $a) { riskFeatures(first: 20) { totalCount edges { node { id } } }
      margin { locked required adequate frozenBy { id status } } } }`,
    variables: () => ({ a: scratchProvider(500) }),
  },
  {
    name: "cases(filter: { status: OPEN }, first: 20) { totalCount … timeline { kind at } }",
    query: `{ cases(filter: { status: OPEN }, first: 20) { totalCount edges { node { id timeline { kind at } } } } }`,
  },
  {
    name: "disposals(first: 20) { totalCount … shares { ecosystem { name } amount } } + margins(first: 20) { totalCount … }",
    query: `{ disposals(first: 20) { totalCount edges { node { seized shares { ecosystem { name } amount claimed } } } }
      margins(first: 20) { totalCount edges { node { locked required } } } }`,
  },
];
const NESTED = SHAPES[1] as (typeof SHAPES)[number];

/** A risk feature cursor half-way down the table. */
function midFeatureCursor(level: number): string {
  const id = Math.floor(level / 2);
  return Buffer.from(`riskFeature:${scratchFeatureTime(id)}:${id}`).toString("base64url");
}

/** 10⁴ for 10,000; other volumes as they are. */
function volume(level: number): string {
  const exponent = Math.log10(level);
  const superscript = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  return Number.isInteger(exponent)
    ? `10${[...String(exponent)].map((d) => superscript[Number(d)]).join("")}`
    : level.toLocaleString("en-US");
}

/** A cursor half-way down the table (certificates are seeded three per 12-second block). */
function midCursor(level: number): string {
  const id = Math.floor(level / 2);
  return Buffer.from(`certificate:${1_700_000_000 + Math.floor(id / 3) * 12}:${id}`).toString("base64url");
}

const ms = (v: number) => (v < 10 ? v.toFixed(1) : v.toFixed(0));

export const readScaleBench: BenchSuite = {
  name: "scale/reads",
  run: async () => {
    const stack = await startTestStack();
    let capturing: { string: string; parameters: unknown[] }[] | undefined;
    // The subgraph's own pool, as the stack sizes it (and, like the stack's, without postgres.js's `debug` hook: with
    // one set, postgres.js captures a stack trace for every query and fragment it builds).
    const sql = postgres(stack.postgresUrl, { transform: postgres.camel, max: 10, onnotice: () => {} });
    // The same, with `debug` recording the statements of one request, for a second subgraph that only records them.
    const recording = postgres(stack.postgresUrl, {
      transform: postgres.camel,
      max: 10,
      onnotice: () => {},
      debug: (_connection, string, parameters) => {
        capturing?.push({ string, parameters });
      },
    });
    const direct = postgres(stack.postgresUrl, { max: 10, onnotice: () => {} });
    const stops: (() => Promise<unknown>)[] = [];
    try {
      await createScratchTables(sql, SCHEMA);
      const subgraph = await startSubgraph({ sql, viewsSchema: SCHEMA, hub: stack.hub, port: 0 });
      stops.push(subgraph.stop);
      const timings = new Map<string, { p50: number; p99: number }[]>();
      const seedSeconds: string[] = [];
      let seeded = 0;
      for (const level of LEVELS) {
        const started = performance.now();
        await seedScratchRows(sql, SCHEMA, { fromId: seeded + 1, toId: level });
        await seedRiskRows(sql, SCHEMA, { fromId: seeded + 1, toId: level });
        seeded = level;
        seedSeconds.push(`${((performance.now() - started) / 1000).toFixed(0)} s`);
        // Every shape once around first, so no level pays for the process's warm-up (JIT, prepared statements).
        for (const shape of SHAPES)
          await timeSequential(subgraph.url, shape.query, shape.variables?.(level) ?? {}, 10);
        for (const shape of SHAPES) {
          const samples = await timeSequential(subgraph.url, shape.query, shape.variables?.(level) ?? {});
          timings.set(shape.name, [
            ...(timings.get(shape.name) ?? []),
            { p50: percentile(samples, 50), p99: percentile(samples, 99) },
          ]);
        }
      }
      const rows: BenchRow[] = SHAPES.map(({ name }) => {
        const levels = timings.get(name) ?? [];
        const ratio = (levels.at(-1)?.p50 ?? Number.NaN) / (levels[0]?.p50 ?? Number.NaN);
        return {
          row: `${name}: p50 / p99 ms at ${LEVELS.map(volume).join(" · ")} rows, ${volume(LEVELS.at(-1) ?? 0)} : ${volume(LEVELS[0] ?? 0)}`,
          target: "≤ 2×",
          measured: `${levels.map((l) => `${ms(l.p50)} / ${ms(l.p99)}`).join(" · ")} → ${ratio.toFixed(2)}×`,
          met: ratio <= 2,
        };
      });
      rows.push({
        row: `seeding ${LEVELS.map(volume).join(" / ")} certificates + derivatives + risk features + freeze cases (generate_series, vacuum analyze)`,
        target: "report",
        measured: seedSeconds.join(" / "),
        met: null,
      });

      // The physical limit: the statements one nested request issues, replayed straight through `postgres`.
      const recorder = await startSubgraph({ sql: recording, viewsSchema: SCHEMA, hub: stack.hub, port: 0 });
      // Once unrecorded first: a fresh pool's first statement reads Postgres's array types, no request's doing.
      await graphql(recorder.url, NESTED.query);
      capturing = [];
      const check = await graphql(recorder.url, NESTED.query).finally(recorder.stop);
      const statements = capturing;
      capturing = undefined;
      if (check.errors) throw new Error(`nested query failed: ${JSON.stringify(check.errors)}`);
      // The subgraph and the gateway as production runs them (docs/production.md): each its own process,
      // `caldera subgraph` and `caldera gateway`, over the stack's Postgres, chain and indexer.
      const configDir = mkdtempSync(join(tmpdir(), "caldera-scale-"));
      stops.push(async () => rmSync(configDir, { recursive: true, force: true }));
      const config = join(configDir, "caldera.config.json");
      writeFileSync(config, JSON.stringify({ viewsSchema: SCHEMA, partners: [] }));
      const secret = randomBytes(24).toString("base64url");
      const served = await spawnCalderaPart(
        "subgraph",
        "subgraph",
        subgraphEnvironmentOf(stack, { config, secret }),
        await getFreePort(),
      );
      stops.unshift(() => stopPart(served));
      await waitReady(served.url);
      const gateway = await spawnCalderaPart(
        "gateway",
        "gateway",
        { CALDERA_SUBGRAPH_URLS: served.url, CALDERA_GATEWAY_SECRET: secret, CALDERA_CONFIG: config },
        await getFreePort(),
      );
      stops.unshift(() => stopPart(gateway));
      await waitReady(gateway.url);
      const replay = () =>
        throughput(THROUGHPUT_REQUESTS, CONCURRENCY, async () => {
          for (const { string, parameters } of statements)
            await direct.unsafe(string, parameters as never[], { prepare: true });
        });
      // Warm-up (JIT, prepared statements, the gateway's query plan), then rounds of the three in turn, so that a
      // change in the machine's load falls on all of them; each figure is the median of its rounds.
      await replay();
      await throughputOf(served.url, NESTED.query);
      await throughputOf(gateway.url, NESTED.query);
      const rates = { sql: [] as number[], subgraph: [] as number[], gateway: [] as number[] };
      // CPU time per request of each process (/proc), over its own rounds: what each would need of a core alone.
      const cpu = { subgraphAlone: 0, subgraph: 0, gateway: 0 };
      const pids = { subgraph: served.child.pid ?? 0, gateway: gateway.child.pid ?? 0 };
      for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
        rates.sql.push(await replay());
        let before = cpuMsOf(pids.subgraph);
        rates.subgraph.push(await throughputOf(served.url, NESTED.query));
        cpu.subgraphAlone += cpuMsOf(pids.subgraph) - before;
        before = cpuMsOf(pids.subgraph);
        const gatewayBefore = cpuMsOf(pids.gateway);
        rates.gateway.push(await throughputOf(gateway.url, NESTED.query));
        cpu.subgraph += cpuMsOf(pids.subgraph) - before;
        cpu.gateway += cpuMsOf(pids.gateway) - gatewayBefore;
      }
      const perRequest = (ms: number) => (ms / (THROUGHPUT_ROUNDS * THROUGHPUT_REQUESTS)).toFixed(2);
      const [sqlRate, subgraphRate, gatewayRate] = [rates.sql, rates.subgraph, rates.gateway].map((r) =>
        percentile(r, 50),
      ) as [number, number, number];
      const each = (r: number[]) => r.map((v) => v.toFixed(0)).join(", ");
      rows.push({
        row: `subgraph (\`caldera subgraph\`) vs its own ${statements.length} SQL statements straight through postgres, nested query at ${volume(LEVELS.at(-1) ?? 0)} (req/s, median of ${THROUGHPUT_ROUNDS} alternating rounds)`,
        target: "≥ 0.5×",
        measured: `${(subgraphRate / sqlRate).toFixed(2)}× (${subgraphRate.toFixed(0)} vs ${sqlRate.toFixed(0)}; rounds ${each(rates.subgraph)} vs ${each(rates.sql)})`,
        met: subgraphRate / sqlRate >= 0.5,
      });
      rows.push({
        row: `gateway (\`caldera gateway\`) vs subgraph throughput, each its own process, nested query at ${volume(LEVELS.at(-1) ?? 0)} (req/s, the same rounds)`,
        target: "≥ 0.8×",
        measured: `${(gatewayRate / subgraphRate).toFixed(2)}× (${gatewayRate.toFixed(0)} vs ${subgraphRate.toFixed(0)}; rounds ${each(rates.gateway)}; load average ${loadavg()[0]?.toFixed(1)})`,
        met: gatewayRate / subgraphRate >= 0.8,
      });
      rows.push({
        row: "CPU time per nested request, each process over its rounds (/proc): subgraph alone · subgraph + gateway behind the gateway",
        target: "report",
        measured: `${perRequest(cpu.subgraphAlone)} ms · ${perRequest(cpu.subgraph)} + ${perRequest(cpu.gateway)} ms (${os.availableParallelism()} CPUs)`,
        met: null,
      });

      // \`npm start\`'s topology: gateway and subgraph in one process (one event loop for both), for comparison.
      const inProcess = await startGateway({ subgraphs: [{ name: "caldera", url: subgraph.url }], port: 0 });
      stops.unshift(inProcess.stop);
      await waitForGateway(inProcess.url);
      await throughputOf(inProcess.url, NESTED.query);
      const sharedRate = await throughputOf(inProcess.url, NESTED.query);
      const aloneRate = await throughputOf(subgraph.url, NESTED.query);
      rows.push({
        row: "the same with gateway and subgraph in one process, as `npm start` runs them (req/s)",
        target: "report",
        measured: `${(sharedRate / aloneRate).toFixed(2)}× (${sharedRate.toFixed(0)} vs ${aloneRate.toFixed(0)})`,
        met: null,
      });
      return rows;
    } finally {
      for (const stop of stops) await stop().catch(() => {});
      await sql`drop schema if exists ${sql(SCHEMA)} cascade`.catch(() => {});
      client.close();
      await sql.end();
      await recording.end();
      await direct.end();
      await stack.teardown();
    }
  },
};

/** Wall times (ms) of SAMPLES sequential requests, after a few to warm up (prepared statements, JIT). */
async function timeSequential(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  count = SAMPLES,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const started = performance.now();
    const result = await graphql(url, query, variables);
    if (result.errors) throw new Error(`${query}: ${JSON.stringify(result.errors)}`);
    if (i >= 5) samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * The load's client: the gateway's own kept-alive `node:http` client rather than `fetch`, so that on a machine
 * where the client, Postgres, the subgraph and the gateway share the CPUs the load takes as little of them as it
 * can (a load generator would run elsewhere).
 */
const client = createSubgraphFetcher();

async function throughputOf(url: string, query: string): Promise<number> {
  const body = JSON.stringify({ query });
  const headers = { "content-type": "application/json" };
  return throughput(THROUGHPUT_REQUESTS, CONCURRENCY, async () => {
    const response = await client(url, { method: "POST", headers, body });
    const result = (await response.json()) as { errors?: unknown };
    if (!response.ok || result.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(result)}`);
  });
}

/** A process's user + system CPU time so far, in ms (Linux /proc; 0 where there is none). */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** SIGTERM (a drain, as an orchestrator stops it), then the exit. */
async function stopPart(part: CalderaPart): Promise<void> {
  if (part.child.exitCode === null && part.child.signalCode === null) part.child.kill("SIGTERM");
  await part.exited;
}

async function waitForGateway(url: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = await graphql(url, "{ __typename }").catch(() => undefined);
    if (result?.data) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the gateway did not compose the scratch subgraph within 60 s");
}
