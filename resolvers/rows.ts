/** Rows of the indexer's views as `postgres` returns them (camel-cased; numeric(78) columns arrive as strings). */
export type CertificateRow = {
  id: string;
  provider: `0x${string}`;
  domain: number;
  datasetCommitment: `0x${string}`;
  minIntegrityBps: number;
  minTimelinessBps: number;
  minContinuityBps: number;
  maxGapSlots: number;
  windowStart: string;
  slotSeconds: number;
  deadlineSeconds: string;
  proofHash: `0x${string}`;
  certifiedAt: string;
  blockNumber: string;
  transactionHash: `0x${string}`;
};

export type ProviderRow = {
  address: `0x${string}`;
  name: string | null;
  registeredAt: string | null;
  certificateCount: number;
};

export type CertificatePage = { rows: CertificateRow[]; hasNextPage: boolean };
