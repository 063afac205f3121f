import { ponder } from "ponder:registry";
import { transferEvent } from "ponder:schema";

ponder.on("EraToken:Transfer", async ({ event, context }) => {
  await context.db.insert(transferEvent).values({ id: event.id, amount: event.args.value });
});
