import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PartnerRiskSubgraph,
  startPartnerRiskSubgraph,
} from "../../../examples/partner-risk-subgraph/main.js";
import { parsePrometheus } from "../../support/parsePrometheus.js";
import { graphql, startTestStack, type TestStack } from "../../support/startTestStack.js";
import { eventually } from "../support/eventually.js";
import { readyReport } from "../support/readyReport.js";
import { type PartnerProxy, startPartnerProxy } from "../support/startPartnerProxy.js";

/**
 * Scenario: a composed partner deploys a schema that no longer composes with Caldera's (its Provider key typed
 * String! instead of Address!). The gateway refuses it — composition errors by partner name in /ready, the log and
 * a metric — and keeps serving the last good supergraph; when the partner fixes its schema it composes again.
 */
const PARTNER = "partner-risk";
let stack: TestStack;
let partner: PartnerRiskSubgraph;
let proxy: PartnerProxy;

const exampleSdl = readFileSync(
  new URL("../../../examples/partner-risk-subgraph/partnerRisk.graphql", import.meta.url),
  "utf8",
);
const brokenSdl = exampleSdl.replace(
  'type Provider @key(fields: "address") {\n  address: Address!',
  'type Provider @key(fields: "address") {\n  address: String!',
);
const QUERY = `query($a: Address!) { provider(address: $a) { name partnerRiskGrade } partnerRiskSubgraph { name } }`;

beforeAll(async () => {
  expect(brokenSdl).not.toBe(exampleSdl);
  partner = await startPartnerRiskSubgraph({ port: 0, name: PARTNER });
  proxy = await startPartnerProxy({ target: partner.url });
  stack = await startTestStack([{ name: PARTNER, url: proxy.url }]);
  // On a busy machine the partner may miss the first composition; it joins at the next poll.
  await eventually(async () => {
    expect((await readyReport(stack.gatewayUrl)).supergraph.partners[0]?.state).toBe("composed");
  });
});

afterAll(async () => {
  await stack?.teardown();
  await proxy?.close();
  await partner?.stop();
});

const ask = () =>
  graphql<{
    provider: { name: string; partnerRiskGrade: string | null };
    partnerRiskSubgraph: { name: string };
  }>(stack.gatewayUrl, QUERY, { a: stack.hub.walletClient.account.address });

describe("gateway: a partner whose new schema breaks composition", () => {
  it("is composed while its schema composes", async () => {
    const result = await ask();
    expect(result).toEqual({
      data: {
        provider: { name: "Caldera dev provider", partnerRiskGrade: "B" },
        partnerRiskSubgraph: { name: PARTNER },
      },
    });
  });

  it("is refused, reported by name in /ready, the log and a metric; the last good supergraph keeps serving", async () => {
    proxy.sdl = brokenSdl;
    const report = await eventually(async () => {
      const r = await readyReport(stack.gatewayUrl);
      expect(r.supergraph.partners[0]?.state).toBe("refused");
      return r;
    });
    expect(report.ready).toBe(true);
    expect(report.supergraph.partners).toEqual([
      expect.objectContaining({
        name: PARTNER,
        state: "refused",
        inSupergraph: true,
        servingLastGood: true,
        errors: [
          `Type of field "Provider.address" is incompatible across subgraphs: it has type "Address!" in subgraph "caldera" but type "String!" in subgraph "${PARTNER}"`,
        ],
      }),
    ]);
    // The partner still serves the old fields (only its advertised schema changed): the old supergraph answers.
    expect(await ask()).toEqual({
      data: {
        provider: { name: "Caldera dev provider", partnerRiskGrade: "B" },
        partnerRiskSubgraph: { name: PARTNER },
      },
    });
    const metrics = parsePrometheus(
      await (await fetch(stack.gatewayUrl.replace("/graphql", "/metrics"))).text(),
    );
    expect(metrics.value("gateway_partner_composition_errors", { partner: PARTNER })).toBe(1);
    expect(metrics.value("gateway_partner_up", { partner: PARTNER })).toBe(0);
    expect(metrics.value("gateway_partner_in_supergraph", { partner: PARTNER })).toBe(1);
    const log = readFileSync(join(stack.dataDir, "logs", "requests.log"), "utf8");
    const line = log
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { partner?: string; msg?: string; errors?: string[] })
      .find((l) => l.partner === PARTNER && l.msg?.includes("refused"));
    expect(line?.errors).toEqual(report.supergraph.partners[0]?.errors);
  });

  it("composes again once the partner's schema is fixed", async () => {
    proxy.sdl = undefined;
    await eventually(async () => {
      const r = await readyReport(stack.gatewayUrl);
      expect(r.supergraph.partners[0]).toMatchObject({ state: "composed", inSupergraph: true });
    });
    const metrics = parsePrometheus(
      await (await fetch(stack.gatewayUrl.replace("/graphql", "/metrics"))).text(),
    );
    expect(metrics.value("gateway_partner_composition_errors", { partner: PARTNER })).toBe(0);
  });
});
