import {
  type Address,
  type Hex,
  keccak256,
  parseEther,
  stringToHex,
  type TypedDataDefinition,
  verifyTypedData,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { beforeEach, describe, expect, it } from "vitest";
import { BaseError } from "../../errors/BaseError.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { attestRiskFeature, prepareAttestRiskFeature } from "./attestRiskFeature.js";
import { castCaseVote, prepareCastCaseVote } from "./castCaseVote.js";
import { claimDisposalPayout, prepareClaimDisposalPayout } from "./claimDisposalPayout.js";
import { fileFreeze, prepareFileFreeze } from "./fileFreeze.js";
import type { CalderaRiskSource } from "./gatherCalderaRiskRecords.js";
import { lockMargin, prepareLockMargin } from "./lockMargin.js";
import { publishCalderaRiskFeature } from "./publishCalderaRiskFeature.js";
import { publishCalderaRiskFeatures } from "./publishCalderaRiskFeatures.js";
import { preparePublishRiskFeature, publishRiskFeature } from "./publishRiskFeature.js";
import { prepareRequestMarginUnlock, requestMarginUnlock } from "./requestMarginUnlock.js";
import { resolveCase } from "./resolveCase.js";
import { prepareSetServedEcosystems } from "./setServedEcosystems.js";
import { prepareSettleDisposal, settleDisposal } from "./settleDisposal.js";
import { prepareWithdrawMargin } from "./withdrawMargin.js";

/**
 * The risk use cases around the chain: every refusal they owe the client — bad input, what the registry or the
 * vault would revert with, a signature that is not the signer's — comes back as its typed code with nothing sent,
 * and a correctly signed action reaches the sender with the call the contract takes. The chain's state is a table
 * the test sets (resolvers/riskMutations.stack.test.ts runs the real contracts, indexer and subgraph); signatures are
 * real, from dev keys, checked by viem.
 */

const hubSigner = privateKeyToAccount(ANVIL_DEV_KEYS[0]);
const operator = privateKeyToAccount(ANVIL_DEV_KEYS[5]);
const provider = privateKeyToAccount(ANVIL_DEV_KEYS[6]);
const nodes = [1, 2, 3].map((i) => privateKeyToAccount(ANVIL_DEV_KEYS[i] as Hex));
const stranger = privateKeyToAccount(ANVIL_DEV_KEYS[4]);
const NOW = BigInt(Math.floor(Date.now() / 1000));
const SNAPSHOT = 100n;

const contracts = {
  EraToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  NodeStaking: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  EcosystemRegistry: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  RiskFeatureRegistry: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  MarginVault: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
} as const;

type Case = {
  provider: Address;
  ecosystemId: number;
  status: number;
  voteEnd: bigint;
  snapshotBlock: bigint;
  votesUphold: bigint;
  votesReject: bigint;
  votesDismiss: bigint;
};

function freshState() {
  return {
    ecosystems: [
      { id: 1, active: true, operator: hubSigner.address, name: "Caldera", subgraphUrl: "" },
      { id: 2, active: true, operator: operator.address, name: "Partner L2", subgraphUrl: "" },
      { id: 3, active: false, operator: stranger.address, name: "Suspended", subgraphUrl: "" },
    ],
    margin: { locked: parseEther("30000"), queued: 0n, unlockAt: 0n, ecosystemsServed: 1, frozenBy: 0n },
    balance: parseEther("5000"),
    allowance: 0n,
    stake: new Map<string, bigint>(nodes.map((n) => [n.address, parseEther("100000")])),
    totalStake: parseEther("300000"),
    voted: new Set<string>(),
    attested: new Set<string>(),
    published: 0n,
    cases: {
      1: {
        provider: provider.address,
        ecosystemId: 2,
        status: 1,
        voteEnd: NOW + 86_400n,
        snapshotBlock: SNAPSHOT,
        votesUphold: 0n,
        votesReject: 0n,
        votesDismiss: 0n,
      },
      2: {
        provider: provider.address,
        ecosystemId: 2,
        status: 2,
        voteEnd: NOW - 60n,
        snapshotBlock: SNAPSHOT,
        votesUphold: parseEther("200000"),
        votesReject: 0n,
        votesDismiss: 0n,
      },
    } as Record<string, Case>,
    disposal: { settled: false, seized: parseEther("10000") },
    payout: [parseEther("4000"), false] as [bigint, boolean],
  };
}

let state: ReturnType<typeof freshState>;
let sent: { functionName: string; args: readonly unknown[]; address: Address }[];
let stored: unknown[];

/** What the use cases send stops here: the test sees the call the hub would have simulated and sent. */
class Sent extends Error {}

const reads: Record<string, (...args: never[]) => unknown> = {
  nonces: () => 0n,
  balanceOf: () => state.balance,
  allowance: () => state.allowance,
  ecosystemCount: () => state.ecosystems.length,
  ecosystem: (id: number) => state.ecosystems[id - 1],
  margin: () => state.margin,
  freezeDeposit: () => parseEther("1000"),
  caseCount: () => BigInt(Object.keys(state.cases).length),
  freezeCase: (id: bigint) => state.cases[id.toString()],
  hasVoted: (_: bigint, node: Address) => state.voted.has(node),
  getPastVotes: (node: Address) => state.stake.get(node) ?? 0n,
  getPastTotalSupply: () => state.totalStake,
  disposal: () => state.disposal,
  payoutOf: () => state.payout,
  featureCount: () => 1n,
  feature: () => ({ snapshotBlock: SNAPSHOT, evidenceRoot: keccak256(stringToHex("root")) }),
  hasAttested: (_: bigint, node: Address) => state.attested.has(node),
  minAttesterStake: () => parseEther("10000"),
  attestationQuorum: () => 2,
  featureByKey: () => state.published,
};

const hub = {
  deployment: {
    chainId: 31337,
    contracts: Object.fromEntries(Object.entries(contracts).map(([name, address]) => [name, { address }])),
  },
  publicClient: {
    readContract: async ({ functionName, args = [] }: { functionName: string; args?: unknown[] }) => {
      const read = reads[functionName];
      if (read === undefined) throw new Error(`the test has no ${functionName}`);
      return read(...(args as never[]));
    },
    getBlock: async () => ({ timestamp: NOW }),
    verifyTypedData: (parameters: Parameters<typeof verifyTypedData>[0]) => verifyTypedData(parameters),
  },
  walletClient: {
    account: hubSigner,
    signMessage: ({ message }: { message: string }) => hubSigner.signMessage({ message }),
    signTypedData: (typedData: TypedDataDefinition) => hubSigner.signTypedData(typedData),
  },
  indexer: {
    status: async () => ({
      reachable: true,
      catchingUp: false,
      live: true,
      indexedBlock: 1n,
      headBlock: 1n,
      lagBlocks: 0,
      maxLagBlocks: 2,
    }),
    waitForBlock: async () => {
      throw new Error("nothing should reach the indexer");
    },
  },
  sender: {
    send: async ({
      call,
    }: {
      call: { functionName: string; args: readonly unknown[]; address: Address };
    }) => {
      sent.push({ functionName: call.functionName, args: call.args, address: call.address });
      throw new Sent(call.functionName);
    },
    resync: () => {},
  },
  datasets: { get: async () => undefined },
  assessments: {
    put: async (document: unknown) => {
      stored.push(document);
      return "0x";
    },
  },
  prover: {
    proveRiskFeature: async () => {
      throw new Error("the test proves nothing");
    },
  },
} as unknown as HubServices;

beforeEach(() => {
  state = freshState();
  sent = [];
  stored = [];
});

/** The typed code the promise rejects with; and nothing was sent. */
async function refused(promise: Promise<unknown>): Promise<BaseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BaseError)) throw new Error(`expected a typed error, got ${String(error)}`);
  expect(sent).toEqual([]);
  return error;
}

