import { readFileSync } from "node:fs";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { certificateResolvers } from "./certificateResolvers.js";
import { providerResolvers } from "./providerResolvers.js";
import { scalarResolvers } from "./scalars.js";

const sdl = (name: string) => parse(readFileSync(new URL(`../schema/${name}.graphql`, import.meta.url), "utf8"));

/** One SDL file per domain, each with its resolvers; `schema/common.graphql` holds the shared scalars. */
export function createSubgraphSchema() {
  return buildSubgraphSchema([
    { typeDefs: sdl("common"), resolvers: scalarResolvers },
    { typeDefs: sdl("certificates"), resolvers: certificateResolvers },
    { typeDefs: sdl("providers"), resolvers: providerResolvers },
  ]);
}
