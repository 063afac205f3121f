import { ponder } from "ponder:registry";
import { certificate, provider, utilisationCount } from "ponder:schema";

ponder.on("CoreCertificateRegistry:ProviderRegistered", async ({ event, context }) => {
  await context.db
    .insert(provider)
    .values({
      address: event.args.provider,
      name: event.args.name,
      registeredAt: event.block.timestamp,
      registeredBlock: event.block.number,
      certificateCount: 0,
    })
    .onConflictDoNothing();
});

ponder.on("CoreCertificateRegistry:CoreCertified", async ({ event, context }) => {
  const { args } = event;
  await context.db.insert(certificate).values({
    id: args.certificateId,
    provider: args.provider,
    domain: args.domain,
    datasetCommitment: args.datasetCommitment,
    schemaHash: args.schemaHash,
    minIntegrityBps: args.minIntegrityBps,
    minTimelinessBps: args.minTimelinessBps,
    minContinuityBps: args.minContinuityBps,
    maxGapSlots: args.maxGapSlots,
    windowStart: args.windowStart,
    slotSeconds: args.slotSeconds,
    deadlineSeconds: BigInt(args.deadlineSeconds),
    proofHash: args.proofHash,
    certifiedAt: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
  // The registry only certifies registered providers, so the provider row exists.
  await context.db
    .update(provider, { address: args.provider })
    .set((row) => ({ certificateCount: row.certificateCount + 1 }));
  // The utilisation rate's denominator, kept as it happens (DerivativeMarket.ts keeps the numerator).
  await context.db
    .insert(utilisationCount)
    .values({ id: 1, certifiedCores: 1, coresInUse: 0, updatedAt: event.block.timestamp })
    .onConflictDoUpdate((row) => ({
      certifiedCores: row.certifiedCores + 1,
      updatedAt: event.block.timestamp,
    }));
});
