import type { Hex } from "viem";
import type { SignedAuthorization } from "../usecases/certificationTypedData.js";
import { typedDataToJson } from "../usecases/certificationTypedData.js";
import {
  type AbsorptionAttestation,
  approveAbsorption,
  prepareApproveAbsorption,
} from "../usecases/evolution/approveAbsorption.js";
import { publishLogicModule } from "../usecases/evolution/logic/publishLogicModule.js";
import { reclaimAbsorption } from "../usecases/evolution/reclaimAbsorption.js";
import {
  prepareRequestAbsorption,
  type RequestAbsorptionInput,
  requestAbsorption,
} from "../usecases/evolution/requestAbsorption.js";
import { runComponentLogic } from "../usecases/evolution/runComponentLogic.js";
import type { SubgraphContext } from "./SubgraphContext.js";

const deadlineOf = ({ deadline }: { deadline?: number | null }) => ({
  deadline: deadline === null || deadline === undefined ? undefined : BigInt(deadline),
});

/**
 * The absorption as the indexer has it after the write (the mutation waited for its block): read through the
 * absorber's absorptions (resolvers/createEvolutionLoaders.ts), null if the indexer has no row for it.
 */
async function absorptionRow(absorberId: bigint, absorptionId: bigint, { loaders }: SubgraphContext) {
  loaders.absorptionsByAbsorber.clear(absorberId.toString());
  const rows = await loaders.absorptionsByAbsorber.load(absorberId.toString());
  return rows.find((row) => row.id === absorptionId.toString()) ?? null;
}

/**
 * Capability absorption's writes (schema/absorption.graphql): logic modules, the absorption request with both
 * providers' signatures and the escrow permit, the nodes' approval, the reclaim, and metered logic runs. Each calls
 * its use case (usecases/evolution/), which refuses with a typed code before anything is sent.
 */
export const absorptionMutations = {
  Query: {
    logicModule: async (_: unknown, { hash }: { hash: Hex }, { hub }: SubgraphContext) =>
      (await hub.logicModules?.get(hash)) ?? null,
    requestAbsorptionTypedData: async (
      _: unknown,
      args: { input: RequestAbsorptionInput; deadline?: number | null },
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareRequestAbsorption(args.input, hub, deadlineOf(args));
      return {
        absorberTypedData: typedDataToJson(prepared.absorberTypedData),
        sourceTypedData: typedDataToJson(prepared.sourceTypedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
        compensation: prepared.compensation,
        absorberProvider: prepared.absorberProvider,
        sourceProvider: prepared.sourceProvider,
      };
    },
    approveAbsorptionTypedData: async (
      _: unknown,
      args: { absorptionId: string; deadline?: number | null },
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareApproveAbsorption(args.absorptionId, hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        absorptionId: args.absorptionId,
        moduleHash: prepared.absorption.moduleHash,
      };
    },
  },
  Mutation: {
    publishLogicModule: async (_: unknown, { module }: { module: unknown }, { hub }: SubgraphContext) => {
      const { hash, module: parsed } = await publishLogicModule(module, hub);
      return { hash, kind: parsed.kind, name: parsed.name };
    },
    requestAbsorption: async (
      _: unknown,
      args: {
        input: RequestAbsorptionInput;
        absorberAuthorization: SignedAuthorization;
        sourceAuthorization: SignedAuthorization;
        permit?: SignedAuthorization | null;
      },
      context: SubgraphContext,
    ) => {
      const result = await requestAbsorption(
        {
          ...args.input,
          absorberAuthorization: args.absorberAuthorization,
          sourceAuthorization: args.sourceAuthorization,
          permit: args.permit,
        },
        context.hub,
      );
      return {
        absorptionId: result.absorptionId.toString(),
        compensation: result.compensation,
        transactionHash: result.transactionHash,
        absorption: await absorptionRow(result.absorberId, result.absorptionId, context),
      };
    },
    approveAbsorption: async (
      _: unknown,
      args: { absorptionId: string; attestations: AbsorptionAttestation[] },
      context: SubgraphContext,
    ) => {
      const result = await approveAbsorption(
        { absorptionId: args.absorptionId, attestations: args.attestations },
        context.hub,
      );
      return {
        absorptionId: result.absorptionId.toString(),
        paidTo: result.paidTo,
        compensation: result.compensation,
        approvedBy: result.nodes,
        logicHash: result.logicHash,
        transactionHash: result.transactionHash,
        absorption: await absorptionRow(result.absorberId, result.absorptionId, context),
      };
    },
    reclaimAbsorption: async (_: unknown, args: { absorptionId: string }, context: SubgraphContext) => {
      const result = await reclaimAbsorption(args.absorptionId, context.hub);
      return {
        absorptionId: result.absorptionId.toString(),
        refundedTo: result.refundedTo,
        compensation: result.compensation,
        transactionHash: result.transactionHash,
        absorption: await absorptionRow(result.absorberId, result.absorptionId, context),
      };
    },
    runComponentLogic: async (
      _: unknown,
      args: { component: string; input: unknown; modules?: Hex[] | null },
      { hub }: SubgraphContext,
    ) => {
      const result = await runComponentLogic(hub, {
        componentId: args.component,
        input: args.input,
        modules: args.modules ?? undefined,
      });
      return {
        component: result.componentId.toString(),
        output: result.output,
        modules: result.modules,
        accuracy: result.accuracy,
      };
    },
  },
};
