import { ponder } from "ponder:registry";
import { governorSetting, governorSettingChange, proposal, timelockOperation } from "ponder:schema";

/**
 * The timelock's side of proposals. Through the governor, `execute` emits both CallExecuted here and
 * ProposalExecuted there (same block); run directly on the timelock (its executor role is open), only CallExecuted:
 * either way the proposal is executed, as OpenZeppelin's GovernorTimelockControl.state reports it.
 */
ponder.on("TimelockController:CallExecuted", async ({ event, context }) => {
  const operation = await context.db.find(timelockOperation, { id: event.args.id });
  if (operation === null) return;
  const row = await context.db.find(proposal, { id: operation.proposalId });
  if (row === null || row.executedAt !== null) return;
  await context.db.update(proposal, { id: operation.proposalId }).set({ executedAt: event.block.timestamp });
});

ponder.on("TimelockController:Cancelled", async ({ event, context }) => {
  const operation = await context.db.find(timelockOperation, { id: event.args.id });
  if (operation === null) return;
  const row = await context.db.find(proposal, { id: operation.proposalId });
  if (row === null || row.canceledAt !== null) return;
  await context.db.update(proposal, { id: operation.proposalId }).set({ canceledAt: event.block.timestamp });
});

// The minimum delay (emitted by the constructor too), beside the governor's settings.
ponder.on("TimelockController:MinDelayChange", async ({ event, context }) => {
  const value = event.args.newDuration;
  await context.db
    .insert(governorSetting)
    .values({ name: "timelock_delay", value, updatedAt: event.block.timestamp })
    .onConflictDoUpdate({ value, updatedAt: event.block.timestamp });
  await context.db
    .insert(governorSettingChange)
    .values({ name: "timelock_delay", blockNumber: event.block.number, value })
    .onConflictDoUpdate({ value });
});
