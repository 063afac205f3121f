import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SupergraphSdlHook } from "@apollo/gateway";
import { defaultPartnerTimeoutMs, type PartnerSubgraph } from "../config/loadCalderaConfig.js";
import { composeSupergraph } from "./composeSupergraph.js";
import { fetchSubgraphSdl } from "./fetchSubgraphSdl.js";

/**
 * Where a partner stands after the last poll:
 * - `composed`: its current SDL is in the supergraph;
 * - `down`: its SDL could not be fetched (refused, timed out, garbage); with `servingLastGood` its last good SDL is
 *   still composed, so its fields exist and come back null with an error naming it until it returns;
 * - `refused`: its current SDL does not compose (`errors`); with `servingLastGood` the last good one still serves.
 */
export type PartnerState = "composed" | "down" | "refused";

export type PartnerStatus = {
  name: string;
  url: string;
  /** `config`: caldera.config.json's `partners`; `registry`: an active ecosystem of EcosystemRegistry. */
  source: "config" | "registry";
  state: PartnerState;
  /** Whether its fields are in the supergraph (its current SDL, or its last good one). */
  inSupergraph: boolean;
  servingLastGood: boolean;
  /** Why it is down (`timed out after 2000 ms`, `ECONNREFUSED`, …). */
  reason?: string | undefined;
  /** Composition errors of its current SDL, when refused. */
  errors?: string[] | undefined;
  /** Since when it has been in this state (ISO-8601). */
  since: string;
};

export type SupergraphStatus = {
  /** When the served supergraph was composed; absent before the first composition. */
  composedAt?: string | undefined;
  partners: PartnerStatus[];
  /** Why the last discovery of registry partners failed, if it did (the previous list is kept). */
  discoveryError?: string | undefined;
};

/** One line for the operator: a partner changed state, composition refused it, discovery failed. */
export type SupergraphEvent = {
  level: "info" | "warn" | "error";
  msg: string;
  partner?: string | undefined;
  errors?: string[] | undefined;
};

export type CreateSupergraphManagerParameters = {
  /** Caldera's own subgraph (every replica's URL; the first that answers gives the SDL). */
  own: { name: string; urls: readonly string[] };
  /** caldera.config.json's `partners`. */
  partners?: readonly PartnerSubgraph[] | undefined;
  /** Partners found elsewhere (EcosystemRegistry), re-read every poll; a config partner wins a name or URL clash. */
  discoverPartners?: (() => Promise<PartnerSubgraph[]>) | undefined;
  /** How often every subgraph's SDL is fetched again and the supergraph recomposed if any changed. */
  pollIntervalMs: number;
  /** Sent to Caldera's own subgraph only, for its `_service`. */
  gatewaySecret?: string | undefined;
  /**
   * Where each partner's last good SDL is kept (`<name>.graphql`), so a partner that is down when the gateway
   * restarts keeps its fields (null, with an error naming it) instead of vanishing from the schema. In memory only
   * without it.
   */
  stateDir?: string | undefined;
  /** How long Caldera's own subgraph may take to send its SDL (default 10 s: it is local and must answer). */
  ownTimeoutMs?: number | undefined;
  onEvent?: ((event: SupergraphEvent) => void) | undefined;
};

export type SupergraphManager = {
  /** For `new ApolloGateway({ supergraphSdl })`: composes once (Caldera's failure rejects), then polls. */
  supergraphSdl: SupergraphSdlHook;
  status: () => SupergraphStatus;
  /** A partner by subgraph name as last polled (its URL and `timeoutMs`), for the gateway's data sources. */
  partner: (name: string) => (PartnerSubgraph & { source: "config" | "registry" }) | undefined;
  /** Polls now (and waits for it), instead of at the next interval. */
  poll: () => Promise<void>;
};

type Partner = PartnerSubgraph & { source: "config" | "registry" };

/**
 * A partner's schema poll waits at least this long, whatever its `timeoutMs` (which bounds what a client's request
 * waits for it): the poll is off any request's path, and a tight time-out there would drop a busy partner's fields
 * from the schema instead of only nulling them for one request.
 */
export const MIN_SDL_TIMEOUT_MS = 5_000;

