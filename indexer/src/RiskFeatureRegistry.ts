import { ponder } from "ponder:registry";
import { riskFeature, riskFeatureAttestation, riskRegistrySetting } from "ponder:schema";

type Context = Parameters<
  Parameters<typeof ponder.on<"RiskFeatureRegistry:AttestationQuorumSet">>[1]
>[0]["context"];

/** The registry's defaults (IRiskFeatureRegistry): what holds until a governance event changes it. */
const DEFAULT_QUORUM = 2;
const DEFAULT_MIN_ATTESTER_STAKE = 10_000n * 10n ** 18n;

async function updateSetting(
  context: Context,
  timestamp: bigint,
  change: { attestationQuorum?: number; minAttesterStake?: bigint },
) {
  const current = (await context.db.find(riskRegistrySetting, { id: 1 })) ?? {
    attestationQuorum: DEFAULT_QUORUM,
    minAttesterStake: DEFAULT_MIN_ATTESTER_STAKE,
  };
  const row = {
    attestationQuorum: change.attestationQuorum ?? current.attestationQuorum,
    minAttesterStake: change.minAttesterStake ?? current.minAttesterStake,
    updatedAt: timestamp,
  };
  await context.db
    .insert(riskRegistrySetting)
    .values({ id: 1, ...row })
    .onConflictDoUpdate(row);
}

ponder.on("RiskFeatureRegistry:RiskFeaturePublished", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(riskFeature)
    .values({
      id: a.featureId,
      subject: a.subject,
      ecosystemId: a.ecosystemId,
      kind: a.kind,
      bucket: a.bucket,
      severity: a.severity,
      windowStart: a.windowStart,
      windowEnd: a.windowEnd,
      threshold: BigInt(a.threshold),
      recordCount: a.recordCount,
      evidenceRoot: a.evidenceRoot,
      attestations: 0,
      verified: false,
      publishedAt: event.block.timestamp,
      snapshotBlock: event.block.number - 1n,
      verifiedAt: null,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
});

ponder.on("RiskFeatureRegistry:RiskFeatureAttested", async ({ event, context }) => {
  const { featureId, node, attestations } = event.args;
  await context.db
    .insert(riskFeatureAttestation)
    .values({
      featureId,
      node,
      attestations,
      eventId: event.id,
      attestedAt: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  // The event carries the count including this attestation: set, not add, so the row is right however it got here.
  if ((await context.db.find(riskFeature, { id: featureId })) === null) return;
  await context.db.update(riskFeature, { id: featureId }).set({ attestations });
});

ponder.on("RiskFeatureRegistry:RiskFeatureVerified", async ({ event, context }) => {
  const { featureId, attestations } = event.args;
  const row = await context.db.find(riskFeature, { id: featureId });
  if (row === null || row.verified) return;
  await context.db
    .update(riskFeature, { id: featureId })
    .set({ verified: true, verifiedAt: event.block.timestamp, attestations });
});

ponder.on("RiskFeatureRegistry:AttestationQuorumSet", async ({ event, context }) => {
  await updateSetting(context, event.block.timestamp, { attestationQuorum: event.args.quorum });
});

ponder.on("RiskFeatureRegistry:MinAttesterStakeSet", async ({ event, context }) => {
  await updateSetting(context, event.block.timestamp, { minAttesterStake: event.args.minStake });
});
