/** The probes of the abuse matrix: each is small to send and, unchecked, expensive to plan or to answer. */

export const DEV_PROVIDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/** `n` fragments, each nesting provider → certificates → edges → node → provider and spreading the next. */
export function nestedFragmentChain(n: number): string {
  let query = `query { provider(address: "${DEV_PROVIDER}") { ...F0 } }\n`;
  for (let i = 0; i < n; i++)
    query += `fragment F${i} on Provider { certificates { edges { node { provider { ${
      i + 1 < n ? `...F${i + 1}` : "name"
    } } } } } }\n`;
  return query;
}

/** `n` inline fragments nested in one another: no field depth at all, but a planner's worst case. */
export function nestedInlineFragments(n: number): string {
  return `query { ${"... on Query { __typename ".repeat(n)}${"} ".repeat(n)}}`;
}

/** provider → certificates(first) → provider …, `levels` times. */
export function providerCertificateLoop(levels: number, first: number): string {
  let inner = "name";
  for (let i = 0; i < levels; i++)
    inner = `certificates(first: ${first}) { edges { node { provider { ${inner} } } } }`;
  return `query { provider(address: "${DEV_PROVIDER}") { ${inner} } }`;
}

/** Two nested pages: within the depth limit, over the cost limit once page sizes multiply. */
export const NESTED_PAGES = `query($outer: Int, $inner: Int) {
  certificates(first: $outer) { edges { node { provider { certificates(first: $inner) { edges { node { id } } } } } } }
}`;

/**
 * A page of components, each with a metrics window of 960 minute buckets (at most 1,000): no `first` on the buckets, so only the
 * list sizes the cost limit knows (guard/listSizes.ts) keep it from counting 20 where it reads 20,000.
 */
export const COMPONENT_METRICS = `query($first: Int) {
  components(first: $first) { edges { node { metrics(window: { from: "2026-01-01T00:00:00Z", to: "2026-01-01T16:00:00Z" }, bucket: MINUTE) {
    points { bucketStart invocations p50LatencyMs } } } } }
}`;

export const manyAliases = (n: number) =>
  `query { ${Array.from({ length: n }, (_, i) => `a${i}: certificates(first: 1) { totalCount }`).join(" ")} }`;

export const manyDirectives = (n: number) =>
  `query($t: Boolean = true) { certificates(first: 1) { ${Array.from({ length: n }, () => "totalCount @include(if: $t)").join(" ")} } }`;

const BY_ADDRESS = "query($a: Address!) { provider(address: $a) { name } }";
const FROM = "query($d: DateTime) { certificates(filter: { certifiedFrom: $d }) { totalCount } }";
const FILTER = "query($f: CertificateFilter) { certificates(filter: $f) { totalCount } }";

/** Ten variables the subgraph's custom scalars reject: [what, query, variables]. */
export const badScalarVariables: [string, string, Record<string, unknown>][] = [
  ["a word as Address", BY_ADDRESS, { a: "nope" }],
  ["a short Address", BY_ADDRESS, { a: "0x1234" }],
  ["a number as Address", BY_ADDRESS, { a: 42 }],
  ["a non-hex Address", BY_ADDRESS, { a: `0x${"g".repeat(40)}` }],
  ["a bad Address inside an input object", FILTER, { f: { provider: "0xZZ" } }],
  ["a word as DateTime", FROM, { d: "yesterday" }],
  ["an impossible date", FROM, { d: "2026-02-30T00:00:00Z" }],
  ["a DateTime without time zone", FROM, { d: "2026-06-01T00:00:30" }],
  ["a DateTime with fractions of a second", FROM, { d: "2026-06-01T00:00:30.5Z" }],
  ["unix seconds as DateTime", FILTER, { f: { certifiedBefore: 1_780_272_030 } }],
];
