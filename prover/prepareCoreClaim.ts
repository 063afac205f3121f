import type { Hex } from "viem";
import { type ChannelSchema, DEFAULT_CHANNEL_SCHEMA_ID } from "./channelSchema.js";
import { channelSchemaHash } from "./channelSchemaHash.js";
import { commitCoreDataset } from "./commitCoreDataset.js";
import { CORE_SLOTS, type CoreDataset, type CoreDomain, type CoreTerms } from "./coreDataset.js";
import { encodeCoreReadings } from "./encodeCoreReadings.js";
import { BelowFloorError, InvalidDatasetError, ThresholdNotMetError } from "./errors.js";
import { loadChannelSchema } from "./loadChannelSchema.js";
import { type CoreQuality, measureCoreQuality } from "./measureCoreQuality.js";
import { parseCoreDataset } from "./parseCoreDataset.js";

export type CoreThresholds = {
  minIntegrityBps: number;
  minTimelinessBps: number;
  minContinuityBps: number;
  maxGapSlots: number;
};

export type PrepareCoreClaimParameters = {
  dataset: CoreDataset;
  domain: CoreDomain;
  /** Thresholds to claim; each one left out defaults to what the dataset achieves. */
  thresholds?: Partial<CoreThresholds>;
  /** What each slot carries; defaults to `soil-moisture` (one channel `value`, today's single-value datasets). */
  schema?: ChannelSchema;
  /**
   * The domain's certification floors (DerivationRules.floorsOf): every settled threshold must meet them, the gap
   * at most `maxGapSlots`. Checked before the thresholds against the data, so a request below a floor is
   * BELOW_FLOOR whatever the data; a default (what the data achieves) below a floor is BELOW_FLOOR too.
   */
  floors?: CoreThresholds;
};

export type CoreClaim = CoreTerms & { datasetCommitment: Hex; schemaHash: Hex };

export type PrepareCoreClaimReturnType = {
  claim: CoreClaim;
  quality: CoreQuality;
  /** The circuit's private input. */
  readings: bigint[];
  /** The schema the readings follow, and the private inputs that open its hash. */
  schema: { definition: ChannelSchema; channelCount: number; schemaDigest: bigint };
};

/**
 * Everything a core certificate needs short of the proof: validates the dataset, measures its quality, settles the
 * thresholds and commits to the readings. Fails before any proving when no valid proof could exist.
 */
export function prepareCoreClaim({
  dataset,
  domain,
  thresholds = {},
  schema = loadChannelSchema(DEFAULT_CHANNEL_SCHEMA_ID),
  floors,
}: PrepareCoreClaimParameters): PrepareCoreClaimReturnType {
  const { slots } = parseCoreDataset(dataset, schema);
  const quality = measureCoreQuality(slots, dataset.deadlineSeconds);
  const settled: CoreThresholds = {
    minIntegrityBps: thresholds.minIntegrityBps ?? quality.integrityBps,
    minTimelinessBps: thresholds.minTimelinessBps ?? quality.timelinessBps,
    minContinuityBps: thresholds.minContinuityBps ?? quality.continuityBps,
    maxGapSlots: thresholds.maxGapSlots ?? quality.longestGapSlots,
  };
  for (const key of ["minIntegrityBps", "minTimelinessBps", "minContinuityBps"] as const)
    requireBound(`thresholds.${key}`, settled[key], 10_000);
  requireBound("thresholds.maxGapSlots", settled.maxGapSlots, CORE_SLOTS);
  if (floors !== undefined) requireFloors(settled, thresholds, floors, domain);

  if (quality.integrityBps < settled.minIntegrityBps)
    throw new ThresholdNotMetError("integrityBps", quality.integrityBps, settled.minIntegrityBps);
  if (quality.timelinessBps < settled.minTimelinessBps)
    throw new ThresholdNotMetError("timelinessBps", quality.timelinessBps, settled.minTimelinessBps);
  if (quality.continuityBps < settled.minContinuityBps)
    throw new ThresholdNotMetError("continuityBps", quality.continuityBps, settled.minContinuityBps);
  if (quality.longestGapSlots > settled.maxGapSlots)
    throw new ThresholdNotMetError("longestGapSlots", quality.longestGapSlots, settled.maxGapSlots);

  const readings = encodeCoreReadings(slots);
  const { schemaHash, schemaDigest, channelCount } = channelSchemaHash(schema);
  const datasetCommitment = commitCoreDataset({
    readings,
    windowStart: dataset.windowStart,
    slotSeconds: dataset.slotSeconds,
    schemaHash,
  });
  return {
    claim: {
      domain,
      ...settled,
      deadlineSeconds: dataset.deadlineSeconds,
      slotSeconds: dataset.slotSeconds,
      windowStart: dataset.windowStart,
      datasetCommitment,
      schemaHash,
    },
    quality,
    readings,
    schema: { definition: schema, channelCount, schemaDigest },
  };
}

/** The names `thresholds` uses in the API, by claim field. */
const thresholdNames = {
  minIntegrityBps: "integrityBps",
  minTimelinessBps: "timelinessBps",
  minContinuityBps: "continuityBps",
  maxGapSlots: "maxGapSlots",
} as const;

function requireFloors(
  settled: CoreThresholds,
  requested: Partial<CoreThresholds>,
  floors: CoreThresholds,
  domain: CoreDomain,
) {
  for (const key of ["minIntegrityBps", "minTimelinessBps", "minContinuityBps", "maxGapSlots"] as const) {
    const below = key === "maxGapSlots" ? settled[key] > floors[key] : settled[key] < floors[key];
    if (below)
      throw new BelowFloorError(
        thresholdNames[key],
        settled[key],
        floors[key],
        requested[key] === undefined ? "data" : "requested",
        domain,
      );
  }
}

function requireBound(field: string, value: number, max: number) {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new InvalidDatasetError(field, `is ${value}; it must be an integer in [0, ${max}]`);
}
