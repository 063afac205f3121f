import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PartnerRiskSubgraph,
  startPartnerRiskSubgraph,
} from "../../../examples/partner-risk-subgraph/main.js";
import { getFreePort } from "../../../stack/getFreePort.js";
import { graphql, startTestStack, type TestStack } from "../../support/startTestStack.js";
import { eventually } from "../support/eventually.js";
import { readyReport } from "../support/readyReport.js";

/**
 * Scenario: a partner listed in caldera.config.json is not running when the stack starts. The gateway starts
 * anyway and Caldera answers; the partner joins at the gateway's next poll once it runs; when it goes down again its
 * fields stay in the schema and come back null with an error naming it, Caldera's fields still answering.
 */
const PARTNER = "partner-risk";
let stack: TestStack;
let partner: PartnerRiskSubgraph | undefined;
let port: number;

const QUERY = `query($a: Address!) { provider(address: $a) { name partnerExposure partnerRiskGrade } }`;
type Answer = {
  provider: { name: string | null; partnerExposure: string | null; partnerRiskGrade: string | null };
};

beforeAll(async () => {
  port = await getFreePort();
  stack = await startTestStack([{ name: PARTNER, url: `http://127.0.0.1:${port}/graphql` }]);
});

afterAll(async () => {
  await partner?.stop();
  await stack?.teardown();
});

describe("gateway: a partner down at start-up", () => {
  it("starts, is ready and answers Caldera's fields; the partner is reported down and left out", async () => {
    const report = await readyReport(stack.gatewayUrl);
    expect(report.status).toBe(200);
    expect(report.supergraph.partners).toEqual([
      expect.objectContaining({ name: PARTNER, state: "down", inSupergraph: false, source: "config" }),
    ]);
    const address = stack.hub.walletClient.account.address;
    const result = await graphql<{ provider: { name: string } }>(
      stack.gatewayUrl,
      `query($a: Address!) { provider(address: $a) { name } }`,
      { a: address },
    );
    expect(result).toEqual({ data: { provider: { name: "Caldera dev provider" } } });
  });

  it("picks the partner up at a poll once it runs: one query joins both", async () => {
    partner = await startPartnerRiskSubgraph({ port, name: PARTNER });
    const address = stack.hub.walletClient.account.address;
    const result = await eventually(async () => {
      const answer = await graphql<Answer>(stack.gatewayUrl, QUERY, { a: address });
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      return answer;
    });
    // The example's seeded dataset: the dev provider has one default and 250,000 ERA of exposure.
    expect(result.data).toEqual({
      provider: {
        name: "Caldera dev provider",
        partnerExposure: "250000000000000000000000",
        partnerRiskGrade: "B",
      },
    });
    expect((await readyReport(stack.gatewayUrl)).supergraph.partners[0]).toMatchObject({
      state: "composed",
      inSupergraph: true,
    });
  });

  it("when the partner goes down again, its fields are null with an error naming it; Caldera's answer", async () => {
    await partner?.stop();
    partner = undefined;
    const address = stack.hub.walletClient.account.address;
    const result = await graphql<Answer>(stack.gatewayUrl, QUERY, { a: address });
    expect(result.data).toEqual({
      provider: { name: "Caldera dev provider", partnerExposure: null, partnerRiskGrade: null },
    });
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: `the ${PARTNER} subgraph is unavailable`,
        extensions: expect.objectContaining({ code: "SUBGRAPH_UNAVAILABLE", serviceName: PARTNER }),
      }),
    ]);
    // At its next poll the gateway reports it down, its last good schema still composed.
    const report = await eventually(async () => {
      const r = await readyReport(stack.gatewayUrl);
      expect(r.supergraph.partners[0]).toMatchObject({
        state: "down",
        inSupergraph: true,
        servingLastGood: true,
      });
      return r;
    });
    expect(report.ready).toBe(true);
  });
});
