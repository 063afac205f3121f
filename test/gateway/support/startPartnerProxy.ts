import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * How the proxy answers the gateway's query-plan fetches (never its `_service` polls, which `sdl` governs):
 * - `forward`: as the partner answers;
 * - `slow`: as the partner answers, `delayMs` later;
 * - `garbage`: HTTP 200 with an HTML page;
 * - `errors`: HTTP 200 with GraphQL errors and no data;
 * - `badEntities`: HTTP 200 with `_entities` of the wrong length.
 */
export type PartnerFault = "forward" | "slow" | "garbage" | "errors" | "badEntities";

export type PartnerProxy = {
  url: string;
  fault: PartnerFault;
  delayMs: number;
  /** When set, the `_service { sdl }` answer (a partner deploying a new schema); the partner's own otherwise. */
  sdl: string | undefined;
  close: () => Promise<void>;
};

/** The partner's own error code (not one of Caldera's: the gateway passes it through, tagged with the partner). */
export const PARTNER_ERROR_CODE = ["PARTNER", "DB", "DOWN"].join("_");

/**
 * A real HTTP hop in front of a real partner subgraph that misbehaves on demand, as a partner would: slow, garbage,
 * errors, a new schema. The partner itself (examples/partner-risk-subgraph) stays unchanged behind it.
 */
export async function startPartnerProxy({
  target,
  port = 0,
}: {
  target: string;
  port?: number;
}): Promise<PartnerProxy> {
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const isServiceQuery = body.includes("_service");
    if (isServiceQuery && proxy.sdl !== undefined)
      return void res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ data: { _service: { sdl: proxy.sdl } } }));
    if (!isServiceQuery) {
      if (proxy.fault === "garbage")
        return void res
          .writeHead(200, { "content-type": "text/html" })
          .end("<html><body>502 upstream</body></html>");
      if (proxy.fault === "errors")
        return void res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            errors: [{ message: "partner database on fire", extensions: { code: PARTNER_ERROR_CODE } }],
          }),
        );
      if (proxy.fault === "badEntities")
        return void res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ data: { _entities: [] } }));
      if (proxy.fault === "slow") await new Promise((r) => setTimeout(r, proxy.delayMs));
    }
    try {
      const answer = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      res
        .writeHead(answer.status, {
          "content-type": answer.headers.get("content-type") ?? "application/json",
        })
        .end(await answer.text());
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const proxy: PartnerProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    fault: "forward",
    delayMs: 0,
    sdl: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
