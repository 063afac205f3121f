import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultQueryLimits } from "../../../config/loadCalderaConfig.js";
import { startGateway } from "../../../gateway/startGateway.js";
import { GATEWAY_SECRET_HEADER } from "../../../guard/gatewaySecret.js";
import { startSubgraph } from "../../../resolvers/startSubgraph.js";
import type { ServedApollo } from "../../../services/serveApollo.js";
import { startTestStack, type TestStack } from "../../support/startTestStack.js";
import {
  badScalarVariables,
  COMPONENT_METRICS,
  DEV_PROVIDER,
  manyAliases,
  manyDirectives,
  NESTED_PAGES,
  nestedFragmentChain,
  nestedInlineFragments,
  providerCertificateLoop,
} from "./hostileQueries.js";

/**
 * Scenario: a client sends the gateway hostile requests (deep or fragment-heavy queries, multiplying pages, bad
 * scalars, huge bodies, two operations, introspection). Each is refused with a typed error and the right HTTP status
 * in well under a second, before the gateway's query planner runs, and the server keeps answering others meanwhile.
 * The subgraph applies the same limits and answers `_entities` / `_service` only to the gateway.
 */
let stack: TestStack;
/** Every response body of this file: none may name an internal URL. */
const bodies: string[] = [];

type Probe = {
  status: number;
  contentType: string;
  ms: number;
  /** How long a `{ __typename }` sent right after the probe took: the server stayed responsive. */
  pingMs: number;
  text: string;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
};

async function send(url: string, body: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  bodies.push(text);
  return { response, text, ms: performance.now() - started };
}

async function probe(
  url: string,
  request: string | { query: string; variables?: Record<string, unknown>; operationName?: string },
  headers: Record<string, string> = {},
): Promise<Probe> {
  const hostile = send(url, typeof request === "string" ? request : JSON.stringify(request), headers);
  const ping = send(url, JSON.stringify({ query: "{ __typename }" }));
  const [{ response, text, ms }, pong] = await Promise.all([hostile, ping]);
  expect(JSON.parse(pong.text)).toEqual({ data: { __typename: "Query" } });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    ms,
    pingMs: pong.ms,
    text,
    body: JSON.parse(text),
  };
}

/** The probe was refused with `code` and `status`, quickly, with no data, and the server kept answering. */
function expectRefused(result: Probe, code: string, status: number, withinMs = 1_000) {
  expect(result.body.errors?.[0]?.extensions?.code, result.text.slice(0, 300)).toBe(code);
  expect(result.status).toBe(status);
  expect(result.body.data).toBeUndefined();
  expect(result.ms).toBeLessThan(withinMs);
  expect(result.pingMs).toBeLessThan(1_000);
}

beforeAll(async () => {
  stack = await startTestStack();
  // Warm up (JIT, first composition lookups) so timings measure the limits, not a cold start.
  await probe(stack.gatewayUrl, { query: nestedFragmentChain(20) });
});

afterAll(async () => {
  await stack?.teardown();
});

