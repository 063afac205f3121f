import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./createRateLimiter.js";

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe("createRateLimiter", () => {
  it("admits a burst, then refuses with the seconds until the next token", () => {
    const c = clock();
    const limiter = createRateLimiter({ mutationsPerMinute: 6, burst: 3, now: c.now });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 2 });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    // 6 per minute: one token every 10 s.
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 10 });
    c.advance(4_000);
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 6 });
    c.advance(5_500);
    // 0.5 s short: still refused, and the answer rounds up to a whole second.
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
    c.advance(500);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take("a")).toMatchObject({ allowed: false });
  });

  it("refills at the configured rate and never above the burst", () => {
    const c = clock();
    const limiter = createRateLimiter({ mutationsPerMinute: 60, burst: 2, now: c.now });
    limiter.take("a");
    limiter.take("a");
    c.advance(60 * 60_000);
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take("a")).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("keeps one bucket per client", () => {
    const c = clock();
    const limiter = createRateLimiter({ mutationsPerMinute: 1, burst: 1, now: c.now });
    expect(limiter.take("key:aaa").allowed).toBe(true);
    expect(limiter.take("key:aaa")).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.take("key:bbb").allowed).toBe(true);
    expect(limiter.take("ip:127.0.0.1").allowed).toBe(true);
    expect(limiter.take("ip:127.0.0.1").allowed).toBe(false);
  });

  it("charges one token per mutation field, admitting a request while one token is left", () => {
    const c = clock();
    const limiter = createRateLimiter({ mutationsPerMinute: 60, burst: 3, now: c.now });
    expect(limiter.take("a", 5)).toEqual({ allowed: true, remaining: 0 });
    // 3 − 5 = −2 tokens: three seconds until the bucket holds one again.
    expect(limiter.take("a")).toEqual({ allowed: false, retryAfterSeconds: 3 });
    c.advance(3_000);
    expect(limiter.take("a").allowed).toBe(true);
  });

  it("forgets buckets that refilled, so clients that leave cost no memory", () => {
    const c = clock();
    const limiter = createRateLimiter({ mutationsPerMinute: 60, burst: 2, now: c.now });
    for (let i = 0; i < 100; i++) limiter.take(`client-${i}`);
    limiter.take("busy", 2);
    expect(limiter.size()).toBe(101);
    c.advance(61_000);
    limiter.take("busy", 2);
    expect(limiter.size()).toBe(1);
  });
});