const codeOf = async (promise: Promise<unknown>) => (await refused(promise)).code;

async function reachedSender(promise: Promise<unknown>) {
  await expect(promise).rejects.toBeInstanceOf(Sent);
  expect(sent).toHaveLength(1);
  return sent[0] as (typeof sent)[number];
}

async function sign(account: ReturnType<typeof privateKeyToAccount>, typedData: unknown, deadline: bigint) {
  return {
    signature: await account.signTypedData(typedData as TypedDataDefinition),
    deadline,
  } satisfies SignedAuthorization;
}

const claim = {
  subject: provider.address,
  ecosystem: "2",
  kind: "DEFAULT_RATE" as const,
  bucket: 3,
  windowStart: Number(NOW) - 86_400,
  windowEnd: Number(NOW) - 60,
  threshold: 1,
  recordCount: 10,
  evidenceRoot: keccak256(stringToHex("root")).replace(/^0x./, "0x0") as Hex,
};
const proof = {
  a: [1n, 2n],
  b: [
    [3n, 4n],
    [5n, 6n],
  ],
  c: [7n, 8n],
};

describe("publishRiskFeature", () => {
  it.each([
    [{ bucket: 5 }, "bucket"],
    [{ recordCount: 0 }, "recordCount"],
    [{ recordCount: 33 }, "recordCount"],
    [{ kind: "NONE" }, "kind"],
    [{ windowStart: Number(NOW), windowEnd: Number(NOW) - 10 }, "windowEnd"],
    [{ windowEnd: Number(NOW) + 3_600 }, "windowEnd"],
    [{ evidenceRoot: "0x1234" }, "evidenceRoot"],
    [{ evidenceRoot: `0x${"f".repeat(64)}` }, "evidenceRoot"],
    [{ ecosystem: "0" }, "ecosystem"],
  ])("refuses %o as BAD_USER_INPUT naming the field", async (bad, field) => {
    const error = await refused(preparePublishRiskFeature({ ...claim, ...(bad as object) }, hub));
    expect([error.code, error.details.field]).toEqual(["BAD_USER_INPUT", field]);
  });

  it("refuses an unknown or suspended ecosystem, and a claim published before (by its replay key)", async () => {
    expect(await codeOf(preparePublishRiskFeature({ ...claim, ecosystem: "9" }, hub))).toBe(
      "UNKNOWN_ECOSYSTEM",
    );
    expect(await codeOf(preparePublishRiskFeature({ ...claim, ecosystem: "3" }, hub))).toBe(
      "ECOSYSTEM_NOT_ACTIVE",
    );
    state.published = 4n;
    const error = await refused(preparePublishRiskFeature(claim, hub));
    expect([error.code, error.details.featureId]).toEqual(["FEATURE_ALREADY_PUBLISHED", "4"]);
  });

  it("sends the operator's signed claim and proof; anyone else's signature is NOT_AUTHORIZED", async () => {
    const prepared = await preparePublishRiskFeature(claim, hub);
    expect(prepared.operator).toBe(operator.address);
    expect(prepared.typedData.message).toMatchObject({ ecosystemId: 2, kind: 1, bucket: 3, nonce: 0n });
    const forged = await sign(stranger, prepared.typedData, prepared.deadline);
    const error = await refused(publishRiskFeature({ ...claim, proof, authorization: forged }, hub));
    expect([error.code, error.details.reason]).toEqual(["NOT_AUTHORIZED", "signature"]);
    const signed = await sign(operator, prepared.typedData, prepared.deadline);
    // The signature covers the bucket: a different one is not what the operator signed.
    expect(await codeOf(publishRiskFeature({ ...claim, bucket: 4, proof, authorization: signed }, hub))).toBe(
      "NOT_AUTHORIZED",
    );
    expect(
      (
        await refused(
          publishRiskFeature({ ...claim, proof: { ...proof, a: [1n] }, authorization: signed }, hub),
        )
      ).details.field,
    ).toBe("proof.a");
    const call = await reachedSender(publishRiskFeature({ ...claim, proof, authorization: signed }, hub));
    expect(call).toMatchObject({ functionName: "publishFeature", address: contracts.RiskFeatureRegistry });
    expect(call.args[0]).toMatchObject({ subject: provider.address, ecosystemId: 2, kind: 1, bucket: 3 });
    expect(call.args.slice(2)).toEqual([prepared.deadline, signed.signature]);
  });
});

