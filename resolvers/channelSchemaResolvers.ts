import { decodeFunctionData, type Hex } from "viem";
import { channelSchemaRegistryAbi } from "../contracts/generated/abis.js";
import type { ChannelDefinition, ChannelSchema } from "../prover/channelSchema.js";
import { channelSchemaRegistryOf } from "../usecases/evolution/channelSchemaRegistryOf.js";
import { shippedChannelSchemas } from "../usecases/evolution/shippedChannelSchemas.js";
import {
  type ApprovedSchemaExtension,
  verifySchemaExtensions,
} from "../usecases/evolution/verifySchemaExtensions.js";
import type { ProposalRow } from "./createGovernanceLoaders.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/** A schema as the API shows it: shipped (no base) or an approved extension the hub accepts. */
type ChannelSchemaView = {
  schema: ChannelSchema;
  hash: Hex;
  extendedFromHash: string | null;
  /** Unix seconds, as the DateTime scalar takes them. */
  approvedAt: string | null;
  proposal: string | null;
};

type Catalog = {
  list: ChannelSchemaView[];
  byHash: Map<string, ChannelSchemaView>;
  byId: Map<string, ChannelSchemaView>;
  proposals: ExtensionProposalView[];
};

type ExtensionProposalView = ApprovedSchemaExtension & { id: string; proposedAt: string; executed: boolean };

/** One catalog per request (its loaders): a certificate list asking each certificate's schema costs two statements. */
const catalogs = new WeakMap<object, Promise<Catalog>>();

function catalogOf({ loaders, hub }: SubgraphContext): Promise<Catalog> {
  let catalog = catalogs.get(loaders);
  if (catalog === undefined) {
    catalog = buildCatalog({ loaders, hub } as SubgraphContext);
    catalogs.set(loaders, catalog);
  }
  return catalog;
}

async function buildCatalog({ loaders, hub }: SubgraphContext): Promise<Catalog> {
  const registry = channelSchemaRegistryOf(hub.deployment);
  const [rows, proposalRows] = await Promise.all([
    registry === undefined ? [] : loaders.channelSchemaExtensions(),
    registry === undefined ? [] : loaders.channelSchemaRegistryProposals(registry.address),
  ]);
  const proposals: ExtensionProposalView[] = [];
  for (const row of proposalRows)
    for (const [i, target] of row.targets.entries()) {
      if (target.toLowerCase() !== registry?.address.toLowerCase()) continue;
      try {
        const { functionName, args } = decodeFunctionData({
          abi: channelSchemaRegistryAbi,
          data: row.calldatas[i] as Hex,
        });
        if (functionName !== "approveExtension") continue;
        const [baseSchemaHash, extendedSchemaHash, schemaId, definition] = args;
        proposals.push({
          id: row.id,
          baseSchemaHash,
          extendedSchemaHash,
          schemaId,
          definition,
          proposedAt: row.createdAt,
          executed: row.executedAt !== null,
        });
      } catch {
        // Not a registry call this hub knows: not a schema extension proposal.
      }
    }
  const shipped = shippedChannelSchemas();
  const list: ChannelSchemaView[] = [...shipped].map(([hash, schema]) => ({
    schema,
    hash: hash as Hex,
    extendedFromHash: null,
    approvedAt: null,
    proposal: null,
  }));
  // Refused extensions (a definition that does not hash to its hash, …) are not schemas the hub validates against.
  const { verified } = verifySchemaExtensions(rows, shipped);
  for (const { extension, schema } of verified) {
    const hash = extension.extendedSchemaHash.toLowerCase();
    const approvedBy = proposals
      .filter((p) => p.executed && p.extendedSchemaHash.toLowerCase() === hash)
      .at(-1);
    list.push({
      schema,
      hash: hash as Hex,
      extendedFromHash: extension.baseSchemaHash.toLowerCase(),
      approvedAt: extension.approvedAt,
      proposal: approvedBy?.id ?? null,
    });
  }
  return {
    list,
    byHash: new Map(list.map((view) => [view.hash, view])),
    byId: new Map(list.map((view) => [view.schema.id, view])),
    proposals,
  };
}

/** The channels `definition` adds to `base` (its last one when the base is unknown or it is not JSON). */
function addedChannels(definition: string, base: ChannelSchema | undefined): ChannelDefinition[] {
  try {
    const { channels } = JSON.parse(definition) as ChannelSchema;
    return Array.isArray(channels) ? channels.slice(base?.channels.length ?? channels.length - 1) : [];
  } catch {
    return [];
  }
}

export const channelSchemaResolvers = {
  Query: {
    channelSchemas: async (_: unknown, __: unknown, context: SubgraphContext) =>
      (await catalogOf(context)).list,
    channelSchema: async (_: unknown, { id }: { id: string }, context: SubgraphContext) =>
      (await catalogOf(context)).byId.get(id) ?? null,
    schemaExtensionProposals: async (_: unknown, __: unknown, context: SubgraphContext) =>
      (await catalogOf(context)).proposals,
  },
  ChannelSchema: {
    id: (view: ChannelSchemaView) => view.schema.id,
    domain: (view: ChannelSchemaView) => view.schema.domain,
    title: (view: ChannelSchemaView) => view.schema.title,
    slotSeconds: (view: ChannelSchemaView) => view.schema.slotSeconds,
    channels: (view: ChannelSchemaView) => view.schema.channels,
    extendedFrom: async (view: ChannelSchemaView, _: unknown, context: SubgraphContext) =>
      view.extendedFromHash === null
        ? null
        : ((await catalogOf(context)).byHash.get(view.extendedFromHash) ?? null),
  },
  Certificate: {
    schema: async (row: { schemaHash?: string }, _: unknown, context: SubgraphContext) =>
      row.schemaHash === undefined
        ? null
        : ((await catalogOf(context)).byHash.get(row.schemaHash.toLowerCase()) ?? null),
  },
  SchemaExtensionProposal: {
    proposal: async (view: ExtensionProposalView, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.proposalById.load(view.id)) as ProposalRow,
    baseSchema: async (view: ExtensionProposalView, _: unknown, context: SubgraphContext) =>
      (await catalogOf(context)).byHash.get(view.baseSchemaHash.toLowerCase()) ?? null,
    addedChannels: async (view: ExtensionProposalView, _: unknown, context: SubgraphContext) =>
      addedChannels(
        view.definition,
        (await catalogOf(context)).byHash.get(view.baseSchemaHash.toLowerCase())?.schema,
      ),
    consistent: async (view: ExtensionProposalView, _: unknown, context: SubgraphContext) => {
      const catalog = await catalogOf(context);
      const own = view.extendedSchemaHash.toLowerCase();
      // Known schemas but the one proposed: an executed proposal's schema would otherwise count as already known.
      const known = new Map(
        catalog.list.filter((v) => v.hash !== own).map((v) => [v.hash, v.schema] as const),
      );
      return verifySchemaExtensions([view], known).verified.length === 1;
    },
  },
};
