import type { Hex } from "viem";
import { type SignedAuthorization, typedDataToJson } from "../usecases/certificationTypedData.js";
import { IndexerBehindError } from "../usecases/errors.js";
import {
  type AddComponentPledgeInput,
  addComponentPledge,
  prepareAddComponentPledge,
} from "../usecases/evolution/addComponentPledge.js";
import {
  type FundEvolutionPoolInput,
  fundEvolutionPool,
  prepareFundEvolutionPool,
} from "../usecases/evolution/fundEvolutionPool.js";
import {
  type InvokeComponentInput,
  invokeComponent,
  prepareInvokeComponent,
} from "../usecases/evolution/invokeComponent.js";
import {
  type PublishEvolutionReportInput,
  preparePublishEvolutionReport,
  publishEvolutionReport,
} from "../usecases/evolution/publishEvolutionReport.js";
import {
  prepareRegisterComponent,
  type RegisterComponentInput,
  registerComponent,
} from "../usecases/evolution/registerComponent.js";
import {
  prepareSetComponentPrice,
  type SetComponentPriceInput,
  setComponentPrice,
} from "../usecases/evolution/setComponentPrice.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/** A typed-data query's arguments: the action's input and an optional deadline (DateTime: unix seconds). */
type TypedDataArgs<I> = { input: I; deadline?: number | null };
/** A signed mutation's arguments, as the scalars parse them (BigInt → bigint, Bytes → hex). */
type SignedArgs<I> = { input: I; authorization: SignedAuthorization; permit?: SignedAuthorization | null };

const deadlineOf = ({ deadline }: { deadline?: number | null }) => ({
  deadline: deadline === null || deadline === undefined ? undefined : BigInt(deadline),
});

/**
 * Typed data as JSON, nested structs included (PublishEvolutionReport's Metrics): uints within 2^53 as numbers,
 * larger ones as decimal strings, exactly as `typedDataToJson` does one level deep.
 */
function evolutionTypedDataToJson(typedData: Parameters<typeof typedDataToJson>[0]) {
  const plain = (value: unknown): unknown => {
    if (typeof value === "bigint")
      return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    return value;
  };
  const json = typedDataToJson(typedData);
  return { ...json, message: plain(json.message) as typeof json.message };
}

/** The component as indexed after a write; the indexer has the block (sendAndWaitIndexed), so a miss means it lags. */
async function componentOf(componentId: string, transactionHash: Hex, { loaders }: SubgraphContext) {
  loaders.componentById.clear(componentId);
  const row = await loaders.componentById.load(componentId);
  if (row === undefined) throw new IndexerBehindError(`Component ${componentId}`, transactionHash);
  return row;
}

/**
 * Capability evolution's writes (schema/evolutionMutations.graphql): each typed-data query and mutation calls its
 * use case (usecases/evolution/), then reads back the component the write touched through the reads' loaders
 * (resolvers/createEvolutionLoaders.ts), on the primary, which the indexer has written the block to.
 */
export const evolutionMutations = {
  Query: {
    registerComponentTypedData: async (
      _: unknown,
      args: TypedDataArgs<RegisterComponentInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareRegisterComponent(args.input, hub, deadlineOf(args));
      return {
        typedData: evolutionTypedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
      };
    },
    setComponentPriceTypedData: async (
      _: unknown,
      args: TypedDataArgs<SetComponentPriceInput>,
      { hub }: SubgraphContext,
    ) =>
      evolutionTypedDataToJson((await prepareSetComponentPrice(args.input, hub, deadlineOf(args))).typedData),
    addComponentPledgeTypedData: async (
      _: unknown,
      args: TypedDataArgs<AddComponentPledgeInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareAddComponentPledge(args.input, hub, deadlineOf(args));
      return {
        typedData: evolutionTypedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
      };
    },
    invokeComponentTypedData: async (
      _: unknown,
      args: TypedDataArgs<InvokeComponentInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareInvokeComponent(args.input, hub, deadlineOf(args));
      return {
        typedData: evolutionTypedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
        price: prepared.price,
        requestHash: prepared.requestHash,
      };
    },
    publishEvolutionReportTypedData: async (
      _: unknown,
      args: TypedDataArgs<PublishEvolutionReportInput>,
      { hub }: SubgraphContext,
    ) =>
      evolutionTypedDataToJson(
        (await preparePublishEvolutionReport(args.input, hub, deadlineOf(args))).typedData,
      ),
    fundEvolutionPoolTypedData: async (
      _: unknown,
      args: TypedDataArgs<FundEvolutionPoolInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareFundEvolutionPool(args.input, hub, deadlineOf(args));
      return { permitTypedData: typedDataToJson(prepared.permitTypedData), funder: prepared.funder };
    },
  },
  Mutation: {
    registerComponent: async (
      _: unknown,
      args: SignedArgs<RegisterComponentInput>,
      context: SubgraphContext,
    ) => {
      const result = await registerComponent(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        context.hub,
      );
      return { ...result, component: await componentOf(result.componentId, result.transactionHash, context) };
    },
    setComponentPrice: async (
      _: unknown,
      args: SignedArgs<SetComponentPriceInput>,
      context: SubgraphContext,
    ) => {
      const result = await setComponentPrice(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      return { ...result, component: await componentOf(result.componentId, result.transactionHash, context) };
    },
    addComponentPledge: async (
      _: unknown,
      args: SignedArgs<AddComponentPledgeInput>,
      context: SubgraphContext,
    ) => {
      const result = await addComponentPledge(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        context.hub,
      );
      return { ...result, component: await componentOf(result.componentId, result.transactionHash, context) };
    },
    invokeComponent: async (_: unknown, args: SignedArgs<InvokeComponentInput>, context: SubgraphContext) => {
      const result = await invokeComponent(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        context.hub,
      );
      return {
        invocation: {
          id: result.invocationId,
          onchainId: BigInt(result.invocationId),
          caller: result.caller,
          requestHash: result.requestHash,
          fee: result.fee,
          toPool: result.toPool,
          toProvider: result.toProvider,
        },
        component: await componentOf(result.componentId, result.transactionHash, context),
        output: result.output,
        latencyMs: result.latencyMs,
        transactionHash: result.transactionHash,
        gasUsed: result.gasUsed,
      };
    },
    publishEvolutionReport: async (
      _: unknown,
      args: SignedArgs<PublishEvolutionReportInput>,
      context: SubgraphContext,
    ) => {
      const result = await publishEvolutionReport(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      return { ...result, component: await componentOf(result.componentId, result.transactionHash, context) };
    },
    fundEvolutionPool: async (
      _: unknown,
      args: { input: FundEvolutionPoolInput; permit: SignedAuthorization },
      context: SubgraphContext,
    ) => fundEvolutionPool({ ...args.input, permit: args.permit }, context.hub),
  },
};
