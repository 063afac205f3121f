import type { Address } from "viem";
import { commitRiskRecords } from "../../prover/commitRiskRecords.js";
import { bucketOf, riskKind } from "../../prover/riskFeatureStandard.js";
import { parseAccount } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { BadUserInputError, NotAuthorizedError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { chainNow } from "../verifySignedAuthorization.js";
import {
  CALDERA_RISK_KINDS,
  type CalderaRiskKind,
  type CalderaRiskSource,
  gatherCalderaRiskRecords,
} from "./gatherCalderaRiskRecords.js";
import {
  type PublishRiskFeatureReturnType,
  preparePublishRiskFeature,
  publishRiskFeature,
} from "./publishRiskFeature.js";
import { readEcosystem, readPublishedFeatureId, riskRegistryOf } from "./riskContracts.js";

/** Caldera's own ecosystem id, registered with EcosystemRegistry at deployment (operator: the hub's signer). */
export const CALDERA_ECOSYSTEM_ID = 1;

export type PublishCalderaRiskFeatureParameters = {
  subject: Address | string;
  kind: CalderaRiskKind | string;
};

export type PublishCalderaRiskFeatureReturnType = PublishRiskFeatureReturnType & {
  recordCount: number;
  /** Records whose value reached the threshold (the bucket is public, this count is not published). */
  flaggedCount: number;
  proveMs: number;
};

/**
 * The hub, as Caldera's operator (ecosystem 1, the hub's signer), proves and publishes a risk feature about
 * `subject` from what Caldera itself has seen (`gatherCalderaRiskRecords`): its credit lines (DEFAULT_RATE), its
 * certified datasets' late and missing readings (DELAY_DURATION) or its rejected certification attempts
 * (TAMPERING_FREQUENCY). Refused before anything is proven or sent: a kind
 * Caldera keeps no records of, no records (BAD_USER_INPUT, `reason` "noRecords"), Caldera's ecosystem suspended
 * (ECOSYSTEM_NOT_ACTIVE), a hub signer that is not its operator (NOT_AUTHORIZED), and the same records published
 * before (FEATURE_ALREADY_PUBLISHED with `featureId`: the records commit to the same root, see the salts).
 */
export async function publishCalderaRiskFeature(
  { subject: given, kind: kindName }: PublishCalderaRiskFeatureParameters,
  hub: HubServices,
  { source }: { source: CalderaRiskSource },
): Promise<PublishCalderaRiskFeatureReturnType> {
  const subject = parseAccount(given, "subject");
  const kind = riskKind(kindName).name;
  if (!(CALDERA_RISK_KINDS as readonly string[]).includes(kind))
    throw new BadUserInputError(
      "kind",
      `must be one Caldera publishes from its own records: ${CALDERA_RISK_KINDS.join(", ")}`,
    );
  const ecosystem = await readEcosystem(hub, CALDERA_ECOSYSTEM_ID);
  const signer = hub.walletClient.account.address;
  if (ecosystem.operator.toLowerCase() !== signer.toLowerCase())
    throw new NotAuthorizedError(
      `This hub's signer ${signer} is not the operator of Caldera's ecosystem (${ecosystem.operator}): it cannot publish Caldera's features`,
      { reason: "notOperator", operator: ecosystem.operator },
    );
  const now = await chainNow(hub);
  const gathered = await gatherCalderaRiskRecords({ hub, source, subject, kind, now });
  const commitment = commitRiskRecords({ subject, ...gathered });
  const flagged = commitment.records.filter((r) => r.value >= gathered.threshold).length;
  const claim = {
    subject,
    ecosystemId: CALDERA_ECOSYSTEM_ID,
    kind: riskKind(kind).number,
    bucket: bucketOf(flagged, commitment.records.length),
    windowStart: gathered.windowStart,
    windowEnd: gathered.windowEnd,
    threshold: gathered.threshold,
    recordCount: commitment.records.length,
    evidenceRoot: commitment.evidenceRoot,
  };
  // Before proving (seconds of CPU): the same records give the same root, so a republish is caught here.
  const published = await readPublishedFeatureId(hub, claim);
  if (published !== 0n)
    throw circulationError(
      "FEATURE_ALREADY_PUBLISHED",
      `Caldera's ${kind} feature about ${subject} over these records was published as risk feature ${published}`,
      { featureId: published },
    );
  const proved = await hub.prover.proveRiskFeature({
    subject,
    ecosystemId: CALDERA_ECOSYSTEM_ID,
    kind,
    chainId: hub.deployment.chainId,
    registry: riskRegistryOf(hub).address,
    ...gathered,
  });
  const input = { ...proved.claim, ecosystem: proved.claim.ecosystemId };
  const { typedData } = await preparePublishRiskFeature(input, hub);
  const signature = await hub.walletClient.signTypedData(typedData as never);
  const result = await publishRiskFeature(
    { ...input, proof: proved.proof, authorization: { signature, deadline: typedData.message.deadline } },
    hub,
  );
  return {
    ...result,
    recordCount: proved.claim.recordCount,
    flaggedCount: proved.flaggedCount,
    proveMs: proved.proveMs,
  };
}