describe("attestRiskFeature", () => {
  const input = { featureId: "1", node: nodes[0]?.address as Address };

  it("refuses an unknown feature, a second attestation and a node without stake at the snapshot", async () => {
    expect(await codeOf(prepareAttestRiskFeature({ ...input, featureId: "2" }, hub))).toBe(
      "UNKNOWN_RISK_FEATURE",
    );
    state.attested.add(input.node);
    expect(await codeOf(prepareAttestRiskFeature(input, hub))).toBe("ALREADY_ATTESTED");
    const error = await refused(prepareAttestRiskFeature({ ...input, node: stranger.address }, hub));
    expect(error.code).toBe("NOT_ATTESTER");
    expect(error.details).toMatchObject({ stake: "0", minStake: parseEther("10000").toString() });
  });

  it("sends the node's signature over the feature's evidence root", async () => {
    const prepared = await prepareAttestRiskFeature(input, hub);
    expect(prepared.typedData.message.evidenceRoot).toBe(keccak256(stringToHex("root")));
    const signed = await sign(nodes[0] as never, prepared.typedData, prepared.deadline);
    const call = await reachedSender(attestRiskFeature({ ...input, authorization: signed }, hub));
    expect(call).toMatchObject({
      functionName: "attestFeature",
      args: [1n, input.node, prepared.deadline, signed.signature],
    });
  });
});

