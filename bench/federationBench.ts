import { loadavg } from "node:os";
import postgres from "postgres";
import {
  type PartnerRiskSubgraph,
  startPartnerRiskSubgraph,
} from "../examples/partner-risk-subgraph/main.js";
import { startGateway } from "../gateway/startGateway.js";
import { startSubgraph } from "../resolvers/startSubgraph.js";
import type { ServedApollo } from "../services/serveApollo.js";
import { graphql, startTestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile, throughput } from "./measure.js";

const WARM_UP = 200;
const REQUESTS = 300;
const ROUNDS = 3;
const CONCURRENCY = 8;
const PREFIXES = ["alpha", "beta", "gamma"] as const;

/** Caldera's provider fields (one subgraph fetch), and the same plus each composed partner's (one more each). */
const calderaFields = "name registeredAt certificateCount eraBalance";
const query = (partners: readonly string[]) =>
  `query($a: Address!) { provider(address: $a) { ${calderaFields} ${partners
    .map((p) => `${p}Exposure ${p}Defaults ${p}RiskGrade`)
    .join(" ")} } }`;

/**
 * Gateway throughput with one and with three partner subgraphs composed (examples/partner-risk-subgraph, each
 * with its own field prefix), as a ratio to Caldera alone, measured in one process on one stack: three gateways
 * over the same Caldera subgraph, composing 0, 1 and 3 partners. Rows: the provider query joining every composed
 * partner's fields (each partner one more entity fetch, in parallel after Caldera's), and Caldera's fields alone
 * through the three-partner gateway (what composition itself costs a query that touches no partner).
 */
export const federationBench: BenchSuite = {
  name: "gateway/partners",
  run: async () => {
    const stack = await startTestStack();
    const stops: (() => Promise<void>)[] = [];
    // A subgraph without the gateway secret (it then answers `_service` to loopback callers), so the bench's own
    // gateways can compose it; the stack's keeps its secret.
    const sql = postgres(stack.postgresUrl, { max: 10 });
    try {
      const subgraph = await startSubgraph({ sql, viewsSchema: "caldera", hub: stack.hub, port: 0 });
      stops.unshift(subgraph.stop);
      const partners: PartnerRiskSubgraph[] = [];
      for (const prefix of PREFIXES) {
        const partner = await startPartnerRiskSubgraph({ port: 0, name: prefix, fieldPrefix: prefix });
        stops.unshift(partner.stop);
        partners.push(partner);
      }
      const gatewayWith = async (count: number): Promise<ServedApollo> => {
        const gateway = await startGateway({
          subgraphs: [
            { name: "caldera", url: subgraph.url },
            ...PREFIXES.slice(0, count).map((name, i) => ({
              name,
              url: (partners[i] as PartnerRiskSubgraph).url,
            })),
          ],
          port: 0,
        });
        stops.unshift(gateway.stop);
        return gateway;
      };
      const alone = await gatewayWith(0);
      const one = await gatewayWith(1);
      const three = await gatewayWith(3);
      const address = stack.hub.walletClient.account.address;
      const cases = {
        alone: { url: alone.url, text: query([]) },
        one: { url: one.url, text: query(PREFIXES.slice(0, 1)) },
        three: { url: three.url, text: query(PREFIXES) },
        threeCalderaOnly: { url: three.url, text: query([]) },
      };
      const tasks = Object.fromEntries(
        await Promise.all(
          Object.entries(cases).map(async ([name, { url, text }]) => {
            const check = await graphql(url, text, { a: address });
            if (check.errors || !check.data)
              throw new Error(`bench query failed: ${JSON.stringify(check.errors)}`);
            const body = JSON.stringify({ query: text, variables: { a: address } });
            const task = async () => {
              const response = await fetch(url, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body,
              });
              await response.text();
            };
            return [name, task] as const;
          }),
        ),
      ) as Record<keyof typeof cases, () => Promise<void>>;
      // Warm-up of every case first (query plans, connections, JIT), then rounds that interleave the cases, so a
      // busy moment of the machine weighs on all of them alike; each case's median round counts.
      for (const task of Object.values(tasks)) await throughput(WARM_UP, CONCURRENCY, task);
      const rounds: Record<keyof typeof cases, number[]> = {
        alone: [],
        one: [],
        three: [],
        threeCalderaOnly: [],
      };
      for (let round = 0; round < ROUNDS; round++)
        for (const name of Object.keys(cases) as (keyof typeof cases)[])
          rounds[name].push(await throughput(REQUESTS, CONCURRENCY, tasks[name]));
      const median = (values: number[]) => percentile(values, 50);
      const baseline = median(rounds.alone);
      const oneRate = median(rounds.one);
      const threeRate = median(rounds.three);
      const threeCalderaOnly = median(rounds.threeCalderaOnly);
      const ratio = (r: number) =>
        `${(r / baseline).toFixed(2)}× (${r.toFixed(0)} vs ${baseline.toFixed(0)} req/s)`;
      const load = `load average ${loadavg()[0]?.toFixed(1)}`;
      return [
        {
          row: `gateway, Caldera alone: provider query, ${CONCURRENCY} concurrent, median of ${ROUNDS} rounds (req/s; rounds)`,
          target: "report",
          measured: `${baseline.toFixed(0)} (${rounds.alone.map((r) => r.toFixed(0)).join(", ")}; ${load})`,
          met: null,
        },
        {
          row: "gateway with 1 partner composed, query joining its fields: throughput ratio to Caldera alone",
          target: "≥ 0.5×",
          measured: ratio(oneRate),
          met: oneRate / baseline >= 0.5,
        },
        {
          row: "gateway with 3 partners composed, query joining all three: throughput ratio to Caldera alone",
          target: "≥ 0.33×",
          measured: ratio(threeRate),
          met: threeRate / baseline >= 0.33,
        },
        {
          row: "gateway with 3 partners composed, Caldera's fields only: throughput ratio to Caldera alone",
          target: "≥ 0.9×",
          measured: ratio(threeCalderaOnly),
          met: threeCalderaOnly / baseline >= 0.9,
        },
      ] satisfies BenchRow[];
    } finally {
      for (const stop of stops) await stop().catch(() => {});
      await sql.end();
      await stack.teardown();
    }
  },
};
