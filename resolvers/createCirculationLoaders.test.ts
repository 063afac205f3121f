import { describe, expect, it } from "vitest";
import { bucketStartOf, nextBucketStart } from "./createCirculationLoaders.js";

const at = (iso: string) => Date.parse(iso) / 1000;

/**
 * The calendar buckets of Provider.earnings: the loader fills every bucket between `from` and `to`, and must name
 * them as Postgres' date_trunc (UTC) does, or a bucket's sums would land on no point (the SQL side is checked
 * against Postgres in circulationListQueries.test.ts).
 */
describe("earnings buckets", () => {
  it("start at UTC midnight, on Monday, on the 1st", () => {
    const t = at("2026-11-25T18:33:50Z"); // a Wednesday
    expect(bucketStartOf("DAY", t)).toBe(at("2026-11-25T00:00:00Z"));
    expect(bucketStartOf("WEEK", t)).toBe(at("2026-11-23T00:00:00Z"));
    expect(bucketStartOf("MONTH", t)).toBe(at("2026-11-01T00:00:00Z"));
    // A Monday and a Sunday: the week still starts on that Monday.
    expect(bucketStartOf("WEEK", at("2026-11-23T00:00:00Z"))).toBe(at("2026-11-23T00:00:00Z"));
    expect(bucketStartOf("WEEK", at("2026-11-29T23:59:59Z"))).toBe(at("2026-11-23T00:00:00Z"));
    expect(bucketStartOf("DAY", 0)).toBe(0);
  });

  it("step by a day, a week, and calendar months of 28 to 31 days across a year's end", () => {
    expect(nextBucketStart("DAY", at("2026-12-31T00:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(nextBucketStart("WEEK", at("2026-12-28T00:00:00Z"))).toBe(at("2027-01-04T00:00:00Z"));
    const months: number[] = [];
    for (let s = at("2026-11-01T00:00:00Z"); s < at("2027-04-01T00:00:00Z"); s = nextBucketStart("MONTH", s))
      months.push(s);
    expect(months.map((s) => new Date(s * 1000).toISOString().slice(0, 10))).toEqual([
      "2026-11-01",
      "2026-12-01",
      "2027-01-01",
      "2027-02-01",
      "2027-03-01",
    ]);
  });
});
