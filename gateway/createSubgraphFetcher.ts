import { Agent, request } from "node:http";
import type { RemoteGraphQLDataSource } from "@apollo/gateway";

/** What `RemoteGraphQLDataSource` calls to reach a subgraph (Apollo's `Fetcher`). */
type Fetcher = RemoteGraphQLDataSource["fetcher"];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

export type CreateSubgraphFetcherParameters = {
  /** Connections kept open per subgraph host (default 64: more than the gateway's requests in flight at 200 req/s). */
  maxSockets?: number | undefined;
};

export type CreateSubgraphFetcherReturnType = Fetcher & {
  /** Closes the idle connections (the gateway's stop); requests in flight finish on theirs. */
  close: () => void;
};

/**
 * The gateway's fetcher for Caldera's own subgraph: plain `node:http` over kept-alive connections, the whole answer
 * buffered. Apollo's default (make-fetch-happen) runs every subgraph call through an HTTP cache layer, minipass
 * streams and agentkeepalive — about a fifth of the gateway's CPU per request in `scale/reads` — for answers that
 * are `no-store` and never cached. Only what `RemoteGraphQLDataSource` uses is implemented (status, headers,
 * text/json). No time-out, as before: a certifying mutation proves for seconds. A refused or cut connection
 * rejects with the socket's error, which `SubgraphDataSource` reports as `SUBGRAPH_UNAVAILABLE`.
 */
export function createSubgraphFetcher({
  maxSockets = 64,
}: CreateSubgraphFetcherParameters = {}): CreateSubgraphFetcherReturnType {
  // Idle sockets close before the subgraph's 65 s keep-alive time-out would close them under a request.
  const agent = new Agent({ keepAlive: true, maxSockets, timeout: 30_000 });
  const fetcher = (url: string, init: Parameters<Fetcher>[1] = {}): Promise<FetcherResponse> =>
    new Promise((resolve, reject) => {
      const body = init.body;
      const outgoing = request(
        url,
        {
          agent,
          method: init.method ?? "GET",
          headers: {
            ...init.headers,
            ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }),
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () => {
            // node:http's own parse of the headers (lower-case names), read through the few methods Apollo calls:
            // a WHATWG Headers copied from it costs more than the rest of this fetcher.
            const headers = new Map<string, string>();
            for (const [name, value] of Object.entries(incoming.headers))
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
            resolve(
              bufferedResponse(
                url,
                incoming.statusCode ?? 0,
                incoming.statusMessage ?? "",
                responseHeaders(headers),
                Buffer.concat(chunks),
              ),
            );
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  return Object.assign(fetcher, { close: () => agent.destroy() });
}

/** Read-only response headers over a map of lower-case names (a response's headers are not changed after it came). */
function responseHeaders(map: Map<string, string>): FetcherResponse["headers"] {
  const readOnly = () => {
    throw new TypeError("the headers of a subgraph's response are read-only");
  };
  return {
    get: (name) => map.get(name.toLowerCase()) ?? null,
    has: (name) => map.has(name.toLowerCase()),
    entries: () => map.entries(),
    keys: () => map.keys(),
    values: () => map.values(),
    [Symbol.iterator]: () => map.entries(),
    append: readOnly,
    set: readOnly,
    delete: readOnly,
  };
}

/** A whole answer, read once or many times. */
function bufferedResponse(
  url: string,
  status: number,
  statusText: string,
  headers: FetcherResponse["headers"],
  body: Buffer,
): FetcherResponse {
  const text = () => body.toString("utf8");
  const response: FetcherResponse = {
    bodyUsed: false,
    url,
    redirected: false,
    status,
    ok: status >= 200 && status < 300,
    statusText,
    headers,
    text: async () => text(),
    json: async () => JSON.parse(text()),
    arrayBuffer: async () =>
      body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    clone: () => bufferedResponse(url, status, statusText, headers, body),
  };
  return response;
}
