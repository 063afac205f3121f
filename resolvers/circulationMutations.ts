import type { Hex } from "viem";
import type { SignedAuthorization } from "../usecases/certificationTypedData.js";
import { typedDataToJson } from "../usecases/certificationTypedData.js";
import {
  type AdoptDerivativeInput,
  adoptDerivative,
  prepareAdoptDerivative,
} from "../usecases/circulation/adoptDerivative.js";
import {
  type BorrowCreditInput,
  borrowCredit,
  prepareBorrowCredit,
} from "../usecases/circulation/borrowCredit.js";
import { type BuyLicenceInput, buyLicence, prepareBuyLicence } from "../usecases/circulation/buyLicence.js";
import { claimReward, type RewardMetricName } from "../usecases/circulation/claimReward.js";
import { declareDefault } from "../usecases/circulation/declareDefault.js";
import {
  type DepositLiquidityInput,
  depositLiquidity,
  prepareDepositLiquidity,
} from "../usecases/circulation/depositLiquidity.js";
import {
  type FundRewardPoolInput,
  fundRewardPool,
  prepareFundRewardPool,
} from "../usecases/circulation/fundRewardPool.js";
import {
  type InvokeFaultModelInput,
  invokeFaultModel,
  prepareInvokeFaultModel,
} from "../usecases/circulation/invokeFaultModel.js";
import {
  type PledgeDerivativeInput,
  pledgeDerivative,
  preparePledgeDerivative,
} from "../usecases/circulation/pledgeDerivative.js";
import { releaseRevenue } from "../usecases/circulation/releaseRevenue.js";
import {
  prepareRepayCredit,
  type RepayCreditInput,
  repayCredit,
} from "../usecases/circulation/repayCredit.js";
import {
  prepareSetLicenceTerms,
  type SetLicenceTermsInput,
  setLicenceTerms,
} from "../usecases/circulation/setLicenceTerms.js";
import {
  prepareUnpledgeDerivative,
  type UnpledgeDerivativeInput,
  unpledgeDerivative,
} from "../usecases/circulation/unpledgeDerivative.js";
import {
  prepareWithdrawLiquidity,
  type WithdrawLiquidityInput,
  withdrawLiquidity,
} from "../usecases/circulation/withdrawLiquidity.js";
import { IndexerBehindError } from "../usecases/errors.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/** A typed-data query's arguments: the action's input and an optional deadline (DateTime: unix seconds). */
type TypedDataArgs<I> = { input: I; deadline?: number | null };
/** A signed mutation's arguments, as the scalars parse them (BigInt → bigint, Bytes → hex). */
type SignedArgs<I> = { input: I; authorization: SignedAuthorization; permit?: SignedAuthorization | null };

const deadlineOf = ({ deadline }: { deadline?: number | null }) => ({
  deadline: deadline === null || deadline === undefined ? undefined : BigInt(deadline),
});

/** The indexed row a write produced; the indexer has the block (sendAndWaitIndexed), so a miss means it lags. */
function found<R>(row: R | undefined, what: string, transactionHash: Hex): R {
  if (row === undefined) throw new IndexerBehindError(what, transactionHash);
  return row;
}

async function creditLineOf(lineId: string, transactionHash: Hex, { loaders }: SubgraphContext) {
  loaders.creditLineById.clear(lineId);
  return found(await loaders.creditLineById.load(lineId), `Credit line ${lineId}`, transactionHash);
}

async function derivativeOf(id: string, transactionHash: Hex, { loaders }: SubgraphContext) {
  return found(await loaders.derivativeById.load(id), `Derivative ${id}`, transactionHash);
}

/**
 * ERA circulation's writes (schema/circulationMutations.graphql): each typed-data query and mutation calls its use
 * case (usecases/circulation/), then reads back the entity the write produced through the same loaders the reads
 * use — a mutation's loaders read the primary, which the indexer has written the block to.
 */
