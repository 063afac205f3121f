import { readFileSync } from "node:fs";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { type DocumentNode, Kind, type ListValueNode, parse } from "graphql";
import { absorptionMutations } from "./absorptionMutations.js";
import { certificateResolvers } from "./certificateResolvers.js";
import { channelSchemaResolvers } from "./channelSchemaResolvers.js";
import { circulationMutations } from "./circulationMutations.js";
import { circulationResolvers } from "./circulationResolvers.js";
import { derivativeResolvers } from "./derivativeResolvers.js";
import { epochMutations } from "./epochMutations.js";
import { evolutionMutations } from "./evolutionMutations.js";
import { evolutionResolvers } from "./evolutionResolvers.js";
import { governanceResolvers } from "./governanceResolvers.js";
import { providerResolvers } from "./providerResolvers.js";
import { riskMutations } from "./riskMutations.js";
import { riskResolvers } from "./riskResolvers.js";
import { riskSubjectResolvers } from "./riskSubjectResolvers.js";
import { scalarResolvers } from "./scalars.js";

const FEDERATION = "https://specs.apollo.dev/federation/v2.7";
const sdl = (name: string) =>
  parse(readFileSync(new URL(`../schema/${name}.graphql`, import.meta.url), "utf8"));

/**
 * One SDL file per domain, each declaring the federation directives it uses with its own `extend schema @link`,
 * so every file reads on its own. A subgraph may link federation only once: the per-file links are merged here
 * into one that imports their union.
 */
export function createSubgraphSchema() {
  const modules = [
    { typeDefs: sdl("common"), resolvers: scalarResolvers },
    { typeDefs: sdl("certificates"), resolvers: certificateResolvers },
    { typeDefs: sdl("providers"), resolvers: providerResolvers },
    { typeDefs: sdl("derivatives"), resolvers: derivativeResolvers },
    { typeDefs: sdl("governance"), resolvers: governanceResolvers },
    { typeDefs: sdl("circulation"), resolvers: circulationResolvers },
    { typeDefs: sdl("circulationMutations"), resolvers: circulationMutations },
    { typeDefs: sdl("risk"), resolvers: riskResolvers },
    { typeDefs: sdl("riskSubject"), resolvers: riskSubjectResolvers },
    { typeDefs: sdl("riskMutations"), resolvers: riskMutations },
    { typeDefs: sdl("evolution"), resolvers: evolutionResolvers },
    { typeDefs: sdl("evolutionMutations"), resolvers: evolutionMutations },
    { typeDefs: sdl("epochs"), resolvers: epochMutations },
    { typeDefs: sdl("absorption"), resolvers: absorptionMutations },
    { typeDefs: sdl("channelSchemas"), resolvers: channelSchemaResolvers },
  ];
  const imports = new Set<string>();
  const withoutLinks = modules.map(({ typeDefs, resolvers }) => ({
    typeDefs: {
      ...typeDefs,
      definitions: typeDefs.definitions.filter((d) => d.kind !== Kind.SCHEMA_EXTENSION),
    } as DocumentNode,
    resolvers,
  }));
  for (const { typeDefs } of modules)
    for (const definition of typeDefs.definitions) {
      if (definition.kind !== Kind.SCHEMA_EXTENSION) continue;
      for (const directive of definition.directives ?? []) {
        const url = directive.arguments?.find((a) => a.name.value === "url")?.value;
        const list = directive.arguments?.find((a) => a.name.value === "import")?.value as
          | ListValueNode
          | undefined;
        if (url?.kind !== Kind.STRING || url.value !== FEDERATION)
          throw new Error(
            `schema files may only link ${FEDERATION}; found ${url?.kind === Kind.STRING ? url.value : "?"}`,
          );
        for (const item of list?.values ?? []) if (item.kind === Kind.STRING) imports.add(item.value);
      }
    }
  const link = parse(
    `extend schema @link(url: "${FEDERATION}", import: ${JSON.stringify([...imports].sort())})`,
  );
  return buildSubgraphSchema([{ typeDefs: link }, ...withoutLinks]);
}
