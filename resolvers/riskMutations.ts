import type { Address, Hex } from "viem";
import { BaseError } from "../errors/BaseError.js";
import type { RiskKindName } from "../prover/riskFeatureStandard.js";
import type { SignedAuthorization } from "../usecases/certificationTypedData.js";
import { typedDataToJson } from "../usecases/certificationTypedData.js";
import { IndexerBehindError } from "../usecases/errors.js";
import {
  type AttestRiskFeatureInput,
  attestRiskFeature,
  prepareAttestRiskFeature,
} from "../usecases/risk/attestRiskFeature.js";
import { type CastCaseVoteInput, castCaseVote, prepareCastCaseVote } from "../usecases/risk/castCaseVote.js";
import {
  type ClaimDisposalPayoutInput,
  claimDisposalPayout,
  prepareClaimDisposalPayout,
} from "../usecases/risk/claimDisposalPayout.js";
import { type FileFreezeInput, fileFreeze, prepareFileFreeze } from "../usecases/risk/fileFreeze.js";
import type { CalderaRiskSource } from "../usecases/risk/gatherCalderaRiskRecords.js";
import { type LockMarginInput, lockMargin, prepareLockMargin } from "../usecases/risk/lockMargin.js";
import { publishCalderaRiskFeature } from "../usecases/risk/publishCalderaRiskFeature.js";
import {
  type PublishRiskFeatureInput,
  preparePublishRiskFeature,
  publishRiskFeature,
} from "../usecases/risk/publishRiskFeature.js";
import {
  prepareRequestMarginUnlock,
  type RequestMarginUnlockInput,
  requestMarginUnlock,
} from "../usecases/risk/requestMarginUnlock.js";
import { resolveCase } from "../usecases/risk/resolveCase.js";
import {
  prepareSetServedEcosystems,
  type SetServedEcosystemsInput,
  setServedEcosystems,
} from "../usecases/risk/setServedEcosystems.js";
import {
  type NodeAttestation,
  prepareSettleDisposal,
  settleDisposal,
} from "../usecases/risk/settleDisposal.js";
import {
  prepareWithdrawMargin,
  type WithdrawMarginInput,
  withdrawMargin,
} from "../usecases/risk/withdrawMargin.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/** A typed-data query's arguments: the action's input and an optional deadline (DateTime: unix seconds). */
type TypedDataArgs<I> = { input: I; deadline?: number | null };
/** A signed mutation's arguments, as the scalars parse them (BigInt → bigint, Bytes → hex). */
type SignedArgs<I> = { input: I; authorization: SignedAuthorization; permit?: SignedAuthorization | null };

type ContributionArgs = {
  ecosystem: string;
  leadTimeHours: number;
  lossReductionBps: number;
  locatedSource: boolean;
};
type SettleDisposalArgs = { caseId: string; contributions: ContributionArgs[] };

const deadlineOf = ({ deadline }: { deadline?: number | null }) => ({
  deadline: deadline === null || deadline === undefined ? undefined : BigInt(deadline),
});

const lower = (address: string) => address.toLowerCase() as `0x${string}`;

/** The indexed row a write produced; the indexer has the block (sendAndWaitIndexed), so a miss means it lags. */
function found<R>(row: R | undefined, what: string, transactionHash: Hex): R {
  if (row === undefined) throw new IndexerBehindError(what, transactionHash);
  return row;
}

async function featureOf(featureId: string, transactionHash: Hex, { loaders }: SubgraphContext) {
  loaders.riskFeatureById.clear(featureId);
  return found(await loaders.riskFeatureById.load(featureId), `Risk feature ${featureId}`, transactionHash);
}

async function marginOf(provider: Address, transactionHash: Hex, { loaders }: SubgraphContext) {
  loaders.marginByProvider.clear(lower(provider));
  return found(
    await loaders.marginByProvider.load(lower(provider)),
    `The margin of ${provider}`,
    transactionHash,
  );
}

async function caseOf(caseId: string, transactionHash: Hex, { loaders }: SubgraphContext) {
  loaders.caseById.clear(caseId);
  return found(await loaders.caseById.load(caseId), `Freeze case ${caseId}`, transactionHash);
}

async function disposalOf(caseId: string, transactionHash: Hex, { loaders }: SubgraphContext) {
  loaders.disposalByCase.clear(caseId);
  return found(await loaders.disposalByCase.load(caseId), `The disposal of case ${caseId}`, transactionHash);
}

