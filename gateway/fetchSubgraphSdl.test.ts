import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_SECRET_HEADER } from "../guard/gatewaySecret.js";
import { getFreePort } from "../stack/getFreePort.js";
import { fetchSubgraphSdl } from "./fetchSubgraphSdl.js";

/** A real HTTP server answering each path its own way, as subgraphs (and broken ones) do. */
let server: Server;
let base: string;
let seen: IncomingHttpHeaders | undefined;
const answers: Record<string, [number, string, string]> = {
  "/ok": [200, "application/json", JSON.stringify({ data: { _service: { sdl: "type Query { a: Int }" } } })],
  "/html": [200, "text/html", "<html>hello</html>"],
  "/500": [500, "application/json", "{}"],
  "/nosdl": [200, "application/json", JSON.stringify({ data: { _service: null } })],
};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen = req.headers;
    if (req.url === "/hang") return;
    const [status, type, body] = answers[req.url ?? ""] ?? [404, "text/plain", "no"];
    req.resume().on("end", () => res.writeHead(status, { "content-type": type }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("fetchSubgraphSdl", () => {
  it("returns the SDL, sending the gateway secret when given", async () => {
    expect(await fetchSubgraphSdl({ urls: [`${base}/ok`], timeoutMs: 2_000, gatewaySecret: "s3cret" })).toBe(
      "type Query { a: Int }",
    );
    expect(seen?.[GATEWAY_SECRET_HEADER]).toBe("s3cret");
    await fetchSubgraphSdl({ urls: [`${base}/ok`], timeoutMs: 2_000 });
    expect(seen?.[GATEWAY_SECRET_HEADER]).toBeUndefined();
  });

  it("tries the next URL when one fails", async () => {
    expect(await fetchSubgraphSdl({ urls: [`${base}/500`, `${base}/ok`], timeoutMs: 2_000 })).toContain(
      "Query",
    );
  });

  it.each([
    ["/html", "an answer that is not JSON"],
    ["/500", "HTTP 500 to the _service query"],
    ["/nosdl", "no _service.sdl in the answer"],
    ["/hang", "timed out after 200 ms"],
  ])("rejects %s with a one-line reason", async (path, reason) => {
    await expect(fetchSubgraphSdl({ urls: [`${base}${path}`], timeoutMs: 200 })).rejects.toThrow(reason);
  });

  it("names a refused connection by its code", async () => {
    const port = await getFreePort();
    await expect(
      fetchSubgraphSdl({ urls: [`http://127.0.0.1:${port}/graphql`], timeoutMs: 2_000 }),
    ).rejects.toThrow("ECONNREFUSED");
  });
});
