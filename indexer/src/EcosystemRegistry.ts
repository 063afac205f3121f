import { ponder } from "ponder:registry";
import { ecosystem } from "ponder:schema";

ponder.on("EcosystemRegistry:EcosystemAdmitted", async ({ event, context }) => {
  const { ecosystemId, operator, name, subgraphUrl } = event.args;
  const timestamp = event.block.timestamp;
  const row = { name, operator, subgraphUrl, active: true, updatedAt: timestamp };
  await context.db
    .insert(ecosystem)
    .values({ id: ecosystemId, ...row, admittedAt: timestamp, admittedBlock: event.block.number })
    .onConflictDoUpdate(row);
});

ponder.on("EcosystemRegistry:SubgraphUrlUpdated", async ({ event, context }) => {
  const { ecosystemId, subgraphUrl } = event.args;
  // The registry only emits this for an admitted ecosystem, whose row the admission made.
  if ((await context.db.find(ecosystem, { id: ecosystemId })) === null) return;
  await context.db
    .update(ecosystem, { id: ecosystemId })
    .set({ subgraphUrl, updatedAt: event.block.timestamp });
});

ponder.on("EcosystemRegistry:EcosystemStatusChanged", async ({ event, context }) => {
  const { ecosystemId, active } = event.args;
  if ((await context.db.find(ecosystem, { id: ecosystemId })) === null) return;
  await context.db.update(ecosystem, { id: ecosystemId }).set({ active, updatedAt: event.block.timestamp });
});
