import type { Hex } from "viem";
import { BaseError } from "../errors/BaseError.js";
import { typedDataToJson } from "../usecases/certificationTypedData.js";
import { IndexerBehindError } from "../usecases/errors.js";
import type {
  ComputeEpochFiguresReturnType,
  EpochWindowMetrics,
} from "../usecases/evolution/computeEpochFigures.js";
import {
  type NodeAttestation,
  prepareSettleEvolutionEpoch,
  settleEvolutionEpoch,
} from "../usecases/evolution/settleEvolutionEpoch.js";
import type { SubgraphContext } from "./SubgraphContext.js";

type SettleEvolutionEpochArgs = { epoch: number; component: string };

const deadlineOf = ({ deadline }: { deadline?: number | null }) => ({
  deadline: deadline === null || deadline === undefined ? undefined : BigInt(deadline),
});

/** DateTime travels as unix seconds inside the hub (resolvers/scalars.ts). */
const seconds = (date: Date) => date.getTime() / 1000;

const windowOf = (w: EpochWindowMetrics) => ({ ...w, from: seconds(w.from), to: seconds(w.to) });

const figuresOf = (f: ComputeEpochFiguresReturnType) => ({
  efficiencyImprovementBps: f.efficiencyImprovementBps,
  scenarioRangeDelta: f.scenarioRangeDelta,
  newScenarios: f.newScenarios,
  evidenceHash: f.evidenceHash,
  before: windowOf(f.before),
  after: windowOf(f.after),
});

/** A component the chain knows (the use case read it there) that the indexer may not have yet. */
async function componentRowOf(id: string, { loaders }: SubgraphContext) {
  const row = await loaders.componentById.load(id);
  if (row === undefined)
    throw new BaseError(`Component ${id} is on-chain but the indexer has not caught up yet`, {
      code: "INDEXER_BEHIND",
      details: { componentId: id },
    });
  return row;
}

/** The settlement just indexed (sendAndWaitIndexed waited for its block), read back as the reads see it. */
async function settlementOf(
  componentId: string,
  epoch: number,
  transactionHash: Hex,
  { loaders }: SubgraphContext,
) {
  loaders.settlementsByComponent.clear(componentId);
  const row = (await loaders.settlementsByComponent.load(componentId)).find((s) => s.epoch === epoch);
  if (row === undefined)
    throw new IndexerBehindError(
      `The settlement of component ${componentId} for epoch ${epoch}`,
      transactionHash,
    );
  return row;
}

/**
 * Evolution epochs (schema/epochs.graphql): the figures and typed data the nodes sign, and the settlement on their
 * signatures (usecases/evolution/settleEvolutionEpoch.ts), read back through the evolution loaders
 * (resolvers/createEvolutionLoaders.ts) like every write.
 */
export const epochMutations = {
  Query: {
    settleEvolutionEpochTypedData: async (
      _: unknown,
      args: { input: SettleEvolutionEpochArgs; deadline?: number | null },
      context: SubgraphContext,
    ) => {
      const prepared = await prepareSettleEvolutionEpoch(args.input, context.hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        epoch: prepared.figures.epoch,
        component: await componentRowOf(prepared.figures.componentId.toString(), context),
        endsAt: Number(prepared.endsAt),
        figures: figuresOf(prepared.figures),
        outcome: prepared.outcome,
        amount: prepared.amount,
      };
    },
  },
  Mutation: {
    settleEvolutionEpoch: async (
      _: unknown,
      args: { input: SettleEvolutionEpochArgs; attestations: NodeAttestation[] },
      context: SubgraphContext,
    ) => {
      const result = await settleEvolutionEpoch(
        { ...args.input, attestations: args.attestations },
        context.hub,
      );
      return {
        settlement: await settlementOf(result.componentId, result.epoch, result.transactionHash, context),
        figures: figuresOf(result.figures),
        transactionHash: result.transactionHash,
        gasUsed: result.gasUsed,
      };
    },
  },
};