describe("gateway: hostile queries are refused before planning", () => {
  it("refuses a chain of 500 nested fragments in < 100 ms and keeps answering", async () => {
    const query = nestedFragmentChain(500);
    expect(query.length).toBeGreaterThan(40_000);
    const result = await probe(stack.gatewayUrl, { query });
    expectRefused(result, "QUERY_LIMIT_EXCEEDED", 400, 100);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ limit: "maxTokens", max: 2_000 });
  });

  it("refuses the 200-fragment chain (20 KB) the same way", async () => {
    const result = await probe(stack.gatewayUrl, { query: nestedFragmentChain(200) });
    expectRefused(result, "QUERY_LIMIT_EXCEEDED", 400, 100);
  });

  it("counts depth through fragments: 30 nested fragments are 182 levels", async () => {
    const result = await probe(stack.gatewayUrl, { query: nestedFragmentChain(30) });
    expectRefused(result, "QUERY_LIMIT_EXCEEDED", 400);
    expect(result.body.errors?.[0]?.extensions).toEqual({
      code: "QUERY_LIMIT_EXCEEDED",
      limit: "maxDepth",
      max: 15,
      found: 182,
    });
    expect(result.body.errors?.[0]?.message).toMatch(/nested 182 levels deep .* at most 15/);
  });

  it("counts nested inline fragments as depth", async () => {
    const result = await probe(stack.gatewayUrl, { query: nestedInlineFragments(300) });
    expectRefused(result, "QUERY_LIMIT_EXCEEDED", 400);
    expect(result.body.errors?.[0]?.extensions?.limit).toBe("maxDepth");
  });

  it("refuses provider → certificates → provider … 10 levels deep (first: 3)", async () => {
    const result = await probe(stack.gatewayUrl, { query: providerCertificateLoop(10, 3) });
    expectRefused(result, "QUERY_LIMIT_EXCEEDED", 400);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ limit: "maxDepth", found: 42 });
  });

  it("refuses nested pages whose sizes multiply past the cost limit, reading `first` from variables", async () => {
    const costly = await probe(stack.gatewayUrl, {
      query: NESTED_PAGES,
      variables: { outer: 100, inner: 100 },
    });
    expectRefused(costly, "QUERY_LIMIT_EXCEEDED", 400);
    // 1 + 100 × (edges, node, provider, certificates + 100 × (edges, node, id))
    expect(costly.body.errors?.[0]?.extensions).toEqual({
      code: "QUERY_LIMIT_EXCEEDED",
      limit: "maxCost",
      max: 10_000,
      found: 30_401,
    });
    // Absent `first` is the default page (20): 1 + 20 × (4 + 20 × 3) = 1281, under the limit.
    const defaults = await probe(stack.gatewayUrl, { query: NESTED_PAGES });
    expect(defaults.status).toBe(200);
    expect(defaults.body.errors).toBeUndefined();
    const small = await probe(stack.gatewayUrl, { query: NESTED_PAGES, variables: { outer: 3, inner: 3 } });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
  });

  it("counts a list without `first` at its cap: a page of metrics windows of 1,000 buckets each", async () => {
    const costly = await probe(stack.gatewayUrl, { query: COMPONENT_METRICS, variables: { first: 20 } });
    expectRefused(costly, "QUERY_LIMIT_EXCEEDED", 400);
    // 1 + 20 × (edges, node, metrics, points + 1,000 × (bucketStart, invocations, p50LatencyMs))
    expect(costly.body.errors?.[0]?.extensions).toMatchObject({
      limit: "maxCost",
      found: 1 + 20 * (4 + 3_000),
    });
    // One component's window fits: 1 + 1 × (4 + 3,000).
    const one = await probe(stack.gatewayUrl, { query: COMPONENT_METRICS, variables: { first: 1 } });
    expect(one.status).toBe(200);
    expect(one.body.errors).toBeUndefined();
  });

  it("refuses too many aliases and too many directives", async () => {
    const aliases = await probe(stack.gatewayUrl, { query: manyAliases(defaultQueryLimits.maxAliases + 5) });
    expectRefused(aliases, "QUERY_LIMIT_EXCEEDED", 400);
    expect(aliases.body.errors?.[0]?.extensions).toMatchObject({ limit: "maxAliases", found: 20 });
    const directives = await probe(stack.gatewayUrl, {
      query: manyDirectives(defaultQueryLimits.maxDirectives + 10),
    });
    expectRefused(directives, "QUERY_LIMIT_EXCEEDED", 400);
    expect(directives.body.errors?.[0]?.extensions).toMatchObject({ limit: "maxDirectives", found: 60 });
    // Within the limits the same shapes are answered.
    const fine = await probe(stack.gatewayUrl, { query: manyAliases(defaultQueryLimits.maxAliases) });
    expect(fine.status).toBe(200);
    expect(fine.body.errors).toBeUndefined();
  });

  it("answers with application/graphql-response+json when asked, with the same statuses", async () => {
    const accept = { accept: "application/graphql-response+json" };
    const limited = await probe(stack.gatewayUrl, { query: nestedFragmentChain(30) }, accept);
    expectRefused(limited, "QUERY_LIMIT_EXCEEDED", 400);
    expect(limited.contentType).toMatch(/^application\/graphql-response\+json/);
    const syntax = await probe(stack.gatewayUrl, { query: "{ certificates(" }, accept);
    expectRefused(syntax, "GRAPHQL_PARSE_FAILED", 400);
    expect(syntax.contentType).toMatch(/^application\/graphql-response\+json/);
    const tooLarge = await probe(stack.gatewayUrl, "x".repeat(200_000), accept);
    expectRefused(tooLarge, "REQUEST_TOO_LARGE", 413);
    expect(tooLarge.contentType).toMatch(/^application\/graphql-response\+json/);
  });
});