describe("margin", () => {
  it("locks with the provider's permit or allowance, INSUFFICIENT_FUNDS before sending otherwise", async () => {
    const input = { provider: provider.address, amount: parseEther("1000") };
    const prepared = await prepareLockMargin(input, hub);
    expect(prepared.permitTypedData.message).toMatchObject({
      spender: contracts.MarginVault,
      value: input.amount,
    });
    const signed = await sign(provider, prepared.typedData, prepared.deadline);
    const error = await refused(lockMargin({ ...input, authorization: signed }, hub));
    expect([error.code, error.details.of]).toEqual(["INSUFFICIENT_FUNDS", "allowance"]);
    const permit = await sign(provider, prepared.permitTypedData, prepared.deadline);
    const call = await reachedSender(lockMargin({ ...input, authorization: signed, permit }, hub));
    expect(call.functionName).toBe("lockMargin");
    expect(call.args.slice(0, 4)).toEqual([
      provider.address,
      input.amount,
      prepared.deadline,
      signed.signature,
    ]);
  });

  it("refuses served ecosystems that are unknown, suspended or repeated", async () => {
    const served = (ecosystems: string[]) =>
      prepareSetServedEcosystems({ provider: provider.address, ecosystems }, hub);
    expect(await codeOf(served(["2", "9"]))).toBe("UNKNOWN_ECOSYSTEM");
    expect(await codeOf(served(["3"]))).toBe("ECOSYSTEM_NOT_ACTIVE");
    expect(await codeOf(served(["2", "2"]))).toBe("BAD_USER_INPUT");
    expect((await served(["1", "2"])).typedData.message.ecosystemIds).toEqual([1, 2]);
  });

  it("refuses an unlock while a case is pending (MARGIN_FROZEN) or above what is locked", async () => {
    const input = { provider: provider.address, amount: parseEther("1000") };
    const prepared = await prepareRequestMarginUnlock(input, hub);
    const signed = await sign(provider, prepared.typedData, prepared.deadline);
    state.margin = { ...state.margin, frozenBy: 1n };
    const error = await refused(requestMarginUnlock({ ...input, authorization: signed }, hub));
    expect([error.code, error.details.caseId]).toEqual(["MARGIN_FROZEN", "1"]);
    state.margin = { ...state.margin, frozenBy: 0n };
    expect(await codeOf(prepareRequestMarginUnlock({ ...input, amount: parseEther("30001") }, hub))).toBe(
      "INSUFFICIENT_MARGIN",
    );
  });

  it("refuses a withdrawal before the unlock delay, with nothing queued, or while frozen", async () => {
    const withdraw = () => prepareWithdrawMargin({ provider: provider.address }, hub);
    expect(await codeOf(withdraw())).toBe("UNLOCK_NOT_READY");
    state.margin = { ...state.margin, queued: parseEther("1000"), unlockAt: NOW + 3_600n };
    expect((await refused(withdraw())).details.unlockAt).toBe((NOW + 3_600n).toString());
    state.margin = { ...state.margin, unlockAt: NOW - 1n, frozenBy: 2n };
    expect(await codeOf(withdraw())).toBe("MARGIN_FROZEN");
    state.margin = { ...state.margin, frozenBy: 0n };
    expect((await withdraw()).typedData.message).toMatchObject({ provider: provider.address, nonce: 0n });
  });
});