export const circulationMutations = {
  Query: {
    setLicenceTermsTypedData: async (
      _: unknown,
      args: TypedDataArgs<SetLicenceTermsInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareSetLicenceTerms(args.input, hub, deadlineOf(args))).typedData),
    buyLicenceTypedData: async (
      _: unknown,
      args: TypedDataArgs<BuyLicenceInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareBuyLicence(args.input, hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
        price: prepared.price,
      };
    },
    adoptDerivativeTypedData: async (
      _: unknown,
      args: TypedDataArgs<AdoptDerivativeInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareAdoptDerivative(args.input, hub, deadlineOf(args))).typedData),
    invokeFaultModelTypedData: async (
      _: unknown,
      args: TypedDataArgs<InvokeFaultModelInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareInvokeFaultModel(args.input, hub, deadlineOf(args))).typedData),
    fundRewardPoolTypedData: async (
      _: unknown,
      args: TypedDataArgs<FundRewardPoolInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareFundRewardPool(args.input, hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
      };
    },
    depositLiquidityTypedData: async (
      _: unknown,
      args: TypedDataArgs<DepositLiquidityInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareDepositLiquidity(args.input, hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
      };
    },
    withdrawLiquidityTypedData: async (
      _: unknown,
      args: TypedDataArgs<WithdrawLiquidityInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareWithdrawLiquidity(args.input, hub, deadlineOf(args))).typedData),
    pledgeDerivativeTypedData: async (
      _: unknown,
      args: TypedDataArgs<PledgeDerivativeInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await preparePledgeDerivative(args.input, hub, deadlineOf(args))).typedData),
    borrowCreditTypedData: async (
      _: unknown,
      args: TypedDataArgs<BorrowCreditInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareBorrowCredit(args.input, hub, deadlineOf(args))).typedData),
    repayCreditTypedData: async (
      _: unknown,
      args: TypedDataArgs<RepayCreditInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareRepayCredit(args.input, hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
      };
    },
    unpledgeDerivativeTypedData: async (
      _: unknown,
      args: TypedDataArgs<UnpledgeDerivativeInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareUnpledgeDerivative(args.input, hub, deadlineOf(args))).typedData),
  },
  Mutation: {
    setLicenceTerms: async (_: unknown, args: SignedArgs<SetLicenceTermsInput>, context: SubgraphContext) => {
      const result = await setLicenceTerms({ ...args.input, authorization: args.authorization }, context.hub);
      const { loaders } = context;
      loaders.licenceTermsByDerivative.clear(result.derivativeId);
      return {
        ...result,
        derivative: await derivativeOf(result.derivativeId, result.transactionHash, context),
        licenceTerms: found(
          await loaders.licenceTermsByDerivative.load(result.derivativeId),
          `The licence terms of derivative ${result.derivativeId}`,
          result.transactionHash,
        ),
      };
    },
    buyLicence: async (_: unknown, args: SignedArgs<BuyLicenceInput>, { hub, loaders }: SubgraphContext) => {
      const result = await buyLicence(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        hub,
      );
      loaders.licenceById.clear(result.licenceId);
      return {
        ...result,
        licence: found(
          await loaders.licenceById.load(result.licenceId),
          `Licence ${result.licenceId}`,
          result.transactionHash,
        ),
      };
    },
    adoptDerivative: async (
      _: unknown,
      args: SignedArgs<AdoptDerivativeInput>,
      { hub, loaders }: SubgraphContext,
    ) => {
      const result = await adoptDerivative({ ...args.input, authorization: args.authorization }, hub);
      const rows = await loaders.adoptionsByTransaction.load(result.transactionHash);
      return {
        ...result,
        adoption: found(
          rows.find((row) => row.adopter.toLowerCase() === result.adopter.toLowerCase()),
          `The adoption of derivative ${result.derivativeId}`,
          result.transactionHash,
        ),
      };
    },
    invokeFaultModel: async (
      _: unknown,
      args: SignedArgs<InvokeFaultModelInput>,
      { hub, loaders }: SubgraphContext,
    ) => {
      const result = await invokeFaultModel({ ...args.input, authorization: args.authorization }, hub);
      const rows = await loaders.invocationsByTransaction.load(result.transactionHash);
      return {
        ...result,
        invocation: found(
          rows.find((row) => row.enterprise.toLowerCase() === result.enterprise.toLowerCase()),
          `The invocation of derivative ${result.derivativeId}`,
          result.transactionHash,
        ),
      };
    },
    claimReward: async (
      _: unknown,
      args: { derivative: string; metric: RewardMetricName },
      context: SubgraphContext,
    ) => {
      const result = await claimReward(args, context.hub);
      return {
        ...result,
        derivative: await derivativeOf(result.derivativeId, result.transactionHash, context),
      };
    },
    releaseRevenue: (_: unknown, args: { account: string }, { hub }: SubgraphContext) =>
      releaseRevenue(args, hub),
    fundRewardPool: async (
      _: unknown,
      args: SignedArgs<FundRewardPoolInput>,
      { hub, loaders }: SubgraphContext,
    ) => {
      const result = await fundRewardPool(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        hub,
      );
      loaders.rewardPool.clear("all");
      return { ...result, rewardPool: await loaders.rewardPool.load("all") };
    },
    depositLiquidity: async (
      _: unknown,
      args: SignedArgs<DepositLiquidityInput>,
      { hub, loaders }: SubgraphContext,
    ) => {
      const result = await depositLiquidity(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        hub,
      );
      loaders.creditPool.clear("all");
      return { ...result, creditPool: await loaders.creditPool.load("all") };
    },
    withdrawLiquidity: async (
      _: unknown,
      args: SignedArgs<WithdrawLiquidityInput>,
      { hub, loaders }: SubgraphContext,
    ) => {
      const result = await withdrawLiquidity({ ...args.input, authorization: args.authorization }, hub);
      loaders.creditPool.clear("all");
      return { ...result, creditPool: await loaders.creditPool.load("all") };
    },
    pledgeDerivative: async (
      _: unknown,
      args: SignedArgs<PledgeDerivativeInput>,
      context: SubgraphContext,
    ) => {
      const result = await pledgeDerivative(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      return { ...result, creditLine: await creditLineOf(result.lineId, result.transactionHash, context) };
    },
    borrowCredit: async (_: unknown, args: SignedArgs<BorrowCreditInput>, context: SubgraphContext) => {
      const result = await borrowCredit({ ...args.input, authorization: args.authorization }, context.hub);
      return { ...result, creditLine: await creditLineOf(result.lineId, result.transactionHash, context) };
    },
    repayCredit: async (_: unknown, args: SignedArgs<RepayCreditInput>, context: SubgraphContext) => {
      const result = await repayCredit(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        context.hub,
      );
      return { ...result, creditLine: await creditLineOf(result.lineId, result.transactionHash, context) };
    },
    unpledgeDerivative: async (
      _: unknown,
      args: SignedArgs<UnpledgeDerivativeInput>,
      context: SubgraphContext,
    ) => {
      const result = await unpledgeDerivative(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      return { ...result, creditLine: await creditLineOf(result.lineId, result.transactionHash, context) };
    },
    declareDefault: async (_: unknown, args: { creditLine: string }, context: SubgraphContext) => {
      const result = await declareDefault(args, context.hub);
      return { ...result, creditLine: await creditLineOf(result.lineId, result.transactionHash, context) };
    },
  },
};