/** An ecosystem the chain knows (the use case read it there) but the indexer may not have yet. */
async function ecosystemRowOf(id: string, loaders: SubgraphContext["loaders"]) {
  const row = await loaders.ecosystemById.load(id);
  if (row === undefined)
    throw new BaseError(`Ecosystem ${id} is on-chain but the indexer has not caught up yet`, {
      code: "INDEXER_BEHIND",
      details: { ecosystemId: id },
    });
  return row;
}

/** Caldera's own records of a subject, as the indexer holds them (read on the primary, like every mutation's reads). */
export function calderaRiskSourceOf({ loaders }: Pick<SubgraphContext, "loaders">): CalderaRiskSource {
  return {
    creditLines: async (subject, limit) => {
      const { rows } = await loaders.creditLinePage.load({ borrower: lower(subject), first: limit });
      return rows.map((row) => ({
        id: row.id,
        status: row.status,
        openedAt: Number(row.openedAt),
        closedAt: row.closedAt === null ? null : Number(row.closedAt),
      }));
    },
    certificates: async (subject, limit) => {
      const { rows } = await loaders.certificatePage.load({ provider: lower(subject), first: limit });
      return rows.map((row) => ({
        id: row.id,
        datasetCommitment: row.datasetCommitment,
        certifiedAt: Number(row.certifiedAt),
      }));
    },
  };
}

const settleInput = (input: SettleDisposalArgs) => ({
  caseId: input.caseId,
  contributions: input.contributions.map((c) => ({ ...c })),
});

/**
 * Cross-domain risk's writes (schema/riskMutations.graphql): each typed-data query and mutation calls its use case
 * (usecases/risk/), then reads back the entity the write produced through the same loaders the reads use
 * (resolvers/createRiskLoaders.ts) — a mutation's loaders read the primary, which the indexer has written the block to.
 */