describe("freeze cases", () => {
  const freeze = {
    provider: provider.address,
    ecosystem: "2",
    claimAmount: parseEther("5000"),
    evidenceHash: keccak256(stringToHex("evidence")),
  };

  it("refuses a second open case, no margin, a suspended or unknown applicant and a self-freeze", async () => {
    state.margin = { ...state.margin, frozenBy: 1n };
    expect(await codeOf(prepareFileFreeze(freeze, hub))).toBe("MARGIN_FROZEN");
    state.margin = { ...state.margin, frozenBy: 0n, locked: 0n };
    expect(await codeOf(prepareFileFreeze(freeze, hub))).toBe("NO_MARGIN");
    state.margin = { ...state.margin, locked: parseEther("30000") };
    expect(await codeOf(prepareFileFreeze({ ...freeze, ecosystem: "3" }, hub))).toBe("ECOSYSTEM_NOT_ACTIVE");
    expect(await codeOf(prepareFileFreeze({ ...freeze, ecosystem: "7" }, hub))).toBe("UNKNOWN_ECOSYSTEM");
    expect(await codeOf(prepareFileFreeze({ ...freeze, provider: operator.address }, hub))).toBe(
      "NOT_AUTHORIZED",
    );
  });

  it("has the operator sign and pay the deposit; another signer is NOT_AUTHORIZED", async () => {
    const prepared = await prepareFileFreeze(freeze, hub);
    expect([prepared.operator, prepared.deposit]).toEqual([operator.address, parseEther("1000")]);
    const forged = await sign(stranger, prepared.typedData, prepared.deadline);
    const permit = await sign(operator, prepared.permitTypedData, prepared.deadline);
    expect(await codeOf(fileFreeze({ ...freeze, authorization: forged, permit }, hub))).toBe(
      "NOT_AUTHORIZED",
    );
    const signed = await sign(operator, prepared.typedData, prepared.deadline);
    const call = await reachedSender(fileFreeze({ ...freeze, authorization: signed, permit }, hub));
    expect(call.functionName).toBe("fileFreeze");
    expect(call.args.slice(0, 4)).toEqual([provider.address, 2, freeze.claimAmount, freeze.evidenceHash]);
  });

  it("refuses votes when closed, repeated, without stake at the snapshot, or on a resolved case", async () => {
    const vote = (node: Address, caseId = "1") =>
      prepareCastCaseVote({ caseId, node, verdict: "UPHOLD" }, hub);
    const node = nodes[0]?.address as Address;
    expect(await codeOf(vote(node, "2"))).toBe("CASE_NOT_OPEN");
    expect(await codeOf(vote(node, "3"))).toBe("UNKNOWN_CASE");
    expect(await codeOf(vote(stranger.address))).toBe("NO_VOTING_POWER");
    state.voted.add(node);
    expect(await codeOf(vote(node))).toBe("ALREADY_VOTED");
    state.voted.clear();
    (state.cases["1"] as Case).voteEnd = NOW - 1n;
    expect(await codeOf(vote(node))).toBe("VOTING_CLOSED");
    (state.cases["1"] as Case).voteEnd = NOW + 86_400n;
    const prepared = await vote(node);
    expect(prepared.weight).toBe(parseEther("100000"));
    const signed = await sign(nodes[0] as never, prepared.typedData, prepared.deadline);
    const call = await reachedSender(
      castCaseVote({ caseId: "1", node, verdict: "UPHOLD", authorization: signed }, hub),
    );
    expect(call.args).toEqual([1n, node, 1, prepared.deadline, signed.signature]);
  });

  it("resolves only after the window or on a majority of the snapshot stake (VOTING_OPEN otherwise)", async () => {
    expect(await codeOf(resolveCase({ caseId: "1" }, hub))).toBe("VOTING_OPEN");
    (state.cases["1"] as Case).votesReject = parseEther("150000"); // exactly half: not a majority
    expect(await codeOf(resolveCase({ caseId: "1" }, hub))).toBe("VOTING_OPEN");
    (state.cases["1"] as Case).votesReject = parseEther("150001");
    expect((await reachedSender(resolveCase({ caseId: "1" }, hub))).args).toEqual([1n]);
    sent = [];
    expect(await codeOf(resolveCase({ caseId: "2" }, hub))).toBe("CASE_NOT_OPEN");
  });
});

