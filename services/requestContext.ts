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
 * The current request, set by `serveApollo` around each GraphQL request when it serves with `traceRequests` (a
 * subgraph logging at debug). Code far from the HTTP layer (SQL statements in a DataLoader batch) reads the request
 * id from here rather than through every signature in between; promises and timers started within the request
 * carry it along. Not on by default: once an AsyncLocalStorage runs, node 20 hooks every promise the process makes,
 * about a tenth of the subgraph's CPU on a nested query (npm run bench, scale/reads).
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

const REQUEST = Symbol("caldera.request");

/**
 * Tags a GraphQL context value with the request it was made for (`serveApollo`, as Apollo creates the context), so
 * that the request's plugins (`observeApollo`) find it without `requestContext`. A symbol property, not a WeakMap:
 * Apollo hands the plugins a shallow copy of the context value, which keeps its own enumerable symbols.
 */
export function tagContextWithRequest<T extends object>(contextValue: T, request: RequestContext): T {
  (contextValue as Record<symbol, unknown>)[REQUEST] = request;
  return contextValue;
}

/** The request a context value was tagged with (`tagContextWithRequest`). */
export function requestOfContext(contextValue: object): RequestContext | undefined {
  return (contextValue as Record<symbol, RequestContext | undefined>)[REQUEST];
}
