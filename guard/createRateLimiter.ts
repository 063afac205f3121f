import type { RateLimits } from "../config/loadCalderaConfig.js";

export type CreateRateLimiterParameters = RateLimits & {
  /** Milliseconds since an epoch; tests pass their own clock. */
  now?: () => number;
};

export type RateLimitDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSeconds: number };

export type RateLimiter = {
  /**
   * Takes `cost` tokens (one per mutation field) from `client`'s bucket. A request is admitted while the bucket holds
   * at least one token and may take it below zero (a request with several mutation fields is paid for by waiting
   * afterwards), so every request can eventually pass; refused, it takes nothing.
   */
  take: (client: string, cost?: number) => RateLimitDecision;
  /** Buckets held (full ones are dropped, since a full bucket is what a new client gets). */
  size: () => number;
};

export type CreateRateLimiterReturnType = RateLimiter;

/**
 * A token bucket per client, in this process's memory: `burst` tokens, refilled at `mutationsPerMinute`. Buckets
 * that have refilled completely are forgotten (at most once a minute, while taking), so clients that come and go
 * cost no memory. With N subgraph replicas behind a balancer each has its own buckets: the limit is N× as loose.
 */
export function createRateLimiter({
  mutationsPerMinute,
  burst,
  now = Date.now,
}: CreateRateLimiterParameters): CreateRateLimiterReturnType {
  const perMs = mutationsPerMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let sweptAt = now();
  const level = (bucket: { tokens: number; at: number }, t: number) =>
    Math.min(burst, bucket.tokens + (t - bucket.at) * perMs);
  const sweep = (t: number) => {
    if (t - sweptAt < 60_000) return;
    sweptAt = t;
    for (const [client, bucket] of buckets) if (level(bucket, t) >= burst) buckets.delete(client);
  };
  return {
    take: (client, cost = 1) => {
      const t = now();
      sweep(t);
      const bucket = buckets.get(client) ?? { tokens: burst, at: t };
      const tokens = level(bucket, t);
      // The epsilon: a client that waited exactly retryAfterSeconds must not be refused by a rounding error.
      if (tokens < 1 - 1e-9) {
        // Whole seconds, rounded up: a client that waits this long is admitted.
        const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
        return { allowed: false, retryAfterSeconds };
      }
      buckets.set(client, { tokens: tokens - cost, at: t });
      return { allowed: true, remaining: Math.max(0, Math.floor(tokens - cost)) };
    },
    size: () => buckets.size,
  };
}