describe("disposal", () => {
  const contributions = [
    { ecosystem: "1", leadTimeHours: 6, lossReductionBps: 6_000, locatedSource: false },
    { ecosystem: "2", leadTimeHours: 3, lossReductionBps: 7_000, locatedSource: false },
  ];

  it("refuses a case not upheld, settled before, or a suspended ecosystem earning a share", async () => {
    expect(await codeOf(prepareSettleDisposal({ caseId: "1", contributions }, hub))).toBe("CASE_NOT_UPHELD");
    state.disposal = { ...state.disposal, settled: true };
    expect(await codeOf(prepareSettleDisposal({ caseId: "2", contributions }, hub))).toBe(
      "DISPOSAL_ALREADY_SETTLED",
    );
    state.disposal = { ...state.disposal, settled: false };
    const withSuspended = [
      ...contributions,
      { ecosystem: "3", leadTimeHours: 6, lossReductionBps: 2_000, locatedSource: false },
    ];
    expect(await codeOf(prepareSettleDisposal({ caseId: "2", contributions: withSuspended }, hub))).toBe(
      "INVALID_SHARES",
    );
    expect(
      await codeOf(
        prepareSettleDisposal(
          { caseId: "2", contributions: [{ ...contributions[0], ecosystem: "8" }] as never },
          hub,
        ),
      ),
    ).toBe("UNKNOWN_ECOSYSTEM");
  });

  it("settles on a quorum of staked nodes' signatures, sorted by address; refuses short or bad ones", async () => {
    const prepared = await prepareSettleDisposal({ caseId: "2", contributions }, hub);
    expect(prepared.assessment.sharesBps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
    const attestation = async (account: ReturnType<typeof privateKeyToAccount>) => ({
      node: account.address,
      ...(await sign(account, prepared.typedData, prepared.deadline)),
    });
    const [a, b] = [await attestation(nodes[0] as never), await attestation(nodes[1] as never)];
    const one = await refused(settleDisposal({ caseId: "2", contributions, attestations: [a] }, hub));
    expect([one.code, one.details.got, one.details.needed]).toEqual(["ATTESTATION_QUORUM_NOT_MET", 1, 2]);
    const outsider = await attestation(stranger);
    expect(
      await codeOf(settleDisposal({ caseId: "2", contributions, attestations: [a, outsider] }, hub)),
    ).toBe("NOT_ATTESTER");
    const wrong = { ...b, node: nodes[2]?.address as Address };
    expect(await codeOf(settleDisposal({ caseId: "2", contributions, attestations: [a, wrong] }, hub))).toBe(
      "NOT_AUTHORIZED",
    );
    // Other contributions are another assessment: the nodes did not sign it.
    const other = [
      { ...contributions[0], leadTimeHours: 1 } as (typeof contributions)[0],
      contributions[1] as (typeof contributions)[0],
    ];
    expect(
      await codeOf(settleDisposal({ caseId: "2", contributions: other, attestations: [a, b] }, hub)),
    ).toBe("NOT_AUTHORIZED");
    expect(stored).toEqual([]);
    const call = await reachedSender(
      settleDisposal({ caseId: "2", contributions, attestations: [b, a] }, hub),
    );
    expect(stored).toEqual([prepared.assessment.document]);
    const sorted = [a, b].sort((x, y) => (BigInt(x.node) < BigInt(y.node) ? -1 : 1));
    expect(call.args).toEqual([
      2n,
      prepared.assessment.ecosystemIds,
      prepared.assessment.sharesBps,
      prepared.assessment.inputsHash,
      prepared.deadline,
      sorted.map((x) => x.node),
      sorted.map((x) => x.signature),
    ]);
  });

  it("pays a settled share to the operator's signature only; nothing twice", async () => {
    const input = { caseId: "2", ecosystem: "2" };
    expect(await codeOf(prepareClaimDisposalPayout(input, hub))).toBe("DISPOSAL_NOT_SETTLED");
    state.disposal = { ...state.disposal, settled: true };
    state.payout = [parseEther("4000"), true];
    expect(await codeOf(prepareClaimDisposalPayout(input, hub))).toBe("NOTHING_TO_CLAIM");
    state.payout = [0n, false];
    expect(await codeOf(prepareClaimDisposalPayout(input, hub))).toBe("NOTHING_TO_CLAIM");
    state.payout = [parseEther("4000"), false];
    const prepared = await prepareClaimDisposalPayout(input, hub);
    const forged = await sign(stranger, prepared.typedData, prepared.deadline);
    expect(await codeOf(claimDisposalPayout({ ...input, authorization: forged }, hub))).toBe(
      "NOT_AUTHORIZED",
    );
    const signed = await sign(operator, prepared.typedData, prepared.deadline);
    const call = await reachedSender(claimDisposalPayout({ ...input, authorization: signed }, hub));
    expect(call.args).toEqual([2n, 2, prepared.deadline, signed.signature]);
  });
});

describe("publishCalderaRiskFeature", () => {
  const lines = [
    { id: "1", status: "DEFAULTED", openedAt: Number(NOW) - 9_000, closedAt: Number(NOW) - 100 },
    { id: "2", status: "CLOSED", openedAt: Number(NOW) - 8_000, closedAt: Number(NOW) - 200 },
  ];
  const source = (creditLines = lines): CalderaRiskSource => ({
    creditLines: async () => creditLines,
    certificates: async () => [],
  });

  it("refuses without records, for a kind Caldera keeps none of, or when the hub is not Caldera's operator", async () => {
    const none = await refused(
      publishCalderaRiskFeature({ subject: provider.address, kind: "DEFAULT_RATE" }, hub, {
        source: source([]),
      }),
    );
    expect([none.code, none.details.reason]).toEqual(["BAD_USER_INPUT", "noRecords"]);
    expect(
      (
        await refused(
          publishCalderaRiskFeature({ subject: provider.address, kind: "PRICE_VOLATILITY" }, hub, {
            source: source(),
          }),
        )
      ).details.field,
    ).toBe("kind");
    (state.ecosystems[0] as { operator: Address }).operator = stranger.address;
    expect(
      await codeOf(
        publishCalderaRiskFeature({ subject: provider.address, kind: "DEFAULT_RATE" }, hub, {
          source: source(),
        }),
      ),
    ).toBe("NOT_AUTHORIZED");
  });

  it("finds an already published feature over the same records before proving, and the batch skips it", async () => {
    state.published = 7n;
    const error = await refused(
      publishCalderaRiskFeature({ subject: provider.address, kind: "DEFAULT_RATE" }, hub, {
        source: source(),
      }),
    );
    expect([error.code, error.details.featureId]).toEqual(["FEATURE_ALREADY_PUBLISHED", "7"]);
    const batch = await publishCalderaRiskFeatures({ subjects: [provider.address] }, hub, {
      source: source(),
    });
    expect(batch).toEqual({
      published: [],
      skipped: [
        { subject: provider.address, kind: "DEFAULT_RATE", reason: "published", featureId: "7" },
        { subject: provider.address, kind: "DELAY_DURATION", reason: "noRecords" },
        { subject: provider.address, kind: "TAMPERING_FREQUENCY", reason: "noRecords" },
      ],
    });
    expect(sent).toEqual([]);
  });
});
