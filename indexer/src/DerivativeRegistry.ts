import { ponder } from "ponder:registry";
import { derivative, derivativeCore } from "ponder:schema";

ponder.on("DerivativeRegistry:DerivativeMinted", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(derivative).values({
    id: a.derivativeId,
    owner: a.provider,
    ruleId: a.ruleId,
    kind: a.kind,
    weightBps: a.weightBps,
    modelId: a.modelId,
    modelVersionHash: a.modelVersionHash,
    outputHash: a.outputHash,
    featureCommitment: a.featureCommitment,
    coreIds: a.coreIds.map(String),
    mintedAt: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
  for (const [position, certificateId] of a.coreIds.entries())
    await context.db.insert(derivativeCore).values({ derivativeId: a.derivativeId, certificateId, position });
});
