import { beforeAll, describe, expect, it, vi } from "vitest";
import { createMemoryStore, type Row } from "../test/support/createMemoryStore.js";
import * as schema from "./ponder.schema";

/**
 * The cross-domain risk handlers (src/EcosystemRegistry.ts, src/RiskFeatureRegistry.ts, src/MarginVault.ts) fed the
 * events the contracts emit, in the order they emit them (resolveCase emits CaseResolved, DepositReleased,
 * MarginUnfrozen; settleDisposal emits DisposalSettled, then a DisposalShareAssigned per ecosystem), against the same
 * in-memory stand-in for ponder's store as indexer/circulationHandlers.test.ts. It pins the accounting: margin locked
 * and queued through unlock, freeze and seizure (locked first, then the queue, as MarginVault._seize), the case's
 * votes and its complete timeline, the disposal's shares and claims, the reserve, features' attestations.
 */

type Handler = (input: { event: unknown; context: unknown }) => Promise<void>;

const handlers = new Map<string, Handler>();
vi.mock("ponder:registry", () => ({
  ponder: { on: (name: string, handler: Handler) => handlers.set(name, handler) },
}));
vi.mock("ponder:schema", () => import("./ponder.schema"));

const ERA = 10n ** 18n;
const CALDERA = "0x00000000000000000000000000000000000000c1";
const PARTNER = "0x00000000000000000000000000000000000000c2";
const PROVIDER = "0x00000000000000000000000000000000000000aa";
const RELAYER = "0x00000000000000000000000000000000000000ff";
const node = (i: number) => `0x${(0xa00 + i).toString(16).padStart(40, "0")}` as const;
const hash = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as const;

let sequence = 0;
let store: ReturnType<typeof createMemoryStore>;

/** Runs the handler of `name` on an event at `timestamp` (a new block per call, ids in chain order). */
async function emit(name: string, args: Row, timestamp = 1_700_000_000n) {
  sequence++;
  const handler = handlers.get(name);
  if (!handler) throw new Error(`no handler for ${name}`);
  await handler({
    event: {
      id: String(sequence).padStart(75, "0"),
      args,
      block: { timestamp, number: BigInt(100 + sequence) },
      transaction: { hash: hash(sequence), from: RELAYER },
    },
    context: { db: store.db },
  });
}

beforeAll(async () => {
  await import("./src/EcosystemRegistry");
  await import("./src/RiskFeatureRegistry");
  await import("./src/MarginVault");
});

