import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApolloServer, type BaseContext, HeaderMap } from "@apollo/server";
import { BaseError } from "../errors/BaseError.js";
import type { ErrorCode } from "../errors/errorCodes.js";
import type { ObserveApolloReturnType } from "./observeApollo.js";
import { type RequestContext, requestContext, tagContextWithRequest } from "./requestContext.js";

/**
 * Who sent a request, for the context: what Apollo's HTTP request does not carry, plus its request headers and the
 * request id (the caller's `x-request-id` when it is a plausible id, else a fresh one; echoed in the response).
 */
export type Caller = { remoteAddress: string | undefined; headers: HeaderMap; requestId: string };

/** Carried gateway → subgraph → logs, so one client request can be followed through every part. */
export const REQUEST_ID_HEADER = "x-request-id";

export type ServeApolloParameters<Context extends BaseContext> = {
  server: ApolloServer<Context>;
  port: number;
  context: (caller: Caller) => Promise<Context>;
  /**
   * Readiness beyond "the process is up" (dependencies reachable, schema composed). `GET /ready` answers 200 or
   * 503 with this report as JSON, so `caldera status` and an orchestrator read the same thing.
   */
  readiness: () => Promise<Readiness>;
  /** A POST body over this many bytes is refused with 413 `REQUEST_TOO_LARGE`, without reading the rest of it. */
  maxBodyBytes: number;
  /** The interface to listen on: loopback unless the process serves other hosts (a container: `0.0.0.0`). */
  host?: string | undefined;
  /** How long `stop()` lets requests in flight finish before it cuts their connections. */
  drainTimeoutMs?: number | undefined;
  /** Metrics (served at `GET /metrics`) and request log lines; its `plugin` must be among the server's plugins. */
  observe?: ObserveApolloReturnType | undefined;
  /**
   * Run each request inside `requestContext`, for code that reads it far from HTTP (debug-level SQL lines). Off by
   * default: it costs every promise of the process a hook (see requestContext).
   */
  traceRequests?: boolean | undefined;
};

export type Readiness = { ready: boolean } & Record<string, unknown>;

export type ServedApollo = { url: string; port: number; stop: () => Promise<void> };

/** A request refused before it reaches Apollo: a body over the limit (413) or one that is not JSON (400). */
class HttpRequestError extends BaseError {
  override name = "HttpRequestError";
  constructor(
    readonly status: 400 | 413,
    message: string,
    code: "BAD_REQUEST" | "REQUEST_TOO_LARGE",
  ) {
    super(message, { code });
  }
}

/**
 * A plain node:http front for an Apollo Server: POST/GET /graphql, GET /health (liveness: the process answers)
 * and GET /ready (readiness: 503 while any dependency is down), so orchestrators and the test harness can wait on it.
 * Bodies are bounded (`maxBodyBytes`, 413) and must be JSON (400); both answers are GraphQL error responses in the
 * media type the client accepts (application/graphql-response+json or application/json).
 */
