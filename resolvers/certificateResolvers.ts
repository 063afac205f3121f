import { CORE_SLOTS } from "../prover/coreDataset.js";
import { type CertifyCoreInput, certifyCore } from "./certifyCore.js";
import { checkPageSize, decodeCursor, toConnection } from "./connection.js";
import { type DomainName, domainValues } from "./domain.js";
import type { CertificateRow } from "./rows.js";
import type { SubgraphContext } from "./SubgraphContext.js";

const domainNames = Object.fromEntries(
  Object.entries(domainValues).map(([name, value]) => [value, name]),
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
    ) => {
      const afterId = decodeCursor(after);
      const page = await loaders.certificatePage.load({
        provider: filter?.provider?.toLowerCase() as `0x${string}` | undefined,
        domain: filter?.domain ? domainValues[filter.domain] : undefined,
        certifiedFrom: filter?.certifiedFrom ?? undefined,
        certifiedBefore: filter?.certifiedBefore ?? undefined,
        first: checkPageSize(first),
        afterId,
      });
      return toConnection(page, afterId !== undefined);
    },
  },
  Mutation: {
    certifyCore: (_: unknown, { input }: { input: CertifyCoreInput }, context: SubgraphContext) =>
      certifyCore(input, context),
  },
  Certificate: {
    __resolveReference: ({ id }: { id: string }, { loaders }: SubgraphContext) =>
      /^\d{1,78}$/.test(id) ? loaders.certificateById.load(id) : null,
    provider: (row: CertificateRow) => ({ address: row.provider }),
    domain: (row: CertificateRow) => domainNames[row.domain],
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