describe("gateway: errors are the subgraph's, with GraphQL-over-HTTP statuses", () => {
  it.each(badScalarVariables)(
    "%s: BAD_USER_INPUT with the subgraph's message, HTTP 400",
    async (_, query, variables) => {
      const viaGateway = await probe(stack.gatewayUrl, { query, variables });
      expectRefused(viaGateway, "BAD_USER_INPUT", 400);
      const direct = await probe(stack.subgraphUrl, { query, variables });
      expectRefused(direct, "BAD_USER_INPUT", 400);
      expect(viaGateway.body.errors?.map((e) => e.message)).toEqual(
        direct.body.errors?.map((e) => e.message),
      );
      expect(viaGateway.body.errors?.[0]?.extensions).toEqual({
        code: "BAD_USER_INPUT",
        serviceName: "caldera",
      });
    },
  );

  it("refuses two operations without operationName (and an unknown name) with 400, not 500", async () => {
    const two = await probe(stack.gatewayUrl, { query: "query A { __typename } query B { __typename }" });
    expectRefused(two, "OPERATION_RESOLUTION_FAILURE", 400);
    expect(two.body.errors?.[0]?.message).toMatch(/several operations.*operationName/);
    const unknown = await probe(stack.gatewayUrl, { query: "query A { __typename }", operationName: "B" });
    expectRefused(unknown, "OPERATION_RESOLUTION_FAILURE", 400);
    const picked = await probe(stack.gatewayUrl, {
      query: "query A { __typename } query B { __typename }",
      operationName: "B",
    });
    expect(picked.body).toEqual({ data: { __typename: "Query" } });
  });

  it("refuses a 10 MB body with 413 without reading it whole", async () => {
    const result = await probe(stack.gatewayUrl, {
      query: "{ __typename }",
      variables: { padding: "x".repeat(10_000_000) },
    });
    expectRefused(result, "REQUEST_TOO_LARGE", 413);
    expect(result.body.errors?.[0]?.message).toBe(
      `the request body is larger than ${defaultQueryLimits.maxBodyBytes} bytes`,
    );
  });

  it("never echoes a cursor: a 10 MB one is a 413, a 50 KB one a short BAD_USER_INPUT", async () => {
    const query = "query($after: String) { certificates(after: $after) { totalCount } }";
    const huge = await probe(stack.gatewayUrl, { query, variables: { after: "x".repeat(10_000_000) } });
    expectRefused(huge, "REQUEST_TOO_LARGE", 413);
    const large = await probe(stack.gatewayUrl, { query, variables: { after: "x".repeat(50_000) } });
    expect(large.status).toBe(200);
    expect(large.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(large.body.errors?.[0]?.message).toMatch(/^after is not a cursor this API issued/);
    expect(large.text).not.toContain("xxxxxxxx");
    expect(large.text.length).toBeLessThan(500);
  });

  it("answers malformed JSON with 400 BAD_REQUEST", async () => {
    const result = await probe(stack.gatewayUrl, '{ "query": "{ __typename }" ');
    expectRefused(result, "BAD_REQUEST", 400);
    expect(result.body.errors?.[0]?.message).toBe("the request body is not valid JSON");
  });

  it("refuses introspection and hides field suggestions (NODE_ENV is not development)", async () => {
    expect(process.env.NODE_ENV).not.toBe("development");
    const schema = await probe(stack.gatewayUrl, { query: "{ __schema { types { name } } }" });
    expectRefused(schema, "GRAPHQL_VALIDATION_FAILED", 400);
    expect(schema.body.errors?.[0]?.message).toMatch(/introspection is disabled/);
    const type = await probe(stack.gatewayUrl, { query: '{ __type(name: "Provider") { fields { name } } }' });
    expectRefused(type, "GRAPHQL_VALIDATION_FAILED", 400);
    const typo = await probe(stack.gatewayUrl, { query: "{ providr { name } }" });
    expectRefused(typo, "GRAPHQL_VALIDATION_FAILED", 400);
    expect(typo.text).not.toMatch(/Did you mean/);
    const direct = await probe(stack.subgraphUrl, { query: "{ __schema { types { name } } }" });
    expectRefused(direct, "GRAPHQL_VALIDATION_FAILED", 400);
  });

  it("does not expose _service or _entities through the gateway", async () => {
    const result = await probe(stack.gatewayUrl, { query: "{ _service { sdl } }" });
    expectRefused(result, "GRAPHQL_VALIDATION_FAILED", 400);
  });

  it("still answers ordinary queries, pages of 100 included", async () => {
    const result = await probe(stack.gatewayUrl, {
      query: `query($a: Address!) {
        provider(address: $a) { name certificates(first: 100) { totalCount edges { cursor node { id window { start end } } } } }
        certificates(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { node { id provider { name } } } }
      }`,
      variables: { a: DEV_PROVIDER },
    });
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toMatchObject({ provider: { name: "Caldera dev provider" } });
  });
});

describe("subgraph: the same limits, and federation fields for the gateway only", () => {
  it("applies the query limits to direct callers too", async () => {
    const chain = await probe(stack.subgraphUrl, { query: nestedFragmentChain(500) });
    expectRefused(chain, "QUERY_LIMIT_EXCEEDED", 400, 100);
    const deep = await probe(stack.subgraphUrl, { query: providerCertificateLoop(10, 3) });
    expectRefused(deep, "QUERY_LIMIT_EXCEEDED", 400);
    const costly = await probe(stack.subgraphUrl, {
      query: NESTED_PAGES,
      variables: { outer: 100, inner: 100 },
    });
    expectRefused(costly, "QUERY_LIMIT_EXCEEDED", 400);
    const windows = await probe(stack.subgraphUrl, { query: COMPONENT_METRICS, variables: { first: 20 } });
    expectRefused(windows, "QUERY_LIMIT_EXCEEDED", 400);
    const large = await probe(stack.subgraphUrl, "x".repeat(200_000));
    expectRefused(large, "REQUEST_TOO_LARGE", 413);
  });

  describe("with a gateway secret", () => {
    const secret = "abuse-matrix-secret";
    let sql: postgres.Sql;
    let subgraph: ServedApollo;
    let gateway: ServedApollo;

    beforeAll(async () => {
      sql = postgres(stack.postgresUrl, { transform: postgres.camel, max: 2, onnotice: () => {} });
      subgraph = await startSubgraph({
        sql,
        viewsSchema: "caldera",
        hub: stack.hub,
        port: 0,
        gatewaySecret: secret,
      });
      gateway = await startGateway({
        subgraphs: [{ name: "caldera", url: subgraph.url }],
        port: 0,
        gatewaySecret: secret,
      });
    });

    afterAll(async () => {
      await gateway?.stop();
      await subgraph?.stop();
      await sql?.end();
    });

    it.each([
      ["_service without the secret", "{ _service { sdl } }", {}],
      ["_service with a wrong secret", "{ _service { sdl } }", { [GATEWAY_SECRET_HEADER]: "guess" }],
      [
        "_entities hidden in a fragment",
        "{ ...Q } fragment Q on Query { ... on Query { _entities(representations: []) { __typename } } }",
        {},
      ],
    ])("refuses %s with 403 GATEWAY_ONLY", async (_, query, headers) => {
      const result = await probe(subgraph.url, { query }, headers);
      expectRefused(result, "GATEWAY_ONLY", 403);
    });

    it("answers the gateway, which sends the secret, and ordinary queries from anyone", async () => {
      const sdl = await probe(
        subgraph.url,
        { query: "{ _service { sdl } }" },
        { [GATEWAY_SECRET_HEADER]: secret },
      );
      expect(sdl.status).toBe(200);
      expect(JSON.stringify(sdl.body.data)).toContain("type Provider");
      const direct = await probe(subgraph.url, { query: "{ certificates(first: 1) { totalCount } }" });
      expect(direct.body.errors).toBeUndefined();
      // The gateway composed through `_service` with the secret, and resolves through it.
      let composed: Probe | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        composed = await probe(gateway.url, {
          query: "query($a: Address!) { provider(address: $a) { name } }",
          variables: { a: DEV_PROVIDER },
        });
        if (composed.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(composed?.body).toEqual({ data: { provider: { name: "Caldera dev provider" } } });
    });
  });
});

describe("no error names an internal URL", () => {
  it("across every response of this file", () => {
    expect(bodies.length).toBeGreaterThan(40);
    const internal = [stack.subgraphUrl, new URL(stack.subgraphUrl).host, "http://", "127.0.0.1"];
    const leaks = bodies.filter((body) => internal.some((url) => body.includes(url)));
    expect(leaks).toEqual([]);
  });
});