export async function serveApollo<Context extends BaseContext>({
  server,
  port,
  context,
  readiness,
  maxBodyBytes,
  host = "127.0.0.1",
  drainTimeoutMs = 10_000,
  observe,
  traceRequests = false,
}: ServeApolloParameters<Context>): Promise<ServedApollo> {
  await server.start();
  let draining = false;
  // While draining, every response closes its connection, so a keep-alive client (the gateway) opens its next
  // request elsewhere instead of on a socket about to be cut.
  const closeIfDraining = (res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader("connection", "close");
  };
  const http: Server = createServer(async (req, res) => {
    closeIfDraining(res);
    const url = new URL(req.url ?? "/", "http://localhost");
    const startedAt = performance.now();
    let observed: RequestContext | undefined;
    try {
      if (url.pathname !== "/graphql" && url.pathname !== "/")
        res.once("finish", () => observe?.metrics.httpRequest(url.pathname, res.statusCode));
      if (url.pathname === "/metrics" && observe) {
        const { registry } = observe.metrics;
        const text = await registry.metrics();
        return void res.writeHead(200, { "content-type": registry.contentType }).end(text);
      }
      if (url.pathname === "/health")
        return void res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      if (url.pathname === "/ready") {
        const report = await readiness().catch(
          (error: unknown): Readiness => ({ ready: false, error: String(error) }),
        );
        return void res
          .writeHead(report.ready ? 200 : 503, { "content-type": "application/json" })
          .end(JSON.stringify(report));
      }
      if (url.pathname !== "/graphql" && url.pathname !== "/")
        return void res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers))
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      const sentId = headers.get(REQUEST_ID_HEADER);
      const requestId = sentId && /^[\w.:-]{1,64}$/.test(sentId) ? sentId : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, requestId);
      observed = { requestId, startedAt, observed: false };
      const body = req.method === "POST" ? await readJson(req, maxBodyBytes) : undefined;
      const caller: Caller = { remoteAddress: req.socket.remoteAddress, headers, requestId };
      const request = observed;
      const execute = () =>
        server.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
          // The request travels with its context value to the plugins (observeApollo: its id and start).
          context: async () => tagContextWithRequest(await context(caller), request),
        });
      // With `traceRequests`, also with everything the request runs (SQL statements): see requestContext.
      const response = await (traceRequests ? requestContext.run(request, execute) : execute());
      // Refused by Apollo before its request pipeline (a batch, no content type): the plugin never saw it.
      observe?.unanswered(request, response.status ?? 200);
      closeIfDraining(res);
      res.statusCode = response.status ?? 200;
      for (const [key, value] of response.headers) res.setHeader(key, value);
      if (response.body.kind === "complete") return void res.end(response.body.string);
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      if (observed) observe?.unanswered(observed, error instanceof HttpRequestError ? error.status : 500);
      if (error instanceof HttpRequestError)
        return sendError(req, res, error.status, error.message, error.code);
      sendError(req, res, 500, (error as Error).message, "INTERNAL_SERVER_ERROR");
    }
  });
  http.keepAliveTimeout = 65_000;
  // A port taken between the caller's check and this listen (another process won the race) rejects, with the
  // Apollo server stopped, rather than leaving an unhandled 'error' and a start-up that never resolves.
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await server.stop().catch(() => undefined);
    throw error;
  });
  const actualPort = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/graphql`,
    port: actualPort,
    // Drain: stop accepting connections, drop idle keep-alive ones, let requests in flight finish (so a rolling
    // restart fails none of them), and cut whatever is still open after `drainTimeoutMs`.
    stop: async () => {
      draining = true;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const deadline = setTimeout(() => http.closeAllConnections(), drainTimeoutMs);
      await closed;
      clearTimeout(deadline);
      await server.stop();
    },
  };
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  code: ErrorCode,
) {
  const graphqlResponse = /application\/graphql-response\+json/.test(req.headers.accept ?? "");
  res.writeHead(status, {
    "content-type": `${graphqlResponse ? "application/graphql-response+json" : "application/json"}; charset=utf-8`,
    // A refused body is not read to its end: the connection cannot carry another request.
    ...(req.complete ? {} : { connection: "close" }),
  });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** The body as JSON, refusing it (413) as soon as it is known to be over `maxBytes`: from Content-Length, or while read. */
function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () =>
    new HttpRequestError(413, `the request body is larger than ${maxBytes} bytes`, "REQUEST_TOO_LARGE");
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"]) > maxBytes) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off("data", onData).off("end", onEnd).pause();
      reject(tooLarge());
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text.length === 0 ? undefined : JSON.parse(text));
      } catch {
        reject(new HttpRequestError(400, "the request body is not valid JSON", "BAD_REQUEST"));
      }
    };
    req.on("data", onData).on("end", onEnd).on("error", reject);
  });
}
