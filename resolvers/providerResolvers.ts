import type { GraphQLResolveInfo } from "graphql";
import { typedDataToJson } from "../usecases/certificationTypedData.js";
import {
  type RegisterProviderInput,
  type RegisterProviderParameters,
  registerProvider,
  registerProviderTypedData,
} from "../usecases/registerProvider.js";
import { certificateConnection } from "./certificateConnection.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/** A provider reference: partners may extend any address, registered or not. */
type ProviderRef = { address: `0x${string}` };

const lower = (address: string) => address.toLowerCase() as `0x${string}`;

export const providerResolvers = {
  Query: {
    provider: (_: unknown, { address }: ProviderRef) => ({ address }),
    registerProviderTypedData: async (
      _: unknown,
      { deadline, ...input }: RegisterProviderInput & { deadline?: number | null },
      { hub }: SubgraphContext,
    ) => typedDataToJson((await registerProviderTypedData(input, hub, { deadline })).typedData),
  },
  Mutation: {
    registerProvider: async (_: unknown, args: RegisterProviderParameters, { hub }: SubgraphContext) => ({
      address: (await registerProvider(args, hub)).address,
    }),
  },
  Provider: {
    __resolveReference: ({ address }: ProviderRef) => ({ address }),
    name: async ({ address }: ProviderRef, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.providerByAddress.load(lower(address)))?.name ?? null,
    registeredAt: async ({ address }: ProviderRef, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.providerByAddress.load(lower(address)))?.registeredAt ?? null,
    certificateCount: async ({ address }: ProviderRef, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.providerByAddress.load(lower(address)))?.certificateCount ?? 0,
    eraBalance: ({ address }: ProviderRef, _: unknown, { loaders }: SubgraphContext) =>
      loaders.eraBalanceByAddress.load(lower(address)),
    certificates: async (
      { address }: ProviderRef,
      { first, after }: { first?: number | null; after?: string | null },
      { loaders }: SubgraphContext,
      info: GraphQLResolveInfo,
    ) => certificateConnection({ provider: lower(address) }, first, after, loaders, info),
  },
};
