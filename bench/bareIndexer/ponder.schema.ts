import { onchainTable } from "ponder";

/** The bench's baseline: the cheapest handler ponder can run, one insert per event. */
export const transferEvent = onchainTable("transfer_event", (t) => ({
  id: t.text().primaryKey(),
  amount: t.bigint().notNull(),
}));
