import { ponder } from "ponder:registry";
import { certificationFloor, derivationRule } from "ponder:schema";

ponder.on("DerivationRules:RuleSet", async ({ event, context }) => {
  const { ruleId, domain, kind, attribute, thresholdBps, weightBps, active } = event.args;
  const row = {
    domain,
    kind,
    attribute,
    thresholdBps,
    weightBps,
    active,
    updatedAt: event.block.timestamp,
    updatedBlock: event.block.number,
  };
  await context.db
    .insert(derivationRule)
    .values({ id: ruleId, ...row })
    .onConflictDoUpdate(row);
});

ponder.on("DerivationRules:FloorsSet", async ({ event, context }) => {
  const { domain, minIntegrityBps, minTimelinessBps, minContinuityBps, maxGapSlots } = event.args;
  const row = {
    minIntegrityBps,
    minTimelinessBps,
    minContinuityBps,
    maxGapSlots,
    updatedAt: event.block.timestamp,
  };
  await context.db
    .insert(certificationFloor)
    .values({ domain, ...row })
    .onConflictDoUpdate(row);
});
