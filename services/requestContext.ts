import { AsyncLocalStorage } from "node:async_hooks";

/** What every part of the hub can know about the request it is working for, without being handed it. */
export type RequestContext = {
  /** The client's `x-request-id` when plausible, else a fresh one (see `serveApollo`); the gateway forwards it. */
  requestId: string;
  /** `performance.now()` when the request arrived, before its body was read. */
  startedAt: number;
  /** Set once the request's outcome was recorded (metrics and log line), so it is recorded exactly once. */
  observed: boolean;
};

/**
 * The current request, set by `serveApollo` around each GraphQL request. Code far from the HTTP layer (SQL
 * statements in a DataLoader batch, a use case) reads the request id from here rather than through every
 * signature in between; promises and timers started within the request carry it along.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();
