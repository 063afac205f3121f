import { ponder } from "ponder:registry";
import { caseEvent, disposal, disposalShare, freezeCase, margin, marginVault } from "ponder:schema";

type Context = Parameters<Parameters<typeof ponder.on<"MarginVault:MarginLocked">>[1]>[0]["context"];
type Event = Parameters<Parameters<typeof ponder.on<"MarginVault:MarginLocked">>[1]>[0]["event"];
type Address = `0x${string}`;

const ERA = 10n ** 18n;
/** IMarginVault's defaults, until MarginParametersSet (the constructor emits it with these) says otherwise. */
const DEFAULT_PARAMETERS = {
  minMargin: 20_000n * ERA,
  perEcosystemMargin: 20_000n * ERA,
  freezeDeposit: 1_000n * ERA,
  reviewWindow: 3n * 86_400n,
  unlockDelay: 4n * 86_400n,
  caseQuorumBps: 4_000,
};

/** IMarginVault.CaseStatus by ordinal. */
const CASE_STATUSES = ["NONE", "OPEN", "UPHELD", "REJECTED", "DISMISSED", "EXPIRED"] as const;
/** The verdict a resolution stands for (IMarginVault.Verdict ordinals); EXPIRED stands for none. */
const VERDICT_OF_STATUS: Record<string, number | null> = { UPHELD: 1, REJECTED: 2, DISMISSED: 3 };

const minOf = (a: bigint, b: bigint) => (a < b ? a : b);

type MarginState = {
  locked: bigint;
  queued: bigint;
  unlockAt: bigint;
  ecosystemsServed: number[];
  servedCount: number;
  frozenBy: bigint | null;
  seized: bigint;
};

/** A provider's margin row, created on first touch (its `created_id` is that event's: the list order). */
async function updateMargin(
  context: Context,
  event: Pick<Event, "id" | "block">,
  provider: Address,
  change: (current: MarginState) => Partial<MarginState>,
) {
  const current: MarginState = (await context.db.find(margin, { provider })) ?? {
    locked: 0n,
    queued: 0n,
    unlockAt: 0n,
    ecosystemsServed: [],
    servedCount: 0,
    frozenBy: null,
    seized: 0n,
  };
  const next = { ...current, ...change(current) };
  const row = {
    locked: next.locked,
    queued: next.queued,
    // Nothing queued, nothing to wait for.
    unlockAt: next.queued === 0n ? 0n : next.unlockAt,
    ecosystemsServed: next.ecosystemsServed,
    servedCount: next.ecosystemsServed.length,
    frozenBy: next.frozenBy,
    seized: next.seized,
    updatedAt: event.block.timestamp,
    blockNumber: event.block.number,
  };
  await context.db
    .insert(margin)
    .values({ provider, ...row, createdId: event.id })
    .onConflictDoUpdate(row);
}

async function updateVault(
  context: Context,
  timestamp: bigint,
  change: (
    current: typeof DEFAULT_PARAMETERS & { reserve: bigint },
  ) => Partial<typeof DEFAULT_PARAMETERS & { reserve: bigint }>,
) {
  const current = (await context.db.find(marginVault, { id: 1 })) ?? { ...DEFAULT_PARAMETERS, reserve: 0n };
  const next = { ...current, ...change(current) };
  const row = {
    minMargin: next.minMargin,
    perEcosystemMargin: next.perEcosystemMargin,
    freezeDeposit: next.freezeDeposit,
    reviewWindow: next.reviewWindow,
    unlockDelay: next.unlockDelay,
    caseQuorumBps: next.caseQuorumBps,
    reserve: next.reserve,
    updatedAt: timestamp,
  };
  await context.db
    .insert(marginVault)
    .values({ id: 1, ...row })
    .onConflictDoUpdate(row);
}

