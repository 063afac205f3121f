import { ponder } from "ponder:registry";
import { tokenAccount, tokenAllowance, tokenTransfer } from "ponder:schema";
import { zeroAddress } from "viem";

const emptyAccount = { balance: 0n, delegate: null, votes: 0n };

ponder.on("EraToken:Transfer", async ({ event, context }) => {
  const { from, to, value } = event.args;
  await context.db.insert(tokenTransfer).values({
    id: event.id,
    from,
    to,
    amount: value,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  // Mints come from and burns go to the zero address, which holds no balance of its own.
  if (from !== zeroAddress)
    await context.db
      .insert(tokenAccount)
      .values({ address: from, ...emptyAccount, balance: -value })
      .onConflictDoUpdate((row) => ({ balance: row.balance - value }));
  if (to !== zeroAddress)
    await context.db
      .insert(tokenAccount)
      .values({ address: to, ...emptyAccount, balance: value })
      .onConflictDoUpdate((row) => ({ balance: row.balance + value }));
});

ponder.on("EraToken:Approval", async ({ event, context }) => {
  const { owner, spender, value } = event.args;
  await context.db
    .insert(tokenAllowance)
    .values({ owner, spender, amount: value })
    .onConflictDoUpdate({ amount: value });
});

ponder.on("EraToken:DelegateChanged", async ({ event, context }) => {
  const { delegator, toDelegate } = event.args;
  await context.db
    .insert(tokenAccount)
    .values({ address: delegator, ...emptyAccount, delegate: toDelegate })
    .onConflictDoUpdate({ delegate: toDelegate });
});

ponder.on("EraToken:DelegateVotesChanged", async ({ event, context }) => {
  const { delegate, newVotes } = event.args;
  await context.db
    .insert(tokenAccount)
    .values({ address: delegate, ...emptyAccount, votes: newVotes })
    .onConflictDoUpdate({ votes: newVotes });
});