export const riskMutations = {
  Query: {
    publishRiskFeatureTypedData: async (
      _: unknown,
      args: TypedDataArgs<PublishRiskFeatureInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await preparePublishRiskFeature(args.input, hub, deadlineOf(args))).typedData),
    attestRiskFeatureTypedData: async (
      _: unknown,
      args: TypedDataArgs<AttestRiskFeatureInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareAttestRiskFeature(args.input, hub, deadlineOf(args))).typedData),
    lockMarginTypedData: async (
      _: unknown,
      args: TypedDataArgs<LockMarginInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareLockMargin(args.input, hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
      };
    },
    setServedEcosystemsTypedData: async (
      _: unknown,
      args: TypedDataArgs<SetServedEcosystemsInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareSetServedEcosystems(args.input, hub, deadlineOf(args))).typedData),
    requestMarginUnlockTypedData: async (
      _: unknown,
      args: TypedDataArgs<RequestMarginUnlockInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareRequestMarginUnlock(args.input, hub, deadlineOf(args))).typedData),
    withdrawMarginTypedData: async (
      _: unknown,
      args: TypedDataArgs<WithdrawMarginInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareWithdrawMargin(args.input, hub, deadlineOf(args))).typedData),
    fileFreezeTypedData: async (
      _: unknown,
      args: TypedDataArgs<FileFreezeInput>,
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareFileFreeze(args.input, hub, deadlineOf(args));
      return {
        typedData: typedDataToJson(prepared.typedData),
        permitTypedData: typedDataToJson(prepared.permitTypedData),
        deposit: prepared.deposit,
      };
    },
    castCaseVoteTypedData: async (
      _: unknown,
      args: TypedDataArgs<CastCaseVoteInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareCastCaseVote(args.input, hub, deadlineOf(args))).typedData),
    settleDisposalTypedData: async (
      _: unknown,
      args: TypedDataArgs<SettleDisposalArgs>,
      { hub, loaders }: SubgraphContext,
    ) => {
      const prepared = await prepareSettleDisposal(settleInput(args.input), hub, deadlineOf(args));
      const { document, inputsHash, avoidedLoss, assignedBps, dustBps } = prepared.assessment;
      return {
        typedData: typedDataToJson(prepared.typedData),
        shares: await Promise.all(
          document.shares.map(async (share) => ({
            ecosystem: await ecosystemRowOf(share.ecosystemId, loaders),
            shareBps: share.shareBps,
            shapleyValue: share.shapleyValue,
          })),
        ),
        inputsHash,
        assessmentHash: prepared.assessmentHash,
        seized: prepared.seized,
        avoidedLoss,
        assignedBps,
        dustBps,
      };
    },
    claimDisposalPayoutTypedData: async (
      _: unknown,
      args: TypedDataArgs<ClaimDisposalPayoutInput>,
      { hub }: SubgraphContext,
    ) => typedDataToJson((await prepareClaimDisposalPayout(args.input, hub, deadlineOf(args))).typedData),
  },
  Mutation: {
    publishRiskFeature: async (
      _: unknown,
      args: SignedArgs<PublishRiskFeatureInput> & { proof: { a: bigint[]; b: bigint[][]; c: bigint[] } },
      context: SubgraphContext,
    ) => {
      const result = await publishRiskFeature(
        { ...args.input, proof: args.proof, authorization: args.authorization },
        context.hub,
      );
      return { ...result, feature: await featureOf(result.featureId, result.transactionHash, context) };
    },
    attestRiskFeature: async (
      _: unknown,
      args: SignedArgs<AttestRiskFeatureInput>,
      context: SubgraphContext,
    ) => {
      const result = await attestRiskFeature(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      return { ...result, feature: await featureOf(result.featureId, result.transactionHash, context) };
    },
    lockMargin: async (_: unknown, args: SignedArgs<LockMarginInput>, context: SubgraphContext) => {
      const result = await lockMargin(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        context.hub,
      );
      return { ...result, margin: await marginOf(result.provider, result.transactionHash, context) };
    },
    setServedEcosystems: async (
      _: unknown,
      args: SignedArgs<SetServedEcosystemsInput>,
      context: SubgraphContext,
    ) => {
      const result = await setServedEcosystems(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      return { ...result, margin: await marginOf(result.provider, result.transactionHash, context) };
    },
    requestMarginUnlock: async (
      _: unknown,
      args: SignedArgs<RequestMarginUnlockInput>,
      context: SubgraphContext,
    ) => {
      const result = await requestMarginUnlock(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      return { ...result, margin: await marginOf(result.provider, result.transactionHash, context) };
    },
    withdrawMargin: async (_: unknown, args: SignedArgs<WithdrawMarginInput>, context: SubgraphContext) => {
      const result = await withdrawMargin({ ...args.input, authorization: args.authorization }, context.hub);
      context.loaders.marginByProvider.clear(lower(result.provider));
      return {
        ...result,
        margin: (await context.loaders.marginByProvider.load(lower(result.provider))) ?? null,
      };
    },
    fileFreeze: async (_: unknown, args: SignedArgs<FileFreezeInput>, context: SubgraphContext) => {
      const result = await fileFreeze(
        { ...args.input, authorization: args.authorization, permit: args.permit },
        context.hub,
      );
      return { ...result, case: await caseOf(result.caseId, result.transactionHash, context) };
    },
    castCaseVote: async (_: unknown, args: SignedArgs<CastCaseVoteInput>, context: SubgraphContext) => {
      const result = await castCaseVote({ ...args.input, authorization: args.authorization }, context.hub);
      return { ...result, case: await caseOf(result.caseId, result.transactionHash, context) };
    },
    resolveCase: async (_: unknown, args: { caseId: string }, context: SubgraphContext) => {
      const result = await resolveCase(args, context.hub);
      return { ...result, case: await caseOf(result.caseId, result.transactionHash, context) };
    },
    settleDisposal: async (
      _: unknown,
      args: { input: SettleDisposalArgs; attestations: NodeAttestation[] },
      context: SubgraphContext,
    ) => {
      const result = await settleDisposal(
        { ...settleInput(args.input), attestations: args.attestations },
        context.hub,
      );
      return { ...result, disposal: await disposalOf(result.caseId, result.transactionHash, context) };
    },
    claimDisposalPayout: async (
      _: unknown,
      args: SignedArgs<ClaimDisposalPayoutInput>,
      context: SubgraphContext,
    ) => {
      const result = await claimDisposalPayout(
        { ...args.input, authorization: args.authorization },
        context.hub,
      );
      context.loaders.sharesByCase.clear(result.caseId);
      return { ...result, disposal: await disposalOf(result.caseId, result.transactionHash, context) };
    },
    publishCalderaRiskFeature: async (
      _: unknown,
      args: { subject: string; kind: RiskKindName },
      context: SubgraphContext,
    ) => {
      const result = await publishCalderaRiskFeature(args, context.hub, {
        source: calderaRiskSourceOf(context),
      });
      return {
        feature: await featureOf(result.featureId, result.transactionHash, context),
        proveMs: result.proveMs,
        transactionHash: result.transactionHash,
        gasUsed: result.gasUsed,
      };
    },
  },
};
