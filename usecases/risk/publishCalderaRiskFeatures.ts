import type { Address } from "viem";
import { BaseError } from "../../errors/BaseError.js";
import type { HubServices } from "../HubServices.js";
import {
  CALDERA_RISK_KINDS,
  type CalderaRiskKind,
  type CalderaRiskSource,
} from "./gatherCalderaRiskRecords.js";
import {
  type PublishCalderaRiskFeatureReturnType,
  publishCalderaRiskFeature,
} from "./publishCalderaRiskFeature.js";

export type PublishCalderaRiskFeaturesParameters = {
  /** The providers to look at (a watcher passes those with new credit or certificate events). */
  subjects: readonly Address[];
  kinds?: readonly CalderaRiskKind[] | undefined;
};

export type PublishCalderaRiskFeaturesReturnType = {
  published: PublishCalderaRiskFeatureReturnType[];
  /** What was left alone and why: "published" (same records, already on-chain) or "noRecords". */
  skipped: {
    subject: Address;
    kind: CalderaRiskKind;
    reason: "published" | "noRecords";
    featureId?: string;
  }[];
};

/**
 * Caldera's automatic publisher, for a stack-side watcher: publishes each subject's features for each kind
 * Caldera keeps records of, one at a time (the prover pool bounds the CPU). Idempotent — a feature whose records
 * were published before (FEATURE_ALREADY_PUBLISHED, found by the replay key before proving) or a subject with no
 * records is skipped, not an error — so it can run after every indexed block. Any other error stops the run.
 */
export async function publishCalderaRiskFeatures(
  { subjects, kinds = CALDERA_RISK_KINDS }: PublishCalderaRiskFeaturesParameters,
  hub: HubServices,
  { source }: { source: CalderaRiskSource },
): Promise<PublishCalderaRiskFeaturesReturnType> {
  const result: PublishCalderaRiskFeaturesReturnType = { published: [], skipped: [] };
  for (const subject of subjects)
    for (const kind of kinds) {
      try {
        result.published.push(await publishCalderaRiskFeature({ subject, kind }, hub, { source }));
      } catch (error) {
        if (!(error instanceof BaseError)) throw error;
        if (error.code === "FEATURE_ALREADY_PUBLISHED")
          result.skipped.push({
            subject,
            kind,
            reason: "published",
            featureId: String(error.details.featureId),
          });
        else if (error.code === "BAD_USER_INPUT" && error.details.reason === "noRecords")
          result.skipped.push({ subject, kind, reason: "noRecords" });
        else throw error;
      }
    }
  return result;
}
