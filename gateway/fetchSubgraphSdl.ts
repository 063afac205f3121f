import { GATEWAY_SECRET_HEADER } from "../guard/gatewaySecret.js";

export type FetchSubgraphSdlParameters = {
  /** Every URL the subgraph is served at (replicas); the first that answers wins. */
  urls: readonly string[];
  /** Bounds each URL's attempt: a partner that hangs must not hold up composition. */
  timeoutMs: number;
  /** Caldera's own subgraph answers `_service` only to the gateway; never sent to partners. */
  gatewaySecret?: string | undefined;
};

/** A subgraph's federation SDL: `{ _service { sdl } }`, as the federation spec has a gateway ask for it. */
export type FetchSubgraphSdlReturnType = string;

const SERVICE_QUERY = "query __ApolloGetServiceDefinition__ { _service { sdl } }";

/** Longest SDL a subgraph may send: Caldera's own is ~60 KB; a partner's schema should be far smaller. */
const MAX_SDL_CHARS = 2_000_000;

/**
 * Asks a subgraph for its SDL. Rejects with a one-line reason (`timed out after 2000 ms`, `HTTP 502`, `no
 * _service.sdl in the answer`, the connection error) that the gateway reports under the subgraph's name.
 */
export async function fetchSubgraphSdl({
  urls,
  timeoutMs,
  gatewaySecret,
}: FetchSubgraphSdlParameters): Promise<FetchSubgraphSdlReturnType> {
  let last: unknown;
  for (const url of urls) {
    try {
      return await fetchOne(url, timeoutMs, gatewaySecret);
    } catch (error) {
      last = error;
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

async function fetchOne(url: string, timeoutMs: number, gatewaySecret: string | undefined): Promise<string> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (gatewaySecret) headers[GATEWAY_SECRET_HEADER] = gatewaySecret;
  let response: Response;
  let text: string;
  try {
    // One signal for the whole exchange: a partner that sends headers and then stalls the body times out too.
    const signal = AbortSignal.timeout(timeoutMs);
    response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: SERVICE_QUERY }),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
      throw new Error(`timed out after ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)),
    );
  }
  if (!response.ok) throw new Error(`HTTP ${response.status} to the _service query`);
  if (text.length > MAX_SDL_CHARS) throw new Error(`an SDL over ${MAX_SDL_CHARS} characters`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error("an answer that is not JSON");
  }
  const sdl = (body as { data?: { _service?: { sdl?: unknown } } } | null)?.data?._service?.sdl;
  if (typeof sdl !== "string" || sdl.trim() === "") throw new Error("no _service.sdl in the answer");
  return sdl;
}
