import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SupergraphSdlHook } from "@apollo/gateway";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createSupergraphManager,
  MIN_SDL_TIMEOUT_MS,
  type SupergraphEvent,
} from "./createSupergraphManager.js";

/**
 * Real HTTP subgraphs (only `_service { sdl }`, which is all the manager asks): Caldera's stand-in serves the
 * published contract, partners serve the contract test's example SDLs and can be down, hang or change schema.
 */
type FakeSubgraph = { url: string; sdl: string; mode: "up" | "down" | "hang"; server: Server };

async function serveSdl(sdl: string): Promise<FakeSubgraph> {
  const subgraph = { url: "", sdl, mode: "up" as FakeSubgraph["mode"], server: createServer() };
  subgraph.server.on("request", (req, res) => {
    if (subgraph.mode === "down") return void req.socket.destroy();
    if (subgraph.mode === "hang") return;
    req
      .resume()
      .on("end", () =>
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ data: { _service: { sdl: subgraph.sdl } } })),
      );
  });
  await new Promise<void>((resolve) => subgraph.server.listen(0, "127.0.0.1", resolve));
  subgraph.url = `http://127.0.0.1:${(subgraph.server.address() as AddressInfo).port}/graphql`;
  return subgraph;
}

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
const contract = read("../schema/federation/caldera-federation-v1.graphql");
const goodSdl = read("../test/gateway/federation-contract/partners/good-extends-provider.graphql");
const otherSdl = read(
  "../test/gateway/federation-contract/partners/good-extends-risk-subject-and-certificate.graphql",
);
const brokenSdl = read("../test/gateway/federation-contract/partners/bad-string-key.graphql");

let caldera: FakeSubgraph;
let acme: FakeSubgraph;
let platform: FakeSubgraph;
let stateDir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  caldera = await serveSdl(contract);
  acme = await serveSdl(goodSdl);
  platform = await serveSdl(otherSdl);
  stateDir = mkdtempSync(join(tmpdir(), "caldera-supergraph-"));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  acme.mode = "up";
  acme.sdl = goodSdl;
});
afterAll(async () => {
  for (const s of [caldera, acme, platform]) s?.server.closeAllConnections();
  await Promise.all([caldera, acme, platform].map((s) => new Promise((r) => s?.server.close(r))));
  rmSync(stateDir, { recursive: true, force: true });
});

async function start(parameters: Partial<Parameters<typeof createSupergraphManager>[0]> = {}) {
  const updates: string[] = [];
  const events: SupergraphEvent[] = [];
  const manager = createSupergraphManager({
    own: { name: "caldera", urls: [caldera.url] },
    partners: [{ name: "acme", url: acme.url, timeoutMs: 300 }],
    // Polls are driven by the test (`poll()`), never by the timer.
    pollIntervalMs: 3_600_000,
    onEvent: (e) => events.push(e),
    ...parameters,
  });
  const { supergraphSdl, cleanup } = await manager.supergraphSdl({
    update: (sdl: string) => updates.push(sdl),
    healthCheck: async () => {},
    getDataSource: () => {
      throw new Error("not used");
    },
  } as Parameters<SupergraphSdlHook>[0]);
  if (cleanup) cleanups.push(cleanup);
  return { manager, supergraphSdl, updates, events };
}

describe("createSupergraphManager", () => {
  it("starts without a partner that is down and picks it up when it answers", async () => {
    acme.mode = "down";
    const { manager, supergraphSdl, updates } = await start();
    expect(supergraphSdl).not.toContain("acmeExposure");
    expect(manager.status().partners).toEqual([
      expect.objectContaining({ name: "acme", state: "down", inSupergraph: false, source: "config" }),
    ]);
    acme.mode = "up";
    await manager.poll();
    expect(updates).toHaveLength(1);
    expect(updates[0]).toContain("acmeExposure");
    expect(manager.status().partners[0]).toMatchObject({
      name: "acme",
      state: "composed",
      inSupergraph: true,
    });
  });

  it("a partner whose schema poll hangs counts as down, named with the reason (the poll waits at least 5 s)", async () => {
    acme.mode = "hang";
    const { manager } = await start();
    expect(manager.status().partners[0]).toMatchObject({
      state: "down",
      reason: `timed out after ${MIN_SDL_TIMEOUT_MS} ms`,
    });
  });

  it("refuses a partner's schema that stops composing and keeps serving its last good one", async () => {
    const { manager, supergraphSdl, updates, events } = await start({ stateDir });
    expect(supergraphSdl).toContain("acmeExposure");
    acme.sdl = brokenSdl;
    await manager.poll();
    expect(updates).toEqual([]);
    expect(manager.status().partners[0]).toMatchObject({
      name: "acme",
      state: "refused",
      inSupergraph: true,
      servingLastGood: true,
      errors: [expect.stringContaining('Type of field "Provider.address" is incompatible')],
    });
    expect(events.find((e) => e.level === "error")).toMatchObject({
      partner: "acme",
      errors: [expect.any(String)],
    });
    // Its last good SDL was kept on disk for the next start.
    expect(readFileSync(join(stateDir, "acme.graphql"), "utf8")).toBe(goodSdl);
  });

  it("keeps a partner that is down at start in the schema when its last good SDL was kept", async () => {
    acme.mode = "down";
    const { manager, supergraphSdl } = await start({ stateDir });
    expect(supergraphSdl).toContain("acmeExposure");
    expect(manager.status().partners[0]).toMatchObject({
      state: "down",
      inSupergraph: true,
      servingLastGood: true,
    });
  });

  it("adds discovered partners every poll; configuration wins a name clash; a failed discovery keeps the last list", async () => {
    let discovered = [{ name: "acme", url: platform.url }];
    let fail = false;
    const { manager, updates } = await start({
      discoverPartners: async () => {
        if (fail) throw new Error("views unreachable");
        return discovered;
      },
    });
    expect(manager.status().partners.map((p) => [p.name, p.source])).toEqual([["acme", "config"]]);
    discovered = [{ name: "ecosystem-2", url: platform.url }];
    await manager.poll();
    expect(manager.status().partners.map((p) => [p.name, p.source, p.state])).toEqual([
      ["acme", "config", "composed"],
      ["ecosystem-2", "registry", "composed"],
    ]);
    expect(updates.at(-1)).toContain("platformWatch");
    fail = true;
    await manager.poll();
    expect(manager.status()).toMatchObject({ discoveryError: "views unreachable" });
    expect(manager.status().partners.map((p) => p.name)).toEqual(["acme", "ecosystem-2"]);
  });

  it("rejects at start when Caldera's own subgraph does not compose", async () => {
    const saved = caldera.sdl;
    caldera.sdl = "type Query { broken: Nope }";
    try {
      await expect(start()).rejects.toThrow(/Caldera's own subgraph \(caldera\) does not compose/);
    } finally {
      caldera.sdl = saved;
    }
  });
});
