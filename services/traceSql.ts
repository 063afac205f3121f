import type { Sql } from "postgres";
import type { Logger } from "./createLogger.js";
import { requestContext } from "./requestContext.js";

export type TraceSqlParameters<S extends Sql> = {
  /** A postgres.js pool. */
  sql: S;
  /** Statement lines go here at debug level; while debug is off, queries are not touched at all. */
  logger: Logger;
};

/** Methods of a pool that make a query of their own (the tagged template is the call itself). */
const QUERY_METHODS = new Set<PropertyKey>(["unsafe", "file"]);

/**
 * The pool, logging every statement a GraphQL request runs with that request's id (debug level):
 *
 * `{"level":"debug",…,"server":"subgraph","requestId":"…","statement":"select … where id = $1","durationMs":1.2,"rows":1,"msg":"sql"}`
 *
 * The request is the one current when the query is *created* (in the resolver or DataLoader batch that wrote it),
 * not when postgres.js sends it: a query that waits for a free connection is sent later from another query's
 * socket callback, where the current request is someone else's — so postgres.js's own `debug` hook, which runs at
 * send time and is not given the query, would name the wrong request. Duration is from creation to result, queueing
 * included, which is what the request waited. Parameters are not logged (signatures, datasets).
 *
 * Postgres itself is not told the request id: a per-request comment would make every statement text unique and
 * defeat postgres.js's prepared-statement cache (one entry per text per connection, never evicted), and
 * `application_name` belongs to a pooled connection that several requests share at once.
 */
export function traceSql<S extends Sql>({ sql, logger }: TraceSqlParameters<S>): S {
  const follow = (query: unknown) => {
    if (!isQuery(query) || !logger.isLevelEnabled("debug")) return;
    const context = requestContext.getStore();
    // Start-up, migrations and readiness checks belong to no request.
    if (!context) return;
    const startedAt = performance.now();
    const line = (fields: Record<string, unknown>) =>
      logger.debug(
        {
          requestId: context.requestId,
          statement: (query.string ?? query.strings.join("?")).replace(/\s+/g, " ").trim(),
          durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
          ...fields,
        },
        "sql",
      );
    // Promise's own `then`, not the query's: postgres.js's `then` would send the query, and a query built as a
    // fragment of another must never be sent by itself.
    Promise.prototype.then.call(
      query,
      (result: { count?: number } | undefined) => line({ rows: result?.count ?? null }),
      (error: { code?: string; message?: string }) =>
        line({ error: error?.code ?? "ERROR", message: String(error?.message ?? error).slice(0, 300) }),
    );
  };

  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      apply(fn, thisArg, args) {
        const result = Reflect.apply(fn as (...a: unknown[]) => unknown, thisArg, args);
        follow(result);
        return result;
      },
      get(fn, key) {
        const value = Reflect.get(fn, key, fn) as unknown;
        if (typeof value !== "function") return value;
        if (QUERY_METHODS.has(key))
          return (...args: unknown[]) => {
            const query = (value as (...a: unknown[]) => unknown)(...args);
            follow(query);
            return query;
          };
        // A transaction's and a reserved connection's queries come from their own `sql`: wrap it too.
        if (key === "begin")
          return (...args: unknown[]) => {
            const last = args.length - 1;
            const body = args[last] as (tx: object) => unknown;
            args[last] = (tx: object) => body(wrap(tx));
            return (value as (...a: unknown[]) => unknown)(...args);
          };
        if (key === "reserve")
          return async (...args: unknown[]) =>
            wrap((await (value as (...a: unknown[]) => Promise<object>)(...args)) as object);
        return value;
      },
    });

  return wrap(sql);
}

type PendingQuery = Promise<unknown> & { strings: readonly string[]; string?: string };

function isQuery(value: unknown): value is PendingQuery {
  return value instanceof Promise && Array.isArray((value as { strings?: unknown }).strings);
}
