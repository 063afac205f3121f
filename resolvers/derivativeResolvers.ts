import { hexToString } from "viem";
import { type DerivationKindName, derivationKinds } from "../usecases/buildModelInput.js";
import { computeBindingHash } from "../usecases/computeBindingHash.js";
import { deriveValue } from "../usecases/deriveValue.js";
import { IndexerBehindError } from "../usecases/errors.js";
import { channelMaskOf, prepareDerivation } from "../usecases/prepareDerivation.js";
import { summariseDerivation } from "../usecases/summariseDerivation.js";
import { checkPageSize, decodeCursorOf, encodeCursorOf, firstOfList, toConnection } from "./connection.js";
import type { DerivativeFilterKey, DerivativeRow } from "./createDerivativeLoaders.js";
import type { SubgraphContext } from "./SubgraphContext.js";

const kindNames = Object.fromEntries(
  Object.entries(derivationKinds).map(([name, spec]) => [spec.kind, name]),
) as Record<number, DerivationKindName>;

type DeriveValueInput = {
  certificateIds: string[];
  kind: DerivationKindName;
  parameters: Record<string, unknown>;
};

const modelIdOf = (row: DerivativeRow) => hexToString(row.modelId, { size: 32 }).replace(/\0+$/, "");

/** The stored derivation record (features, parameters, output) of a derivative, once per request. */
const recordOf = (row: DerivativeRow, { hub }: SubgraphContext) => hub.derivations.get(row.outputHash);

/** A keyset page of derivatives newest first; the cursor is the last row's id, the count loaded only when selected. */
async function page(
  filter: DerivativeFilterKey,
  first: number | null | undefined,
  after: string | null | undefined,
  { loaders }: SubgraphContext,
) {
  const afterId = decodeCursorOf("derivative", after);
  const size = checkPageSize(first);
  const { rows, hasNextPage } = await loaders.derivativePage.load({ ...filter, first: size, afterId });
  return toConnection<DerivativeRow>({
    rows,
    hasNextPage,
    hasPreviousPage: afterId !== undefined,
    cursorOf: (row) => encodeCursorOf("derivative", row.id),
    totalCount: () => loaders.derivativeCount.load(filter),
  });
}

export const derivativeResolvers = {
  Query: {
    derivative: (_: unknown, { id }: { id: string }, { loaders }: SubgraphContext) =>
      /^\d{1,78}$/.test(id) ? loaders.derivativeById.load(id) : null,
    derivatives: (
      _: unknown,
      args: {
        filter?: {
          owner?: string | null;
          kind?: DerivationKindName | null;
          certificate?: string | null;
        } | null;
        first?: number | null;
        after?: string | null;
      },
      context: SubgraphContext,
    ) =>
      page(
        {
          owner: args.filter?.owner?.toLowerCase() as `0x${string}` | undefined,
          kind: args.filter?.kind ? derivationKinds[args.filter.kind].kind : undefined,
          certificate:
            args.filter?.certificate && /^\d{1,78}$/.test(args.filter.certificate)
              ? args.filter.certificate
              : args.filter?.certificate
                ? "0"
                : undefined,
        },
        args.first,
        args.after,
        context,
      ),
    deriveValueTypedData: async (
      _: unknown,
      { input }: { input: DeriveValueInput },
      { hub }: SubgraphContext,
    ) => {
      const prepared = await prepareDerivation(input, hub);
      return {
        typedData: prepared.typedData,
        nonce: prepared.request.nonce,
        deadline: prepared.request.deadline,
        outputHash: prepared.model.outputHash,
        summary: summariseDerivation(input.kind, prepared.model.output),
      };
    },
  },
  Mutation: {
    deriveValue: async (
      _: unknown,
      {
        input,
        authorization,
      }: {
        input: DeriveValueInput;
        authorization: { signature: `0x${string}`; nonce: string; deadline: string };
      },
      { hub, loaders }: SubgraphContext,
    ) => {
      const result = await deriveValue(
        {
          ...input,
          authorization: { signature: authorization.signature, deadline: BigInt(authorization.deadline) },
        },
        hub,
      );
      const derivative = await loaders.derivativeById.load(result.derivativeId);
      if (derivative === undefined)
        throw new IndexerBehindError(`Derivative ${result.derivativeId}`, result.transactionHash, {
          derivativeId: result.derivativeId,
        });
      return { ...result, derivative };
    },
  },
  Derivative: {
    __resolveReference: ({ id }: { id: string }, { loaders }: SubgraphContext) =>
      /^\d{1,78}$/.test(id) ? loaders.derivativeById.load(id) : null,
    kind: (row: DerivativeRow) => kindNames[row.kind],
    owner: (row: DerivativeRow) => ({ address: row.owner }),
    rule: async (row: DerivativeRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.derivationRules.load("all")).find((rule) => String(rule.id) === row.ruleId) ?? null,
    cores: async (row: DerivativeRow, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.certificateById.loadMany(row.coreIds)).filter(
        (c) => c !== undefined && !(c instanceof Error),
      ),
    model: (row: DerivativeRow) => ({ id: modelIdOf(row), versionHash: row.modelVersionHash }),
    output: async (row: DerivativeRow, _: unknown, context: SubgraphContext) =>
      (await recordOf(row, context))?.output ?? null,
    parameters: async (row: DerivativeRow, _: unknown, context: SubgraphContext) =>
      (await recordOf(row, context))?.parameters ?? null,
    features: async (row: DerivativeRow, _: unknown, context: SubgraphContext) =>
      (await recordOf(row, context))?.features ?? null,
    summary: async (row: DerivativeRow, _: unknown, context: SubgraphContext) => {
      const record = await recordOf(row, context);
      return record ? summariseDerivation(kindNames[row.kind] as DerivationKindName, record.output) : null;
    },
    publicInputs: async (row: DerivativeRow, _: unknown, context: SubgraphContext) => {
      const { hub, loaders } = context;
      const record = await recordOf(row, context);
      const registry = hub.deployment.contracts.DerivativeRegistry?.address;
      const kind = kindNames[row.kind] as DerivationKindName;
      const cores = await loaders.certificateById.loadMany(row.coreIds);
      return row.coreIds.map((certificateId, i) => {
        const core = cores[i];
        return {
          certificateId,
          featureCommitment: record?.featureCommitments[i] ?? null,
          proof: (record?.proofs as unknown[] | undefined)?.[i] ?? null,
          coreCommitment: core && !(core instanceof Error) ? core.datasetCommitment : null,
          channelMask: channelMaskOf(kind),
          bindingHash: registry
            ? `0x${computeBindingHash({
                chainId: hub.deployment.chainId,
                registry,
                provider: row.owner,
                ruleId: BigInt(row.ruleId),
                coreId: BigInt(certificateId),
                modelId: row.modelId,
                modelVersionHash: row.modelVersionHash,
                outputHash: row.outputHash,
              })
                .toString(16)
                .padStart(64, "0")}`
            : null,
        };
      });
    },
  },
  Certificate: {
    derivatives: async (
      { id }: { id: string },
      { first }: { first?: number | null },
      { loaders }: SubgraphContext,
    ) => {
      const ids = await firstOfList(first, () => loaders.derivativeIdsByCertificate.load(id));
      return (await loaders.derivativeById.loadMany(ids)).filter(
        (d) => d !== undefined && !(d instanceof Error),
      );
    },
  },
  Provider: {
    derivatives: (
      { address }: { address: string },
      { first, after }: { first?: number | null; after?: string | null },
      context: SubgraphContext,
    ) => page({ owner: address.toLowerCase() as `0x${string}` }, first, after, context),
  },
};
