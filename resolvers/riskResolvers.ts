import { GraphQLError } from "graphql";
import {
  bucketEdges,
  RISK_SEVERITIES,
  type RiskKindName,
  type RiskSeverity,
  riskCategoryOf,
  riskKindNameOf,
  riskKindNumber,
  riskSeverityNumber,
} from "../prover/riskFeatureStandard.js";
import type {
  CaseEventRow,
  DisposalRow,
  DisposalShareRow,
  EcosystemRow,
  FreezeCaseRow,
  MarginRow,
  RiskFeatureRow,
} from "./createRiskLoaders.js";
import { keysetPage, type PageArgs } from "./keysetPage.js";
import type { CaseFilterKey, RiskFeatureFilterKey } from "./riskListQueries.js";
import type { SubgraphContext } from "./SubgraphContext.js";

type RiskFeatureFilterInput = {
  subject?: string | null;
  ecosystem?: string | null;
  kind?: RiskKindName | null;
  minSeverity?: RiskSeverity | null;
  from?: number | null;
  to?: number | null;
  verified?: boolean | null;
} | null;

const UINT = /^\d{1,78}$/;
/** ponder's event ids (75-digit checkpoints): margins page on the first event's. */
const EVENT_KEY = /^\d{75}$/;
const INT32_MAX = 2 ** 31 - 1;
const VERDICTS: Record<number, "UPHOLD" | "REJECT" | "DISMISS"> = { 1: "UPHOLD", 2: "REJECT", 3: "DISMISS" };

const lower = (address: string) => address.toLowerCase() as `0x${string}`;

/** An ecosystem id argument; anything that is not one matches nothing (ecosystem 0 never exists). */
const ecosystemIdOf = (id: string): number =>
  /^\d{1,10}$/.test(id) && Number(id) <= INT32_MAX ? Number(id) : 0;

/** A feature or case id argument that is not a uint matches nothing. */
const idOrNull = (id: string) => (UINT.test(id) ? id : null);

