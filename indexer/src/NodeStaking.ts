import { ponder } from "ponder:registry";
import { nodeStake, stakeEvent } from "ponder:schema";

type Context = Parameters<Parameters<typeof ponder.on<"NodeStaking:Staked">>[1]>[0]["context"];

/**
 * Σ active stake at the end of the event's block (ponder reads at that block): what `getPastTotalSupply(block)`
 * returns, i.e. the quorum base of a proposal whose snapshot is this block.
 */
function totalStakedAtBlock(context: Context): Promise<bigint> {
  return context.client.readContract({
    abi: context.contracts.NodeStaking.abi,
    address: context.contracts.NodeStaking.address,
    functionName: "totalStaked",
  });
}

ponder.on("NodeStaking:Staked", async ({ event, context }) => {
  const { account, amount, newStake } = event.args;
  await context.db
    .insert(nodeStake)
    .values({
      account,
      staked: newStake,
      pendingUnstake: 0n,
      unlockAt: null,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate({ staked: newStake, updatedAt: event.block.timestamp });
  await context.db.insert(stakeEvent).values({
    id: event.id,
    account,
    action: "stake",
    amount,
    totalStaked: await totalStakedAtBlock(context),
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
});

ponder.on("NodeStaking:UnstakeRequested", async ({ event, context }) => {
  const { account, amount, pendingAmount, unlockAt } = event.args;
  await context.db
    .insert(nodeStake)
    .values({
      account,
      staked: 0n,
      pendingUnstake: pendingAmount,
      unlockAt: BigInt(unlockAt),
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      staked: row.staked - amount,
      pendingUnstake: pendingAmount,
      unlockAt: BigInt(unlockAt),
      updatedAt: event.block.timestamp,
    }));
  await context.db.insert(stakeEvent).values({
    id: event.id,
    account,
    action: "unstake_request",
    amount,
    totalStaked: await totalStakedAtBlock(context),
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
});

ponder.on("NodeStaking:Withdrawn", async ({ event, context }) => {
  const { account, amount } = event.args;
  await context.db
    .insert(nodeStake)
    .values({ account, staked: 0n, pendingUnstake: 0n, unlockAt: null, updatedAt: event.block.timestamp })
    .onConflictDoUpdate({ pendingUnstake: 0n, unlockAt: null, updatedAt: event.block.timestamp });
  await context.db.insert(stakeEvent).values({
    id: event.id,
    account,
    action: "withdraw",
    amount,
    totalStaked: await totalStakedAtBlock(context),
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
});