describe("EcosystemRegistry and RiskFeatureRegistry handlers", () => {
  it("ecosystems as admitted and changed; a feature's attestations up to verification", async () => {
    store = createMemoryStore();
    await emit("EcosystemRegistry:EcosystemAdmitted", {
      ecosystemId: 1,
      operator: CALDERA,
      name: "Caldera",
      subgraphUrl: "",
    });
    await emit("EcosystemRegistry:EcosystemAdmitted", {
      ecosystemId: 2,
      operator: PARTNER,
      name: "Partner",
      subgraphUrl: "http://a.example/graphql",
    });
    await emit(
      "EcosystemRegistry:SubgraphUrlUpdated",
      { ecosystemId: 2, subgraphUrl: "http://b.example/graphql" },
      1_700_000_100n,
    );
    await emit("EcosystemRegistry:EcosystemStatusChanged", { ecosystemId: 2, active: false });
    // An id the registry never admitted (cannot happen on chain) changes nothing.
    await emit("EcosystemRegistry:EcosystemStatusChanged", { ecosystemId: 9, active: false });
    expect(store.all(schema.ecosystem)).toEqual([
      expect.objectContaining({ id: 1, name: "Caldera", operator: CALDERA, subgraphUrl: "", active: true }),
      expect.objectContaining({
        id: 2,
        subgraphUrl: "http://b.example/graphql",
        active: false,
        admittedAt: 1_700_000_000n,
      }),
    ]);

    await emit("RiskFeatureRegistry:AttestationQuorumSet", { quorum: 2 });
    await emit("RiskFeatureRegistry:MinAttesterStakeSet", { minStake: 10_000n * ERA });
    await emit("RiskFeatureRegistry:AttestationQuorumSet", { quorum: 3 });
    expect(store.one(schema.riskRegistrySetting, { id: 1 })).toMatchObject({
      attestationQuorum: 3,
      minAttesterStake: 10_000n * ERA,
    });
    await emit(
      "RiskFeatureRegistry:RiskFeaturePublished",
      {
        featureId: 1n,
        subject: PROVIDER,
        ecosystemId: 2,
        kind: 1,
        bucket: 3,
        severity: 3,
        windowStart: 1_690_000_000n,
        windowEnd: 1_699_000_000n,
        threshold: 1,
        recordCount: 32,
        evidenceRoot: hash(77),
      },
      1_700_000_500n,
    );
    for (let i = 1; i <= 3; i++)
      await emit("RiskFeatureRegistry:RiskFeatureAttested", {
        featureId: 1n,
        node: node(i),
        attestations: i,
      });
    await emit(
      "RiskFeatureRegistry:RiskFeatureVerified",
      { featureId: 1n, subject: PROVIDER, attestations: 3 },
      1_700_000_900n,
    );
    expect(store.one(schema.riskFeature, { id: 1n })).toMatchObject({
      subject: PROVIDER,
      ecosystemId: 2,
      kind: 1,
      severity: 3,
      threshold: 1n,
      attestations: 3,
      verified: true,
      verifiedAt: 1_700_000_900n,
      publishedAt: 1_700_000_500n,
    });
    expect(store.all(schema.riskFeatureAttestation).map((a) => [a.node, a.attestations])).toEqual([
      [node(1), 1],
      [node(2), 2],
      [node(3), 3],
    ]);
  });
});