/** The API's filter as the list's key: names to the contracts' numbers, addresses lower-case. */
function riskFeatureFilterOf(filter: RiskFeatureFilterInput, subject?: `0x${string}`): RiskFeatureFilterKey {
  if (filter?.from != null && filter.to != null && filter.from >= filter.to)
    throw new GraphQLError("riskFeatures: `from` must be before `to`", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  return {
    subject: subject ?? (filter?.subject ? lower(filter.subject) : undefined),
    ecosystem: filter?.ecosystem != null ? ecosystemIdOf(filter.ecosystem) : undefined,
    kind: filter?.kind ? riskKindNumber[filter.kind] : undefined,
    // INFO is every severity: no filter, so the list takes the plain index.
    minSeverity:
      filter?.minSeverity && filter.minSeverity !== "INFO"
        ? riskSeverityNumber[filter.minSeverity]
        : undefined,
    from: filter?.from ?? undefined,
    to: filter?.to ?? undefined,
    verified: filter?.verified ?? undefined,
  };
}

function riskFeatureConnection(filter: RiskFeatureFilterKey, args: PageArgs, { loaders }: SubgraphContext) {
  return keysetPage<RiskFeatureRow>(
    "riskFeature",
    [UINT, UINT],
    args,
    (row) => [row.publishedAt, row.id],
    (first, after) =>
      loaders.riskFeaturePage.load({
        ...filter,
        first,
        after: after && { publishedAt: after[0] as string, id: after[1] as string },
      }),
    () => loaders.riskFeatureCount.load(filter),
  );
}

/** required = max(minMargin, perEcosystemMargin × ecosystems served), at the vault's current parameters. */
async function requiredOf(row: MarginRow, { loaders }: SubgraphContext): Promise<bigint> {
  const vault = await loaders.marginVault.load("all");
  const perServed = BigInt(vault.perEcosystemMargin) * BigInt(row.servedCount);
  const minimum = BigInt(vault.minMargin);
  return perServed > minimum ? perServed : minimum;
}

const ecosystemOf = (id: number, { loaders }: SubgraphContext) => loaders.ecosystemById.load(String(id));

export const riskResolvers = {
  Query: {
    ecosystems: (_: unknown, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<EcosystemRow>(
        "ecosystem",
        [/^\d{1,10}$/],
        args,
        (row) => [String(row.id)],
        (first, after) =>
          loaders.ecosystemPage.load({
            first,
            after: after ? Math.min(Number(after[0]), INT32_MAX) : undefined,
          }),
        () => loaders.ecosystemCount.load("all"),
      ),
    ecosystem: (_: unknown, { id }: { id: string }, context: SubgraphContext) => {
      const ecosystemId = ecosystemIdOf(id);
      return ecosystemId === 0 ? null : ecosystemOf(ecosystemId, context);
    },
    riskFeatures: (
      _: unknown,
      args: PageArgs & { filter?: RiskFeatureFilterInput },
      context: SubgraphContext,
    ) => riskFeatureConnection(riskFeatureFilterOf(args.filter ?? null), args, context),
    riskFeature: (_: unknown, { id }: { id: string }, { loaders }: SubgraphContext) => {
      const featureId = idOrNull(id);
      return featureId === null ? null : loaders.riskFeatureById.load(featureId);
    },
    margins: (_: unknown, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<MarginRow>(
        "margin",
        [EVENT_KEY],
        args,
        (row) => [row.createdId],
        (first, after) => loaders.marginPage.load({ first, after: after?.[0] }),
        () => loaders.marginCount.load({}),
      ),
    cases: (
      _: unknown,
      args: PageArgs & {
        filter?: { provider?: string | null; ecosystem?: string | null; status?: string | null } | null;
      },
      { loaders }: SubgraphContext,
    ) => {
      const filter: CaseFilterKey = {
        provider: args.filter?.provider ? lower(args.filter.provider) : undefined,
        ecosystem: args.filter?.ecosystem != null ? ecosystemIdOf(args.filter.ecosystem) : undefined,
        status: args.filter?.status ?? undefined,
      };
      return keysetPage<FreezeCaseRow>(
        "case",
        [UINT],
        args,
        (row) => [row.id],
        (first, after) => loaders.casePage.load({ ...filter, first, after: after?.[0] }),
        () => loaders.caseCount.load(filter),
      );
    },
    case: (_: unknown, { id }: { id: string }, { loaders }: SubgraphContext) => {
      const caseId = idOrNull(id);
      return caseId === null ? null : loaders.caseById.load(caseId);
    },
    disposals: (_: unknown, args: PageArgs, { loaders }: SubgraphContext) =>
      keysetPage<DisposalRow>(
        "disposal",
        [UINT],
        args,
        (row) => [row.caseId],
        (first, after) => loaders.disposalPage.load({ first, after: after?.[0] }),
        () => loaders.disposalCount.load({}),
      ),
  },
  Provider: {
    riskFeatures: (
      { address }: { address: string },
      args: PageArgs & { filter?: RiskFeatureFilterInput },
      context: SubgraphContext,
    ) => riskFeatureConnection(riskFeatureFilterOf(args.filter ?? null, lower(address)), args, context),
    margin: async ({ address }: { address: string }, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.marginByProvider.load(lower(address))) ?? null,
  },
  Ecosystem: {
    __resolveReference: ({ id }: { id: string }, context: SubgraphContext) => {
      const ecosystemId = ecosystemIdOf(String(id));
      return ecosystemId === 0 ? null : ecosystemOf(ecosystemId, context);
    },
    subgraphUrl: (row: EcosystemRow) => (row.subgraphUrl === "" ? null : row.subgraphUrl),
  },
  RiskFeature: {
    __resolveReference: ({ id }: { id: string }, { loaders }: SubgraphContext) => {
      const featureId = idOrNull(String(id));
      return featureId === null ? null : loaders.riskFeatureById.load(featureId);
    },
    subject: (row: RiskFeatureRow) => ({ address: row.subject }),
    ecosystem: (row: RiskFeatureRow, _: unknown, context: SubgraphContext) =>
      ecosystemOf(row.ecosystemId, context),
    kind: (row: RiskFeatureRow) => riskKindNameOf[row.kind],
    category: (row: RiskFeatureRow) => {
      const kind = riskKindNameOf[row.kind];
      return kind === undefined ? null : riskCategoryOf[kind];
    },
    bucket: (row: RiskFeatureRow) => ({ index: row.bucket, ...bucketEdges(row.bucket) }),
    severity: (row: RiskFeatureRow) => RISK_SEVERITIES[row.severity],
    threshold: (row: RiskFeatureRow) => Number(row.threshold),
    evidenceCommitment: (row: RiskFeatureRow) => row.evidenceRoot,
    attestedBy: async (row: RiskFeatureRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.attestationsByFeature.load(row.id)).map((attestation) => attestation.node),
  },
  Margin: {
    provider: (row: MarginRow) => ({ address: row.provider }),
    unlockAt: (row: MarginRow) => (row.unlockAt === "0" ? null : row.unlockAt),
    ecosystemsServed: async (row: MarginRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.ecosystemById.loadMany(row.ecosystemsServed.map(String))).filter(
        (ecosystem): ecosystem is EcosystemRow => ecosystem !== undefined && !(ecosystem instanceof Error),
      ),
    required: (row: MarginRow, _: unknown, context: SubgraphContext) => requiredOf(row, context),
    adequate: async (row: MarginRow, _: unknown, context: SubgraphContext) =>
      BigInt(row.locked) >= (await requiredOf(row, context)),
    frozen: (row: MarginRow) => row.frozenBy !== null,
    frozenBy: (row: MarginRow, _: unknown, { loaders }: SubgraphContext) =>
      row.frozenBy === null ? null : loaders.caseById.load(row.frozenBy),
  },
  FreezeCase: {
    provider: (row: FreezeCaseRow) => ({ address: row.provider }),
    ecosystem: (row: FreezeCaseRow, _: unknown, context: SubgraphContext) =>
      ecosystemOf(row.ecosystemId, context),
    timeline: (row: FreezeCaseRow, _: unknown, { loaders }: SubgraphContext) =>
      loaders.caseEventsByCase.load(row.id),
    disposal: async (row: FreezeCaseRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.disposalByCase.load(row.id)) ?? null,
  },
  CaseEvent: {
    at: (row: CaseEventRow) => row.timestamp,
    verdict: (row: CaseEventRow) => (row.verdict === null ? null : (VERDICTS[row.verdict] ?? null)),
    ecosystem: (row: CaseEventRow, _: unknown, context: SubgraphContext) =>
      row.ecosystemId === null ? null : ecosystemOf(row.ecosystemId, context),
  },
  Disposal: {
    case: (row: DisposalRow, _: unknown, { loaders }: SubgraphContext) => loaders.caseById.load(row.caseId),
    shares: async (row: DisposalRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.sharesByCase.load(row.caseId)).map((share) => ({
        ...share,
        inputsHash: row.inputsHash,
      })),
  },
  DisposalShare: {
    ecosystem: (row: DisposalShareRow, _: unknown, context: SubgraphContext) =>
      ecosystemOf(row.ecosystemId, context),
    /** From the hub's assessment document under the disposal's inputs hash; null when the hub does not hold it. */
    contribution: async (
      row: DisposalShareRow & { inputsHash: string },
      _: unknown,
      { loaders }: SubgraphContext,
    ) => {
      const document = await loaders.assessmentByInputsHash.load(row.inputsHash);
      const ecosystemId = String(row.ecosystemId);
      const contribution = document?.contributions.find((c) => String(c.ecosystemId) === ecosystemId);
      const share = document?.shares.find((s) => String(s.ecosystemId) === ecosystemId);
      if (contribution === undefined || share === undefined) return null;
      return {
        leadTimeHours: contribution.leadTimeHours,
        lossReductionBps: contribution.lossReductionBps,
        locatedSource: contribution.locatedSource,
        shapleyValue: share.shapleyValue,
      };
    },
  },
};
