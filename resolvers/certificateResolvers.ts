import type { GraphQLResolveInfo } from "graphql";
import { CORE_DOMAINS, CORE_SLOTS } from "../prover/coreDataset.js";
import { typedDataToJson } from "../usecases/certificationTypedData.js";
import {
  type CertifyCoreInput,
  type CertifyCoreParameters,
  certifyCore,
  certifyCoreTypedData,
} from "../usecases/certifyCore.js";
import { IndexerBehindError } from "../usecases/errors.js";
import { certificateConnection } from "./certificateConnection.js";
import type { CertificateRow } from "./rows.js";
import type { SubgraphContext } from "./SubgraphContext.js";

type DomainName = keyof typeof CORE_DOMAINS;
const domainNames = Object.fromEntries(
  Object.entries(CORE_DOMAINS).map(([name, value]) => [value, name]),
) as Record<number, DomainName>;

type CertificatesArgs = {
  filter?: {
    provider?: `0x${string}` | null;
    domain?: DomainName | null;
    certifiedFrom?: number | null;
    certifiedBefore?: number | null;
  } | null;
  first?: number | null;
  after?: string | null;
};

export const certificateResolvers = {
  Query: {
    certificate: (_: unknown, { id }: { id: string }, { loaders }: SubgraphContext) =>
      /^\d{1,78}$/.test(id) ? loaders.certificateById.load(id) : null,
    certificates: async (
      _: unknown,
      { filter, first, after }: CertificatesArgs,
      { loaders }: SubgraphContext,
      info: GraphQLResolveInfo,
    ) => {
      return certificateConnection(
        {
          provider: filter?.provider?.toLowerCase() as `0x${string}` | undefined,
          domain: filter?.domain ? CORE_DOMAINS[filter.domain] : undefined,
          certifiedFrom: filter?.certifiedFrom ?? undefined,
          certifiedBefore: filter?.certifiedBefore ?? undefined,
        },
        first,
        after,
        loaders,
        info,
      );
    },
    certifyCoreTypedData: async (
      _: unknown,
      { input, deadline }: { input: CertifyCoreInput; deadline?: number | null },
      { hub }: SubgraphContext,
    ) => typedDataToJson((await certifyCoreTypedData(input, hub, { deadline })).typedData),
  },
  Mutation: {
    certifyCore: async (
      _: unknown,
      {
        input,
        authorization,
      }: { input: CertifyCoreInput; authorization: CertifyCoreParameters["authorization"] },
      { hub, loaders }: SubgraphContext,
    ) => {
      const result = await certifyCore({ ...input, authorization }, hub);
      const certificate = await loaders.certificateById.load(result.certificateId);
      if (certificate === undefined)
        throw new IndexerBehindError(`Certificate ${result.certificateId}`, result.transactionHash, {
          certificateId: result.certificateId,
        });
      return { ...result, certificate };
    },
  },
  Certificate: {
    __resolveReference: ({ id }: { id: string }, { loaders }: SubgraphContext) =>
      /^\d{1,78}$/.test(id) ? loaders.certificateById.load(id) : null,
    provider: (row: CertificateRow) => ({ address: row.provider }),
    domain: (row: CertificateRow) => domainNames[row.domain],
    // The indexer's column; `select *` brings it along although CertificateRow predates it.
    schemaHash: (row: CertificateRow & { schemaHash?: `0x${string}` }) => row.schemaHash,
    thresholds: (row: CertificateRow) => ({
      integrityBps: row.minIntegrityBps,
      timelinessBps: row.minTimelinessBps,
      continuityBps: row.minContinuityBps,
      maxGapSlots: row.maxGapSlots,
    }),
    window: (row: CertificateRow) => ({
      start: row.windowStart,
      end: Number(row.windowStart) + CORE_SLOTS * row.slotSeconds,
      slotSeconds: row.slotSeconds,
      slots: CORE_SLOTS,
      deadlineSeconds: Number(row.deadlineSeconds),
    }),
  },
  CertifyCorePayload: {
    quality: ({ quality }: { quality: { presentCount: number } }) => ({
      ...quality,
      presentReadings: quality.presentCount,
    }),
  },
};