describe("MarginVault handlers", () => {
  it("lock, serve, queue, freeze, vote, uphold (seizing locked first, then the queue), settle, claim", async () => {
    store = createMemoryStore();
    // The constructor's parameters.
    await emit("MarginVault:MarginParametersSet", {
      minMargin: 20_000n * ERA,
      perEcosystemMargin: 20_000n * ERA,
      freezeDeposit: 1_000n * ERA,
      reviewWindow: 259_200n,
      unlockDelay: 345_600n,
      caseQuorumBps: 4000,
    });
    await emit("MarginVault:MarginLocked", {
      provider: PROVIDER,
      amount: 30_000n * ERA,
      locked: 30_000n * ERA,
    });
    await emit("MarginVault:ServedEcosystemsSet", {
      provider: PROVIDER,
      ecosystemIds: [1, 2],
      required: 40_000n * ERA,
    });
    await emit("MarginVault:UnlockRequested", {
      provider: PROVIDER,
      amount: 5_000n * ERA,
      queued: 5_000n * ERA,
      unlockAt: 1_700_345_600n,
    });
    const created = store.one(schema.margin, { provider: PROVIDER })?.createdId;
    expect(store.one(schema.margin, { provider: PROVIDER })).toMatchObject({
      locked: 25_000n * ERA,
      queued: 5_000n * ERA,
      unlockAt: 1_700_345_600n,
      ecosystemsServed: [1, 2],
      servedCount: 2,
      frozenBy: null,
    });

    await emit("MarginVault:FreezeFiled", {
      caseId: 1n,
      provider: PROVIDER,
      ecosystemId: 2,
      applicant: PARTNER,
      claimAmount: 28_000n * ERA,
      deposit: 1_000n * ERA,
      evidenceHash: hash(5),
      snapshotBlock: 110n,
      voteEnd: 1_700_259_200n,
    });
    await emit("MarginVault:MarginFrozen", { provider: PROVIDER, caseId: 1n, frozenAmount: 30_000n * ERA });
    expect(store.one(schema.margin, { provider: PROVIDER })?.frozenBy).toBe(1n);
    await emit("MarginVault:CaseVoteCast", { caseId: 1n, node: node(1), verdict: 1, weight: 60n });
    await emit("MarginVault:CaseVoteCast", { caseId: 1n, node: node(2), verdict: 2, weight: 25n });
    await emit("MarginVault:CaseVoteCast", { caseId: 1n, node: node(3), verdict: 1, weight: 10n });
    expect(store.one(schema.freezeCase, { id: 1n })).toMatchObject({
      status: "OPEN",
      votesUphold: 70n,
      votesReject: 25n,
      votesDismiss: 0n,
      frozenAmount: 30_000n * ERA,
    });
    await emit(
      "MarginVault:CaseResolved",
      { caseId: 1n, status: 2, seized: 28_000n * ERA, votesUphold: 70n, votesReject: 25n, votesDismiss: 0n },
      1_700_100_000n,
    );
    await emit("MarginVault:DepositReleased", {
      caseId: 1n,
      to: PARTNER,
      amount: 1_000n * ERA,
      toProvider: false,
    });
    await emit("MarginVault:MarginUnfrozen", { provider: PROVIDER, caseId: 1n });
    // 25,000 locked go first, then 3,000 of the 5,000 queued.
    expect(store.one(schema.margin, { provider: PROVIDER })).toMatchObject({
      locked: 0n,
      queued: 2_000n * ERA,
      unlockAt: 1_700_345_600n,
      seized: 28_000n * ERA,
      frozenBy: null,
      createdId: created,
    });
    expect(store.one(schema.freezeCase, { id: 1n })).toMatchObject({
      status: "UPHELD",
      seized: 28_000n * ERA,
      resolvedAt: 1_700_100_000n,
    });

    const seized = 28_000n * ERA;
    const toCaldera = (seized * 4000n) / 10_000n;
    const toPartner = (seized * 2500n) / 10_000n;
    await emit("MarginVault:DisposalSettled", {
      caseId: 1n,
      assessmentHash: hash(8),
      inputsHash: hash(9),
      seized,
      assigned: toCaldera + toPartner,
      dust: seized - toCaldera - toPartner,
    });
    await emit("MarginVault:DisposalShareAssigned", {
      caseId: 1n,
      ecosystemId: 1,
      shareBps: 4000,
      amount: toCaldera,
    });
    await emit("MarginVault:DisposalShareAssigned", {
      caseId: 1n,
      ecosystemId: 2,
      shareBps: 2500,
      amount: toPartner,
    });
    await emit("MarginVault:PayoutClaimed", { caseId: 1n, ecosystemId: 2, to: PARTNER, amount: toPartner });
    expect(store.one(schema.disposal, { caseId: 1n })).toMatchObject({
      seized,
      assigned: toCaldera + toPartner,
      dust: seized - toCaldera - toPartner,
      paidOut: toPartner,
    });
    expect(
      store.all(schema.disposalShare).map((s) => [s.ecosystemId, s.amount, s.claimed, s.claimedBy]),
    ).toEqual([
      [1, toCaldera, false, null],
      [2, toPartner, true, PARTNER],
    ]);
    // Σ payouts + dust = seized, the dust in the reserve until governance withdraws it.
    expect(store.one(schema.marginVault, { id: 1 })?.reserve).toBe(seized - toCaldera - toPartner);
    await emit("MarginVault:ReserveWithdrawn", { to: RELAYER, amount: seized - toCaldera - toPartner });
    expect(store.one(schema.marginVault, { id: 1 })).toMatchObject({ reserve: 0n, minMargin: 20_000n * ERA });

    const timeline = store.all(schema.caseEvent).filter((e) => e.caseId === 1n);
    expect(timeline.map((e) => e.kind)).toEqual([
      "FILED",
      "VOTED",
      "VOTED",
      "VOTED",
      "RESOLVED",
      "DEPOSIT_RELEASED",
      "UNFROZEN",
      "DISPOSAL_SETTLED",
      "PAYOUT_CLAIMED",
    ]);
    expect(timeline.map((e) => [e.actor, e.verdict, e.amount])).toEqual([
      [PARTNER, null, 28_000n * ERA],
      [node(1), 1, null],
      [node(2), 2, null],
      [node(3), 1, null],
      [RELAYER, 1, seized],
      [PARTNER, null, 1_000n * ERA],
      [PROVIDER, null, null],
      [RELAYER, null, seized],
      [PARTNER, null, toPartner],
    ]);
    expect(timeline.at(-1)?.ecosystemId).toBe(2);
  });

  it("a dismissed case releases the margin untouched; a withdrawal empties the queue; parameters change", async () => {
    store = createMemoryStore();
    await emit("MarginVault:MarginLocked", {
      provider: PROVIDER,
      amount: 20_000n * ERA,
      locked: 20_000n * ERA,
    });
    await emit("MarginVault:UnlockRequested", {
      provider: PROVIDER,
      amount: 20_000n * ERA,
      queued: 20_000n * ERA,
      unlockAt: 1_700_345_600n,
    });
    await emit("MarginVault:FreezeFiled", {
      caseId: 4n,
      provider: PROVIDER,
      ecosystemId: 2,
      applicant: PARTNER,
      claimAmount: 500n * ERA,
      deposit: 1_000n * ERA,
      evidenceHash: hash(5),
      snapshotBlock: 110n,
      voteEnd: 1_700_259_200n,
    });
    await emit("MarginVault:MarginFrozen", { provider: PROVIDER, caseId: 4n, frozenAmount: 20_000n * ERA });
    await emit("MarginVault:CaseResolved", {
      caseId: 4n,
      status: 5,
      seized: 0n,
      votesUphold: 0n,
      votesReject: 0n,
      votesDismiss: 0n,
    });
    await emit("MarginVault:DepositReleased", {
      caseId: 4n,
      to: PARTNER,
      amount: 1_000n * ERA,
      toProvider: false,
    });
    await emit("MarginVault:MarginUnfrozen", { provider: PROVIDER, caseId: 4n });
    expect(store.one(schema.freezeCase, { id: 4n })?.status).toBe("EXPIRED");
    expect(store.all(schema.caseEvent).find((e) => e.kind === "RESOLVED")?.verdict).toBeNull();
    expect(store.one(schema.margin, { provider: PROVIDER })).toMatchObject({
      locked: 0n,
      queued: 20_000n * ERA,
      frozenBy: null,
      seized: 0n,
    });
    await emit("MarginVault:MarginWithdrawn", { provider: PROVIDER, amount: 20_000n * ERA }, 1_700_400_000n);
    expect(store.one(schema.margin, { provider: PROVIDER })).toMatchObject({ queued: 0n, unlockAt: 0n });
    // Before any MarginParametersSet (a vault indexed from a later block) the defaults stand, then the new ones.
    await emit("MarginVault:DisposalSettled", {
      caseId: 9n,
      assessmentHash: hash(8),
      inputsHash: hash(9),
      seized: 10n,
      assigned: 7n,
      dust: 3n,
    });
    expect(store.one(schema.marginVault, { id: 1 })).toMatchObject({ minMargin: 20_000n * ERA, reserve: 3n });
    await emit("MarginVault:MarginParametersSet", {
      minMargin: 1n,
      perEcosystemMargin: 2n,
      freezeDeposit: 3n,
      reviewWindow: 3_600n,
      unlockDelay: 7_200n,
      caseQuorumBps: 1,
    });
    expect(store.one(schema.marginVault, { id: 1 })).toMatchObject({
      minMargin: 1n,
      perEcosystemMargin: 2n,
      unlockDelay: 7_200n,
      caseQuorumBps: 1,
      reserve: 3n,
    });
  });
});
