import { composeServices } from "@apollo/composition";
import { type DocumentNode, parse } from "graphql";

/** One subgraph's SDL as fetched (or as last composed, when it is down) under its name. */
export type SubgraphSdl = { name: string; url: string; sdl: string };

export type PartnerCandidate = SubgraphSdl & {
  /**
   * The SDL this partner last composed with, if it differs from `sdl`: used in its place when `sdl` no longer
   * composes, so a partner's breaking change is refused while its last good schema keeps serving.
   */
  lastGoodSdl?: string | undefined;
};

export type ComposeSupergraphParameters = {
  /** Caldera's own subgraph: it must compose on its own, or nothing does. */
  own: SubgraphSdl;
  /** In a stable order (by name): earlier partners win a conflict between two partners. */
  partners: readonly PartnerCandidate[];
};

export type ComposeSupergraphReturnType = {
  supergraphSdl: string;
  /** The partners in the supergraph and which of their SDLs: the one just fetched, or their last good one. */
  composed: { name: string; sdl: string; from: "current" | "lastGood" }[];
  /** Partners whose current SDL does not compose with Caldera's and the partners before them, with why. */
  refused: { name: string; errors: string[] }[];
};

/** Caldera's own subgraph does not compose on its own: the gateway cannot serve anything. */
export class OwnSubgraphCompositionError extends Error {
  override name = "OwnSubgraphCompositionError";
}

/**
 * Composes Caldera's subgraph with as many partners as compose. All at once first (the usual case: one
 * composition); if that fails, partner by partner in order, each against Caldera's and the partners accepted so
 * far, so one partner's breaking change costs only that partner (its last good SDL, if it has one, is tried in its
 * place) and its errors are reported under its name, not mixed with everyone else's.
 */
export function composeSupergraph({
  own,
  partners,
}: ComposeSupergraphParameters): ComposeSupergraphReturnType {
  const ownDocument = parseOrNull(own.sdl);
  if (!ownDocument)
    throw new OwnSubgraphCompositionError(`Caldera's own subgraph (${own.name}) SDL does not parse`);
  const ownService = { name: own.name, url: own.url, typeDefs: ownDocument };
  const alone = composeServices([ownService]);
  if (alone.errors)
    throw new OwnSubgraphCompositionError(
      `Caldera's own subgraph (${own.name}) does not compose: ${alone.errors.map((e) => e.message).join("; ")}`,
    );
  const refused: ComposeSupergraphReturnType["refused"] = [];
  const parsed = partners.flatMap((p) => {
    const typeDefs = parseOrNull(p.sdl);
    if (typeDefs) return [{ ...p, typeDefs }];
    refused.push({ name: p.name, errors: [`the SDL does not parse: ${parseError(p.sdl)}`] });
    return [];
  });
  const everyone = composeServices([
    ownService,
    ...parsed.map((p) => ({ name: p.name, url: p.url, typeDefs: p.typeDefs })),
  ]);
  if (everyone.supergraphSdl !== undefined && refused.length === 0)
    return {
      supergraphSdl: everyone.supergraphSdl,
      composed: parsed.map((p) => ({ name: p.name, sdl: p.sdl, from: "current" as const })),
      refused,
    };
  let supergraphSdl = alone.supergraphSdl;
  const accepted: { name: string; url: string; typeDefs: DocumentNode }[] = [ownService];
  const composed: ComposeSupergraphReturnType["composed"] = [];
  for (const partner of partners) {
    const current = parsed.find((p) => p.name === partner.name);
    if (current) {
      const service = { name: partner.name, url: partner.url, typeDefs: current.typeDefs };
      const result = composeServices([...accepted, service]);
      if (result.supergraphSdl !== undefined) {
        accepted.push(service);
        composed.push({ name: partner.name, sdl: partner.sdl, from: "current" });
        supergraphSdl = result.supergraphSdl;
        continue;
      }
      refused.push({ name: partner.name, errors: result.errors.map((e) => e.message) });
    }
    const lastGood = partner.lastGoodSdl !== undefined ? parseOrNull(partner.lastGoodSdl) : undefined;
    if (!lastGood || partner.lastGoodSdl === partner.sdl) continue;
    const service = { name: partner.name, url: partner.url, typeDefs: lastGood };
    const result = composeServices([...accepted, service]);
    if (result.supergraphSdl === undefined) continue;
    accepted.push(service);
    composed.push({ name: partner.name, sdl: partner.lastGoodSdl as string, from: "lastGood" });
    supergraphSdl = result.supergraphSdl;
  }
  return { supergraphSdl, composed, refused };
}

function parseOrNull(sdl: string): DocumentNode | null {
  try {
    return parse(sdl);
  } catch {
    return null;
  }
}

function parseError(sdl: string): string {
  try {
    parse(sdl);
    return "";
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
  }
}
