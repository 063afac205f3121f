import { buildSchema, parse, specifiedRules, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { pageCostRule } from "./pageCostRule.js";

const schema = buildSchema(/* GraphQL */ `
  type Query {
    provider(address: String!): Provider
    certificates(first: Int = 20, after: String): CertificateConnection!
    partnerList(first: Int): [Provider!]!
  }
  type Provider {
    name: String
    certificates(first: Int = 20): CertificateConnection!
    earnings: [Earning!]!
    partners: [Provider!]!
  }
  type Earning {
    amount: Int!
    at: String!
  }
  type CertificateConnection {
    totalCount: Int!
    edges: [CertificateEdge!]!
  }
  type CertificateEdge {
    cursor: String!
    node: Certificate!
  }
  type Certificate {
    id: ID!
    provider: Provider!
  }
`);

/** The cost the rule finds (with `maxCost: 0` every query is over it and reports its cost). */
function cost(query: string, variables?: Record<string, unknown>): number {
  const errors = validate(schema, parse(query), [pageCostRule({ maxCost: 0, variables })]);
  expect(errors).toHaveLength(1);
  return errors[0]?.extensions.found as number;
}

describe("pageCostRule: fields resolved, nested page sizes multiplied", () => {
  it("counts each field once outside pages", () => {
    expect(cost(`{ provider(address: "a") { name } }`)).toBe(2);
  });

  it("multiplies the fields under a page by its `first`", () => {
    // certificates 1 + 10 × (totalCount 1 + edges 1 + node 1 + id 1)
    expect(cost(`{ certificates(first: 10) { totalCount edges { node { id } } } }`)).toBe(41);
  });

  it("uses the schema's default page size when `first` is absent, and `defaultPageSize` when it has none", () => {
    expect(cost(`{ certificates { edges { node { id } } } }`)).toBe(1 + 20 * 3);
    expect(cost(`{ partnerList { name } }`)).toBe(1 + 20);
    const errors = validate(schema, parse(`{ partnerList { name } }`), [
      pageCostRule({ maxCost: 0, defaultPageSize: 5 }),
    ]);
    expect(errors[0]?.extensions.found).toBe(1 + 5);
  });

  it("multiplies nested pages: provider → certificates → provider …", () => {
    const inner = `certificates(first: 3) { edges { node { id } } }`;
    const nested = `{ provider(address: "a") { certificates(first: 3) { edges { node { provider { ${inner} } } } } } }`;
    // provider 1 + certificates 1 + 3 × (edges 1 + node 1 + provider 1 + certificates 1 + 3 × 3)
    expect(cost(nested)).toBe(2 + 3 * (4 + 9));
  });

  it("counts a list without `first` at its cap in LIST_SIZES (Provider.earnings: 1,000 buckets), others once", () => {
    // provider 1 + earnings 1 + 1,000 × (amount, at)
    expect(cost(`{ provider(address: "a") { earnings { amount at } } }`)).toBe(2 + 1_000 * 2);
    // Not in the table: counted once, as before.
    expect(cost(`{ provider(address: "a") { partners { name } } }`)).toBe(2 + 1);
    const errors = validate(schema, parse(`{ provider(address: "a") { partners { name } } }`), [
      pageCostRule({ maxCost: 0, listSizes: { "Provider.partners": 7 } }),
    ]);
    expect(errors[0]?.extensions.found).toBe(2 + 7);
  });

  it("reads `first` from variables, their defaults, and treats null as the default", () => {
    const query = `query($n: Int) { certificates(first: $n) { edges { node { id } } } }`;
    expect(cost(query, { n: 5 })).toBe(1 + 5 * 3);
    expect(cost(query, {})).toBe(1 + 20 * 3);
    expect(cost(query, { n: null })).toBe(1 + 20 * 3);
    expect(cost(`query($n: Int = 7) { certificates(first: $n) { edges { node { id } } } }`, {})).toBe(
      1 + 7 * 3,
    );
  });

  it("caps a page at the maximum page size and counts a malformed one as the maximum", () => {
    const query = `query($n: Int) { certificates(first: $n) { edges { node { id } } } }`;
    expect(cost(query, { n: 1_000_000 })).toBe(1 + 100 * 3);
    expect(cost(query, { n: "lots" })).toBe(1 + 100 * 3);
    expect(cost(query, { n: -4 })).toBe(1);
  });

  it("expands fragments and inline fragments, each fragment costed once", () => {
    const query = `
      { certificates(first: 2) { edges { node { ...C ... on Certificate { id } } } } }
      fragment C on Certificate { id provider { ...P } }
      fragment P on Provider { name certificates(first: 4) { totalCount } }`;
    // certificates 1 + 2 × (edges 1 + node 1 + [C: id 1 + provider 1 + (P: name 1 + certificates 1 + 4 × 1)] + id 1)
    expect(cost(query)).toBe(1 + 2 * (2 + (2 + 6) + 1));
  });

  it("stays linear on a fragment bomb (each fragment spreads the next twice)", () => {
    const depth = 60;
    let query = `{ provider(address: "a") { ...F0 } }`;
    for (let i = 0; i < depth; i++)
      query += ` fragment F${i} on Provider { name ${i + 1 < depth ? `...F${i + 1} ...F${i + 1}` : ""} }`;
    const started = performance.now();
    const found = cost(query);
    expect(performance.now() - started).toBeLessThan(100);
    expect(found).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("survives fragment cycles (a validation error of their own)", () => {
    const query = `{ provider(address: "a") { ...A } } fragment A on Provider { name ...B } fragment B on Provider { ...A }`;
    expect(cost(query)).toBe(2);
    expect(validate(schema, parse(query), specifiedRules).length).toBeGreaterThan(0);
  });

  it("reports QUERY_LIMIT_EXCEEDED with the limit, the maximum and the cost found, and passes what fits", () => {
    const query = parse(
      `{ certificates(first: 100) { edges { node { provider { certificates(first: 100) { totalCount } } } } } }`,
    );
    const [error] = validate(schema, query, [pageCostRule({ maxCost: 10_000 })]);
    expect(error?.message).toMatch(/may resolve 10401 fields .* at most 10000/);
    expect(error?.extensions).toMatchObject({
      code: "QUERY_LIMIT_EXCEEDED",
      limit: "maxCost",
      max: 10_000,
      found: 10_401, // 1 + 100 × (edges, node, provider, certificates + 100 × totalCount)
    });
    expect(validate(schema, query, [pageCostRule({ maxCost: 10_401 })])).toEqual([]);
  });
});
