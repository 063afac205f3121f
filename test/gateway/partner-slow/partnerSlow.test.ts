import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PartnerRiskSubgraph,
  startPartnerRiskSubgraph,
} from "../../../examples/partner-risk-subgraph/main.js";
import { graphql, startTestStack, type TestStack } from "../../support/startTestStack.js";
import { eventually } from "../support/eventually.js";
import { readyReport } from "../support/readyReport.js";
import { PARTNER_ERROR_CODE, type PartnerProxy, startPartnerProxy } from "../support/startPartnerProxy.js";

/**
 * Scenario: a composed partner turns slow (past its `timeoutMs`), then answers garbage, GraphQL errors or the
 * wrong entities. Each time Caldera's fields still answer, the partner's are null, and one error names the partner
 * (`extensions.serviceName`, and the message). One stack for all of them; the partner sits behind a proxy that
 * misbehaves on demand.
 */
const PARTNER = "partner-risk";
const TIMEOUT_MS = 500;
let stack: TestStack;
let partner: PartnerRiskSubgraph;
let proxy: PartnerProxy;

const QUERY = `query($a: Address!) { provider(address: $a) { name eraBalance partnerExposure partnerDefaults } }`;
type Answer = {
  provider: {
    name: string | null;
    eraBalance: string;
    partnerExposure: string | null;
    partnerDefaults: number | null;
  };
};
const ask = () => graphql<Answer>(stack.gatewayUrl, QUERY, { a: stack.hub.walletClient.account.address });

beforeAll(async () => {
  partner = await startPartnerRiskSubgraph({ port: 0, name: PARTNER });
  proxy = await startPartnerProxy({ target: partner.url });
  stack = await startTestStack([{ name: PARTNER, url: proxy.url, timeoutMs: TIMEOUT_MS }]);
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

/** Caldera's fields as answered, the partner's null. */
function expectCalderaOnly(data: Answer | undefined) {
  expect(data?.provider).toEqual({
    name: "Caldera dev provider",
    eraBalance: expect.stringMatching(/^\d+$/),
    partnerExposure: null,
    partnerDefaults: null,
  });
}

describe("gateway: a partner that is slow or answers garbage", () => {
  it("answers both when the partner behaves", async () => {
    proxy.fault = "forward";
    const result = await ask();
    expect(result.errors).toBeUndefined();
    expect(result.data?.provider).toMatchObject({ name: "Caldera dev provider", partnerDefaults: 1 });
  });

  it("slow past its timeoutMs: SUBGRAPH_TIMEOUT naming the partner, Caldera's fields answer", async () => {
    proxy.fault = "slow";
    proxy.delayMs = TIMEOUT_MS * 6;
    const started = Date.now();
    const result = await ask();
    expectCalderaOnly(result.data);
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: `the ${PARTNER} subgraph did not answer within ${TIMEOUT_MS} ms`,
        extensions: expect.objectContaining({ code: "SUBGRAPH_TIMEOUT", serviceName: PARTNER }),
      }),
    ]);
    // Sanity bound (generous): the gateway did not wait for the partner's 3 s.
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 6);
  });

  it.each([
    ["an HTML page", "garbage", `the ${PARTNER} subgraph answered without a GraphQL response`],
    [
      "the wrong number of entities",
      "badEntities",
      `the ${PARTNER} subgraph answered without a GraphQL response`,
    ],
  ] as const)("answering %s: SUBGRAPH_UNAVAILABLE naming the partner", async (_, fault, message) => {
    proxy.fault = fault;
    const result = await ask();
    expectCalderaOnly(result.data);
    expect(result.errors).toEqual([
      expect.objectContaining({
        message,
        extensions: expect.objectContaining({ code: "SUBGRAPH_UNAVAILABLE", serviceName: PARTNER }),
      }),
    ]);
  });

  it("answering GraphQL errors: its errors come back tagged with its name", async () => {
    proxy.fault = "errors";
    const result = await ask();
    expectCalderaOnly(result.data);
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: "partner database on fire",
        extensions: expect.objectContaining({ code: PARTNER_ERROR_CODE, serviceName: PARTNER }),
      }),
    ]);
  });

  it("keeps serving after all that: the partner answers again once it behaves", async () => {
    proxy.fault = "forward";
    const result = await ask();
    expect(result.errors).toBeUndefined();
    expect(result.data?.provider.partnerDefaults).toBe(1);
    const ready = await fetch(stack.gatewayUrl.replace("/graphql", "/ready"));
    expect(ready.status).toBe(200);
  });
});
