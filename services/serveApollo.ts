import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApolloServer, type BaseContext, HeaderMap } from "@apollo/server";

export type ServeApolloParameters<Context extends BaseContext> = {
  server: ApolloServer<Context>;
  port: number;
  context: () => Promise<Context>;
  /**
   * Readiness beyond "the process is up" (dependencies reachable, schema composed). `GET /ready` answers 200 or
   * 503 with this report as JSON, so `caldera status` and an orchestrator read the same thing.
   */
  readiness: () => Promise<Readiness>;
};

export type Readiness = { ready: boolean } & Record<string, unknown>;

export type ServedApollo = { url: string; port: number; stop: () => Promise<void> };

/**
 * A plain node:http front for an Apollo Server: POST/GET /graphql, GET /health (liveness: the process answers)
 * and GET /ready (readiness: 503 while any dependency is down), so orchestrators and the test harness can wait on it.
 */
export async function serveApollo<Context extends BaseContext>({
  server,
  port,
  context,
  readiness,
}: ServeApolloParameters<Context>): Promise<ServedApollo> {
  await server.start();
  const http: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
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
      const body = req.method === "POST" ? await readJson(req) : undefined;
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
        context,
      });
      res.statusCode = response.status ?? 200;
      for (const [key, value] of response.headers) res.setHeader(key, value);
      if (response.body.kind === "complete") return void res.end(response.body.string);
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      const status = error instanceof SyntaxError ? 400 : 500;
      const code = status === 400 ? "BAD_REQUEST" : "INTERNAL_SERVER_ERROR";
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: (error as Error).message, extensions: { code } }] }));
    }
  });
  http.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
  const actualPort = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/graphql`,
    port: actualPort,
    stop: async () => {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await server.stop();
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text.length === 0 ? undefined : JSON.parse(text);
}