/** One entry of a case's timeline, keyed by the event (a replayed event writes nothing twice). */
async function recordCaseEvent(
  context: Context,
  event: Pick<Event, "id" | "block" | "transaction">,
  row: {
    caseId: bigint;
    kind: string;
    actor?: Address | null;
    verdict?: number | null;
    weight?: bigint | null;
    amount?: bigint | null;
    ecosystemId?: number | null;
  },
) {
  await context.db
    .insert(caseEvent)
    .values({
      id: event.id,
      caseId: row.caseId,
      kind: row.kind,
      actor: row.actor ?? null,
      verdict: row.verdict ?? null,
      weight: row.weight ?? null,
      amount: row.amount ?? null,
      ecosystemId: row.ecosystemId ?? null,
      timestamp: event.block.timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
}

ponder.on("MarginVault:MarginLocked", async ({ event, context }) => {
  const { provider, locked } = event.args;
  await updateMargin(context, event, provider, () => ({ locked }));
});

ponder.on("MarginVault:ServedEcosystemsSet", async ({ event, context }) => {
  const { provider, ecosystemIds } = event.args;
  await updateMargin(context, event, provider, () => ({ ecosystemsServed: [...ecosystemIds] }));
});

ponder.on("MarginVault:UnlockRequested", async ({ event, context }) => {
  const { provider, amount, queued, unlockAt } = event.args;
  // The amount moves from locked to the queue; the event carries the queue's new total and its release time.
  await updateMargin(context, event, provider, (m) => ({
    locked: m.locked > amount ? m.locked - amount : 0n,
    queued,
    unlockAt,
  }));
});

ponder.on("MarginVault:MarginWithdrawn", async ({ event, context }) => {
  const { provider, amount } = event.args;
  await updateMargin(context, event, provider, (m) => ({
    queued: m.queued > amount ? m.queued - amount : 0n,
  }));
});

ponder.on("MarginVault:FreezeFiled", async ({ event, context }) => {
  const a = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(freezeCase)
    .values({
      id: a.caseId,
      provider: a.provider,
      ecosystemId: a.ecosystemId,
      applicant: a.applicant,
      status: "OPEN",
      claimAmount: a.claimAmount,
      deposit: a.deposit,
      evidenceHash: a.evidenceHash,
      snapshotBlock: a.snapshotBlock,
      filedAt: timestamp,
      voteEnd: a.voteEnd,
      frozenAmount: 0n,
      votesUphold: 0n,
      votesReject: 0n,
      votesDismiss: 0n,
      seized: 0n,
      resolvedAt: null,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
      updatedAt: timestamp,
    })
    .onConflictDoNothing();
  await recordCaseEvent(context, event, {
    caseId: a.caseId,
    kind: "FILED",
    actor: a.applicant,
    amount: a.claimAmount,
    ecosystemId: a.ecosystemId,
  });
});

ponder.on("MarginVault:MarginFrozen", async ({ event, context }) => {
  const { provider, caseId, frozenAmount } = event.args;
  await updateMargin(context, event, provider, () => ({ frozenBy: caseId }));
  if ((await context.db.find(freezeCase, { id: caseId })) === null) return;
  await context.db.update(freezeCase, { id: caseId }).set({ frozenAmount });
});

ponder.on("MarginVault:CaseVoteCast", async ({ event, context }) => {
  const { caseId, node, verdict, weight } = event.args;
  const row = await context.db.find(freezeCase, { id: caseId });
  if (row !== null)
    await context.db.update(freezeCase, { id: caseId }).set({
      votesUphold: row.votesUphold + (verdict === 1 ? weight : 0n),
      votesReject: row.votesReject + (verdict === 2 ? weight : 0n),
      votesDismiss: row.votesDismiss + (verdict === 3 ? weight : 0n),
      updatedAt: event.block.timestamp,
    });
  await recordCaseEvent(context, event, { caseId, kind: "VOTED", actor: node, verdict, weight });
});

ponder.on("MarginVault:CaseResolved", async ({ event, context }) => {
  const { caseId, seized, votesUphold, votesReject, votesDismiss } = event.args;
  const status = CASE_STATUSES[event.args.status] ?? "NONE";
  const timestamp = event.block.timestamp;
  const row = await context.db.find(freezeCase, { id: caseId });
  if (row !== null) {
    await context.db.update(freezeCase, { id: caseId }).set({
      status,
      seized,
      votesUphold,
      votesReject,
      votesDismiss,
      resolvedAt: timestamp,
      updatedAt: timestamp,
    });
    // One open case per margin, and frozen ⇔ open case: resolving releases it (MarginUnfrozen says so too). A
    // seizure takes the locked margin first, then the queue (MarginVault's order).
    await updateMargin(context, event, row.provider, (m) => {
      const fromLocked = minOf(seized, m.locked);
      const fromQueued = minOf(seized - fromLocked, m.queued);
      return {
        locked: m.locked - fromLocked,
        queued: m.queued - fromQueued,
        seized: m.seized + seized,
        frozenBy: m.frozenBy === caseId ? null : m.frozenBy,
      };
    });
  }
  await recordCaseEvent(context, event, {
    caseId,
    kind: "RESOLVED",
    actor: event.transaction.from,
    verdict: VERDICT_OF_STATUS[status] ?? null,
    amount: seized,
  });
});

ponder.on("MarginVault:MarginUnfrozen", async ({ event, context }) => {
  const { provider, caseId } = event.args;
  await updateMargin(context, event, provider, (m) => ({
    frozenBy: m.frozenBy === caseId ? null : m.frozenBy,
  }));
  await recordCaseEvent(context, event, { caseId, kind: "UNFROZEN", actor: provider });
});

ponder.on("MarginVault:DepositReleased", async ({ event, context }) => {
  const { caseId, to, amount } = event.args;
  await recordCaseEvent(context, event, { caseId, kind: "DEPOSIT_RELEASED", actor: to, amount });
});

ponder.on("MarginVault:DisposalSettled", async ({ event, context }) => {
  const { caseId, assessmentHash, inputsHash, seized, assigned, dust } = event.args;
  const timestamp = event.block.timestamp;
  await context.db
    .insert(disposal)
    .values({
      caseId,
      assessmentHash,
      inputsHash,
      seized,
      assigned,
      dust,
      paidOut: 0n,
      settledAt: timestamp,
      blockNumber: event.block.number,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  // Unassigned shares and rounding dust go to the vault's reserve.
  await updateVault(context, timestamp, (vault) => ({ reserve: vault.reserve + dust }));
  await recordCaseEvent(context, event, {
    caseId,
    kind: "DISPOSAL_SETTLED",
    actor: event.transaction.from,
    amount: seized,
  });
});

ponder.on("MarginVault:DisposalShareAssigned", async ({ event, context }) => {
  const { caseId, ecosystemId, shareBps, amount } = event.args;
  await context.db
    .insert(disposalShare)
    .values({ caseId, ecosystemId, shareBps, amount, claimed: false, claimedAt: null, claimedBy: null })
    .onConflictDoNothing();
});

ponder.on("MarginVault:PayoutClaimed", async ({ event, context }) => {
  const { caseId, ecosystemId, to, amount } = event.args;
  const timestamp = event.block.timestamp;
  if ((await context.db.find(disposalShare, { caseId, ecosystemId })) !== null)
    await context.db
      .update(disposalShare, { caseId, ecosystemId })
      .set({ claimed: true, claimedAt: timestamp, claimedBy: to });
  if ((await context.db.find(disposal, { caseId })) !== null)
    await context.db.update(disposal, { caseId }).set((row) => ({ paidOut: row.paidOut + amount }));
  await recordCaseEvent(context, event, { caseId, kind: "PAYOUT_CLAIMED", actor: to, amount, ecosystemId });
});

ponder.on("MarginVault:MarginParametersSet", async ({ event, context }) => {
  const a = event.args;
  await updateVault(context, event.block.timestamp, () => ({
    minMargin: a.minMargin,
    perEcosystemMargin: a.perEcosystemMargin,
    freezeDeposit: a.freezeDeposit,
    reviewWindow: a.reviewWindow,
    unlockDelay: a.unlockDelay,
    caseQuorumBps: a.caseQuorumBps,
  }));
});

ponder.on("MarginVault:ReserveWithdrawn", async ({ event, context }) => {
  const { amount } = event.args;
  await updateVault(context, event.block.timestamp, (vault) => ({
    reserve: vault.reserve > amount ? vault.reserve - amount : 0n,
  }));
});