/**
 * The gateway's supergraph, kept by the hub rather than by Apollo's IntrospectAndCompose, which fails the start
 * when any subgraph is down and stops polling at the first composition error. Each poll fetches every subgraph's
 * SDL (each partner within its `timeoutMs`, at least `MIN_SDL_TIMEOUT_MS`), composes with `composeSupergraph` (partner by partner when all at
 * once fails) and hands Apollo a new supergraph only when it changed:
 *
 * - a partner down at start-up is left out (or serves its last good SDL from `stateDir`) and joins when it answers;
 * - a partner down later keeps its last good SDL: its fields stay in the schema and come back null with
 *   `SUBGRAPH_UNAVAILABLE` naming it, so clients' queries keep validating;
 * - a partner whose new SDL no longer composes is refused (errors by partner name in `status()` and `onEvent`) and
 *   its last good SDL keeps serving;
 * - Caldera's own subgraph failing to compose is fatal at start; later, the last good supergraph keeps serving.
 */
export function createSupergraphManager({
  own,
  partners: configured = [],
  discoverPartners,
  pollIntervalMs,
  gatewaySecret,
  stateDir,
  ownTimeoutMs = 10_000,
  onEvent = () => {},
}: CreateSupergraphManagerParameters): SupergraphManager {
  const lastGood = new Map<string, string>();
  const statuses = new Map<string, PartnerStatus>();
  let partners: Partner[] = configured.map((p) => ({ ...p, source: "config" }));
  let discovered: PartnerSubgraph[] = [];
  let discoveryError: string | undefined;
  let composedAt: string | undefined;
  let currentSupergraph: string | undefined;
  let lastInputs: string | undefined;
  let update: ((sdl: string) => void) | undefined;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const readLastGood = (name: string): string | undefined => {
    const known = lastGood.get(name);
    if (known !== undefined || !stateDir) return known;
    try {
      const sdl = readFileSync(join(stateDir, `${name}.graphql`), "utf8");
      lastGood.set(name, sdl);
      return sdl;
    } catch {
      return undefined;
    }
  };
  const keepLastGood = (name: string, sdl: string) => {
    if (lastGood.get(name) === sdl) return;
    lastGood.set(name, sdl);
    if (!stateDir) return;
    try {
      mkdirSync(stateDir, { recursive: true });
      // Written aside then renamed: a crash mid-write never leaves half an SDL to compose at the next start.
      const path = join(stateDir, `${name}.graphql`);
      writeFileSync(`${path}.tmp`, sdl);
      renameSync(`${path}.tmp`, path);
    } catch (error) {
      onEvent({ level: "warn", msg: `could not keep the last good SDL: ${String(error)}`, partner: name });
    }
  };

  const setStatus = (next: Omit<PartnerStatus, "since">) => {
    const before = statuses.get(next.name);
    const changed =
      before?.state !== next.state ||
      before.inSupergraph !== next.inSupergraph ||
      JSON.stringify(before.errors) !== JSON.stringify(next.errors);
    statuses.set(next.name, { ...next, since: changed || !before ? new Date().toISOString() : before.since });
    if (!changed) return;
    if (next.state === "composed")
      onEvent({ level: "info", msg: `partner subgraph ${next.name} composed`, partner: next.name });
    else if (next.state === "down")
      onEvent({
        level: "warn",
        msg: `partner subgraph ${next.name} is down (${next.reason}); ${next.inSupergraph ? "its last good schema stays composed, its fields answer null with an error" : "left out of the supergraph until it answers"}`,
        partner: next.name,
      });
    else
      onEvent({
        level: "error",
        msg: `partner subgraph ${next.name}: its schema does not compose and is refused; ${next.inSupergraph ? "its last good schema keeps serving" : "it is left out"}`,
        partner: next.name,
        errors: next.errors,
      });
  };

  async function refreshPartners(): Promise<void> {
    if (discoverPartners) {
      try {
        discovered = await discoverPartners();
        if (discoveryError !== undefined) onEvent({ level: "info", msg: "partner discovery works again" });
        discoveryError = undefined;
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
        if (reason !== discoveryError)
          onEvent({
            level: "warn",
            msg: `partner discovery failed (${reason}); keeping the partners it found before`,
          });
        discoveryError = reason;
      }
    }
    const names = new Set([own.name, ...configured.map((p) => p.name)]);
    const urls = new Set([...own.urls, ...configured.map((p) => p.url)]);
    const fromRegistry: Partner[] = [];
    for (const p of discovered) {
      if (names.has(p.name) || urls.has(p.url)) continue;
      names.add(p.name);
      urls.add(p.url);
      fromRegistry.push({ ...p, source: "registry" });
    }
    partners = [...configured.map((p) => ({ ...p, source: "config" as const })), ...fromRegistry].sort(
      (a, b) => a.name.localeCompare(b.name),
    );
    for (const name of [...statuses.keys()]) if (!names.has(name)) statuses.delete(name);
  }

  /** One poll: returns the supergraph to serve (rejects only when Caldera's own subgraph fails). */
  async function compose(): Promise<string> {
    await refreshPartners();
    const [ownSdl, ...fetched] = await Promise.all([
      fetchSubgraphSdl({ urls: own.urls, timeoutMs: ownTimeoutMs, gatewaySecret }).catch((error: Error) => {
        throw new Error(`Caldera's own subgraph (${own.name}) did not send its SDL: ${error.message}`);
      }),
      ...partners.map((p) =>
        fetchSubgraphSdl({
          urls: [p.url],
          timeoutMs: Math.max(p.timeoutMs ?? defaultPartnerTimeoutMs, MIN_SDL_TIMEOUT_MS),
        }).then(
          (sdl) => ({ sdl }),
          (error: Error) => ({ reason: error.message }),
        ),
      ),
    ]);
    const candidates = partners.flatMap((p, i) => {
      const result = fetched[i] as { sdl: string } | { reason: string };
      const kept = readLastGood(p.name);
      if ("sdl" in result) return [{ name: p.name, url: p.url, sdl: result.sdl, lastGoodSdl: kept }];
      return kept !== undefined ? [{ name: p.name, url: p.url, sdl: kept, lastGoodSdl: kept }] : [];
    });
    const inputs = JSON.stringify([ownSdl, candidates]);
    let result: ReturnType<typeof composeSupergraph> | undefined;
    if (inputs !== lastInputs || currentSupergraph === undefined) {
      result = composeSupergraph({
        own: { name: own.name, url: own.urls[0] ?? "", sdl: ownSdl },
        partners: candidates,
      });
      lastInputs = inputs;
      for (const c of result.composed) if (c.from === "current") keepLastGood(c.name, c.sdl);
    }
    for (const [i, p] of partners.entries()) {
      const fetchedNow = fetched[i] as { sdl: string } | { reason: string };
      const before = statuses.get(p.name);
      const composed = result ? result.composed.find((c) => c.name === p.name) : undefined;
      const inSupergraph = result ? composed !== undefined : (before?.inSupergraph ?? false);
      const base = { name: p.name, url: p.url, source: p.source, inSupergraph };
      const refusal = result ? result.refused.find((r) => r.name === p.name) : undefined;
      if ("reason" in fetchedNow)
        setStatus({ ...base, state: "down", servingLastGood: inSupergraph, reason: fetchedNow.reason });
      else if (refusal || (!result && before?.state === "refused"))
        setStatus({
          ...base,
          state: "refused",
          servingLastGood: inSupergraph,
          errors: refusal?.errors ?? before?.errors,
        });
      else setStatus({ ...base, state: "composed", servingLastGood: false });
    }
    return result?.supergraphSdl ?? (currentSupergraph as string);
  }

  const poll = (): Promise<void> => {
    running ??= (async () => {
      try {
        const sdl = await compose();
        if (sdl !== currentSupergraph) {
          currentSupergraph = sdl;
          composedAt = new Date().toISOString();
          update?.(sdl);
        }
      } catch (error) {
        // Caldera's own subgraph down or broken after start: the last good supergraph keeps serving.
        onEvent({
          level: "error",
          msg: `${error instanceof Error ? error.message : String(error)}; the last good supergraph keeps serving`,
        });
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void poll().finally(schedule), pollIntervalMs);
    timer.unref();
  };

  return {
    supergraphSdl: async (options) => {
      stopped = false;
      // The first composition's failure (Caldera's own subgraph) rejects: the gateway cannot start without it.
      currentSupergraph = await compose();
      composedAt = new Date().toISOString();
      update = (sdl) => {
        try {
          options.update(sdl);
        } catch (error) {
          onEvent({ level: "error", msg: `the gateway refused the new supergraph: ${String(error)}` });
        }
      };
      schedule();
      return {
        supergraphSdl: currentSupergraph,
        cleanup: async () => {
          stopped = true;
          clearTimeout(timer);
          update = undefined;
          await running;
        },
      };
    },
    status: () => ({
      composedAt,
      partners: [...statuses.values()].sort((a, b) => a.name.localeCompare(b.name)),
      ...(discoveryError !== undefined ? { discoveryError } : {}),
    }),
    partner: (name) => partners.find((p) => p.name === name),
    poll,
  };
}
