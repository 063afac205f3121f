import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eraTokenAbi } from "../../../contracts/generated/abis.js";
import { type ServedApollo, serveApollo } from "../../../services/serveApollo.js";
import { graphql, startTestStack, type TestStack } from "../../support/startTestStack.js";

/**
 * Scenario: a partner L2 runs its own subgraph that extends Caldera's `Provider` entity. The gateway composes
 * both from caldera.config.json's `partners` and resolves one query across the two.
 */
let partner: ServedApollo;
let stack: TestStack;
const scores = new Map<string, number>();

beforeAll(async () => {
  const typeDefs = parse(readFileSync(new URL("./partnerRisk.graphql", import.meta.url), "utf8"));
  const resolvers = {
    Query: { partnerStatus: () => "ok" },
    Provider: {
      __resolveReference: ({ address }: { address: string }) => ({ address }),
      partnerRiskScore: ({ address }: { address: string }) => scores.get(address.toLowerCase()) ?? 0,
    },
  };
  partner = await serveApollo({
    server: new ApolloServer({
      schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    }),
    port: 0,
    context: async () => ({}),
    readiness: async () => ({ ready: true }),
    maxBodyBytes: 100_000,
  });
  stack = await startTestStack([{ name: "partner-risk", url: partner.url }]);
});

afterAll(async () => {
  await stack?.teardown();
  await partner?.stop();
});

describe("gateway: a partner subgraph extends Provider", () => {
  it("joins Caldera's provider fields with the partner's in one query", async () => {
    const address = stack.hub.walletClient.account.address;
    scores.set(address.toLowerCase(), 42);
    const result = await graphql<{
      provider: { name: string; eraBalance: string; partnerRiskScore: number };
      partnerStatus: string;
    }>(
      stack.gatewayUrl,
      `query($a: Address!) { partnerStatus provider(address: $a) { name eraBalance partnerRiskScore } }`,
      { a: address },
    );
    expect(result.errors).toBeUndefined();
    // The treasury's balance on-chain (the dev chain hands some of it to the dev nodes), as the indexer saw it.
    const balance = await stack.hub.publicClient.readContract({
      address: stack.deployment.contracts.EraToken.address,
      abi: eraTokenAbi,
      functionName: "balanceOf",
      args: [address],
    });
    expect(result.data).toEqual({
      partnerStatus: "ok",
      provider: {
        name: "Caldera dev provider",
        eraBalance: balance.toString(),
        partnerRiskScore: 42,
      },
    });
  });

  it("reports readiness only once composed", async () => {
    const ready = await fetch(stack.gatewayUrl.replace("/graphql", "/ready"));
    expect(ready.status).toBe(200);
  });
});
