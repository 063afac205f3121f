/**
 * Lists the API serves without `first`, whose length another bound caps: the resolvers enforce these caps, and the
 * query cost limit (`pageCostRule`) counts a selection under such a list that many times, as it does a page's under
 * its `first` — so `components(first: 20) { … metrics { points { … } } }` costs its 20 × 1,000 buckets before anything
 * runs, not 20.
 */

/** Buckets of one `Component.metrics` window. */
export const MAX_METRICS_BUCKETS = 1_000;
/** Buckets of one `Provider.earnings` range. */
export const MAX_EARNINGS_BUCKETS = 1_000;
/** Scenarios `Component.adaptationCycles` lists: the most recently first requested. */
export const MAX_ADAPTATION_SCENARIOS = 100;

/** `Type.field` → the most items the list holds. */
export const LIST_SIZES: Readonly<Record<string, number>> = {
  "ComponentMetrics.points": MAX_METRICS_BUCKETS,
  "Provider.earnings": MAX_EARNINGS_BUCKETS,
  "Component.adaptationCycles": MAX_ADAPTATION_SCENARIOS,
};
