import { type Address, type Hex, keccak256, parseEther, stringToHex, type TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { certifyAs } from "../test/support/certifyAs.js";
import { chainRpc } from "../test/support/chainRpc.js";
import { sensorDataset } from "../test/support/sensorDataset.js";
import { startTestStack, type TestStack } from "../test/support/startTestStack.js";

/**
 * Cross-domain risk's mutations through the real stack — gateway, subgraph, mutation guard, anvil with the deployed
 * EcosystemRegistry, RiskFeatureRegistry and MarginVault, ponder indexing their events — along one provider's story:
 * margin locked, a risk feature published by Caldera (ecosystem 1, whose operator is the hub's dev signer) and
 * attested by two dev nodes, a freeze filed, upheld by the nodes' votes and resolved, the disposal settled on their
 * signatures and the payout claimed. Each payload is the entity the indexer wrote (read-your-writes); every refusal
 * comes back typed with nothing sent (the hub's nonce and the block number unchanged).
 */

let stack: TestStack;
const calderaOperator = privateKeyToAccount(ANVIL_DEV_KEYS[0] as Hex); // the hub's dev signer, Caldera's operator
const [node1, node2, node3] = [1, 2, 3].map((i) => privateKeyToAccount(ANVIL_DEV_KEYS[i] as Hex));
const provider = privateKeyToAccount(ANVIL_DEV_KEYS[6] as Hex);
const TYPED = "domain types primaryType message";

type Account = ReturnType<typeof privateKeyToAccount>;
type Response<T> = {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
};
type Typed = TypedDataDefinition & { message: { deadline: number } };

async function gql<T>(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "risk-stack-test" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Response<T>;
}

/** The data of a response that must have no errors. */
async function ok<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = await gql<T>(query, variables);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

/** What the chain has seen of the hub: its nonce and the block number; a refusal changes neither. */
const chainMark = async () => [
  await stack.hub.publicClient.getTransactionCount({ address: stack.hub.walletClient.account.address }),
  await stack.hub.publicClient.getBlockNumber({ cacheTime: 0 }),
];

async function refusedWith(query: string, variables: Record<string, unknown> = {}) {
  const before = await chainMark();
  const body = await gql(query, variables);
  expect(await chainMark()).toEqual(before);
  return body.errors?.[0]?.extensions ?? {};
}

const authorization = async (account: Account, typedData: Typed) => ({
  signature: await account.signTypedData(typedData),
  deadline: String(typedData.message.deadline),
});

/** `<name>TypedData(input)` → the signer's authorization (and permit, when the query returns one). */
async function signed(
  name: string,
  inputType: string,
  input: Record<string, unknown>,
  signer: Account,
  withPermit = false,
) {
  const selection = withPermit ? `{ typedData { ${TYPED} } permitTypedData { ${TYPED} } }` : `{ ${TYPED} }`;
  const data = await ok<Record<string, Typed | { typedData: Typed; permitTypedData: Typed }>>(
    `query($input: ${inputType}!) { ${name}TypedData(input: $input) ${selection} }`,
    { input },
  );
  const prepared = data[`${name}TypedData`];
  if (!withPermit) return { authorization: await authorization(signer, prepared as Typed) };
  const pair = prepared as { typedData: Typed; permitTypedData: Typed };
  return {
    authorization: await authorization(signer, pair.typedData),
    permit: await authorization(signer, pair.permitTypedData),
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  // The treasury (the deployer, also the hub's signer here) pays the provider its ERA.
  const hash = await stack.hub.walletClient.writeContract({
    address: stack.deployment.contracts.EraToken.address,
    abi: [
      {
        type: "function",
        name: "transfer",
        stateMutability: "nonpayable",
        inputs: [
          { name: "to", type: "address" },
          { name: "value", type: "uint256" },
        ],
        outputs: [{ type: "bool" }],
      },
    ],
    functionName: "transfer",
    args: [provider.address, parseEther("50000")],
    chain: stack.hub.walletClient.chain,
  });
  await stack.hub.publicClient.waitForTransactionReceipt({ hash });
}, 300_000);

afterAll(async () => {
  await stack?.teardown();
});

describe("cross-domain risk mutations through the gateway", () => {
  let featureId: string;
  let caseId: string;

  it("locks margin with a permit and sets the ecosystems served; the payload is the indexed margin", async () => {
    const lock = { provider: provider.address, amount: parseEther("30000").toString() };
    const locked = await ok<{ lockMargin: { margin: Record<string, unknown> } }>(
      `mutation($input: LockMarginInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
        lockMargin(input: $input, authorization: $authorization, permit: $permit) {
          margin { locked queued frozen } transactionHash } }`,
      { input: lock, ...(await signed("lockMargin", "LockMarginInput", lock, provider, true)) },
    );
    expect(locked.lockMargin.margin).toMatchObject({ locked: lock.amount, queued: "0", frozen: false });

    const served = { provider: provider.address, ecosystems: ["1"] };
    const set = await ok<{
      setServedEcosystems: { margin: { ecosystemsServed: { id: string }[]; required: string } };
    }>(
      `mutation($input: SetServedEcosystemsInput!, $authorization: SignedAuthorization!) {
        setServedEcosystems(input: $input, authorization: $authorization) {
          margin { ecosystemsServed { id } required } } }`,
      {
        input: served,
        ...(await signed("setServedEcosystems", "SetServedEcosystemsInput", served, provider)),
      },
    );
    expect(set.setServedEcosystems.margin.ecosystemsServed.map((e) => e.id)).toEqual(["1"]);
    expect(set.setServedEcosystems.margin.required).toBe(parseEther("20000").toString());
  });

  it("publishes a proven feature as Caldera's operator; two dev nodes attest it to the quorum", async () => {
    const now = Number((await stack.hub.publicClient.getBlock()).timestamp);
    const proved = await stack.hub.prover.proveRiskFeature({
      subject: provider.address,
      ecosystemId: 1,
      kind: "DEFAULT_RATE",
      chainId: stack.deployment.chainId,
      registry: stack.deployment.contracts.RiskFeatureRegistry?.address as Address,
      windowStart: now - 30 * 86_400,
      windowEnd: now - 60,
      threshold: 1,
      records: Array.from({ length: 8 }, (_, i) => ({
        timestamp: now - (i + 1) * 86_400,
        value: i < 3 ? 1 : 0,
        counterparty: `lender-${i}`,
        scenario: "working capital",
      })),
    });
    const { claim } = proved;
    const input = {
      subject: claim.subject,
      ecosystem: String(claim.ecosystemId),
      kind: "DEFAULT_RATE",
      bucket: claim.bucket,
      windowStart: new Date(claim.windowStart * 1000).toISOString(),
      windowEnd: new Date(claim.windowEnd * 1000).toISOString(),
      threshold: claim.threshold,
      recordCount: claim.recordCount,
      evidenceRoot: claim.evidenceRoot,
    };
    const proof = {
      a: proved.proof.a.map(String),
      b: proved.proof.b.map((pair) => pair.map(String)),
      c: proved.proof.c.map(String),
    };
    const publish = `mutation($input: PublishRiskFeatureInput!, $proof: RiskFeatureProofInput!, $authorization: SignedAuthorization!) {
      publishRiskFeature(input: $input, proof: $proof, authorization: $authorization) {
        feature { id kind severity bucket { lowBps highBps } recordCount attestations verified ecosystem { id } subject { address } } } }`;

    // A proof that does not verify is refused by the simulation: nothing is sent.
    const { authorization: bad } = await signed(
      "publishRiskFeature",
      "PublishRiskFeatureInput",
      input,
      calderaOperator,
    );
    const tampered = { ...proof, a: [proof.a[1], proof.a[0]] };
    expect((await refusedWith(publish, { input, proof: tampered, authorization: bad })).code).toBe(
      "INVALID_PROOF",
    );

    const { authorization: signedClaim } = await signed(
      "publishRiskFeature",
      "PublishRiskFeatureInput",
      input,
      calderaOperator,
    );
    const published = await ok<{ publishRiskFeature: { feature: Record<string, unknown> & { id: string } } }>(
      publish,
      { input, proof, authorization: signedClaim },
    );
    featureId = published.publishRiskFeature.feature.id;
    expect(published.publishRiskFeature.feature).toMatchObject({
      kind: "DEFAULT_RATE",
      severity: "HIGH", // 3 defaulted of 8: 3,750 bps, in [2,000, 5,000)
      bucket: { lowBps: 2000, highBps: 5000 },
      recordCount: 8,
      attestations: 0,
      verified: false,
      ecosystem: { id: "1" },
      subject: { address: provider.address },
    });
    // The same claim again is found by its replay key before anything is signed.
    expect(
      (
        await refusedWith(
          `query($input: PublishRiskFeatureInput!) { publishRiskFeatureTypedData(input: $input) { primaryType } }`,
          { input },
        )
      ).code,
    ).toBe("FEATURE_ALREADY_PUBLISHED");

    const attest = `mutation($input: AttestRiskFeatureInput!, $authorization: SignedAuthorization!) {
      attestRiskFeature(input: $input, authorization: $authorization) { feature { attestations verified attestedBy } } }`;
    for (const [i, node] of [node1, node2].entries()) {
      const attestation = { featureId, node: (node as Account).address };
      const data = await ok<{ attestRiskFeature: { feature: { attestations: number; verified: boolean } } }>(
        attest,
        {
          input: attestation,
          ...(await signed("attestRiskFeature", "AttestRiskFeatureInput", attestation, node as Account)),
        },
      );
      expect(data.attestRiskFeature.feature).toMatchObject({ attestations: i + 1, verified: i === 1 });
    }
    const again = { featureId, node: (node1 as Account).address };
    expect(
      (
        await refusedWith(
          `query($input: AttestRiskFeatureInput!) { attestRiskFeatureTypedData(input: $input) { primaryType } }`,
          { input: again },
        )
      ).code,
    ).toBe("ALREADY_ATTESTED");
    const outsider = { featureId, node: provider.address };
    expect(
      (
        await refusedWith(
          `query($input: AttestRiskFeatureInput!) { attestRiskFeatureTypedData(input: $input) { primaryType } }`,
          { input: outsider },
        )
      ).code,
    ).toBe("NOT_ATTESTER");
  }, 180_000);

  it("files a freeze (the margin freezes at once); a second case and an unlock are refused, nothing sent", async () => {
    const freeze = {
      provider: provider.address,
      ecosystem: "1",
      claimAmount: parseEther("10000").toString(),
      evidenceHash: keccak256(stringToHex("the defaulted obligations")),
    };
    const filed = await ok<{ fileFreeze: { case: Record<string, unknown> & { id: string } } }>(
      `mutation($input: FileFreezeInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
        fileFreeze(input: $input, authorization: $authorization, permit: $permit) {
          case { id status claimAmount deposit ecosystem { id } provider { address margin { frozen } } } } }`,
      { input: freeze, ...(await signed("fileFreeze", "FileFreezeInput", freeze, calderaOperator, true)) },
    );
    caseId = filed.fileFreeze.case.id;
    expect(filed.fileFreeze.case).toMatchObject({
      status: "OPEN",
      claimAmount: freeze.claimAmount,
      deposit: parseEther("1000").toString(),
      ecosystem: { id: "1" },
      provider: { address: provider.address, margin: { frozen: true } },
    });
    const second = await refusedWith(
      `query($input: FileFreezeInput!) { fileFreezeTypedData(input: $input) { deposit } }`,
      { input: freeze },
    );
    expect([second.code, second.caseId]).toEqual(["MARGIN_FROZEN", caseId]);
    expect(
      (
        await refusedWith(
          `query($input: RequestMarginUnlockInput!) { requestMarginUnlockTypedData(input: $input) { primaryType } }`,
          { input: { provider: provider.address, amount: "1" } },
        )
      ).code,
    ).toBe("MARGIN_FROZEN");
    expect(
      (
        await refusedWith(`mutation($id: ID!) { resolveCase(caseId: $id) { case { status } } }`, {
          id: caseId,
        })
      ).code,
    ).toBe("VOTING_OPEN");
  });

  it("upholds the case on two nodes' votes, resolves it early on that majority, and refuses late votes", async () => {
    const vote = `mutation($input: CastCaseVoteInput!, $authorization: SignedAuthorization!) {
      castCaseVote(input: $input, authorization: $authorization) { weight case { votesUphold } } }`;
    for (const node of [node1, node2]) {
      const input = { caseId, node: (node as Account).address, verdict: "UPHOLD" };
      const data = await ok<{ castCaseVote: { weight: string } }>(vote, {
        input,
        ...(await signed("castCaseVote", "CastCaseVoteInput", input, node as Account)),
      });
      expect(BigInt(data.castCaseVote.weight)).toBeGreaterThan(0n);
    }
    const twice = { caseId, node: (node1 as Account).address, verdict: "REJECT" };
    expect(
      (
        await refusedWith(
          `query($input: CastCaseVoteInput!) { castCaseVoteTypedData(input: $input) { primaryType } }`,
          { input: twice },
        )
      ).code,
    ).toBe("ALREADY_VOTED");
    const noStake = { caseId, node: provider.address, verdict: "REJECT" };
    expect(
      (
        await refusedWith(
          `query($input: CastCaseVoteInput!) { castCaseVoteTypedData(input: $input) { primaryType } }`,
          { input: noStake },
        )
      ).code,
    ).toBe("NO_VOTING_POWER");

    const resolved = await ok<{
      resolveCase: {
        case: { status: string; seized: string; provider: { margin: Record<string, unknown> } };
      };
    }>(
      `mutation($id: ID!) { resolveCase(caseId: $id) { case { status seized provider { margin { locked frozen } } } } }`,
      { id: caseId },
    );
    expect(resolved.resolveCase.case).toMatchObject({
      status: "UPHELD",
      seized: parseEther("10000").toString(),
      provider: { margin: { locked: parseEther("20000").toString(), frozen: false } },
    });
    const late = { caseId, node: (node3 as Account).address, verdict: "REJECT" };
    expect(
      (
        await refusedWith(
          `query($input: CastCaseVoteInput!) { castCaseVoteTypedData(input: $input) { primaryType } }`,
          { input: late },
        )
      ).code,
    ).toBe("CASE_NOT_OPEN");
  });

  it("settles the disposal on the nodes' signatures over the Shapley shares, and pays the claim once", async () => {
    const input = {
      caseId,
      contributions: [{ ecosystem: "1", leadTimeHours: 6, lossReductionBps: 6000, locatedSource: false }],
    };
    const prepared = await ok<{
      settleDisposalTypedData: {
        typedData: Typed;
        shares: { ecosystem: { id: string }; shareBps: number }[];
        inputsHash: string;
      };
    }>(
      `query($input: SettleDisposalInput!) { settleDisposalTypedData(input: $input) {
        typedData { ${TYPED} } shares { ecosystem { id } shareBps shapleyValue } inputsHash assignedBps dustBps } }`,
      { input },
    );
    const { typedData, shares, inputsHash } = prepared.settleDisposalTypedData;
    expect(shares).toEqual([{ ecosystem: { id: "1" }, shareBps: 10_000, shapleyValue: expect.any(String) }]);
    const attestations = await Promise.all(
      [node1, node2].map(async (node) => ({
        node: (node as Account).address,
        ...(await authorization(node as Account, typedData)),
      })),
    );
    const settle = `mutation($input: SettleDisposalInput!, $attestations: [NodeAttestationInput!]!) {
      settleDisposal(input: $input, attestations: $attestations) {
        disposal { inputsHash seized assigned dust shares { ecosystem { id } shareBps amount claimed contribution { leadTimeHours lossReductionBps } } } } }`;
    const short = await refusedWith(settle, { input, attestations: attestations.slice(0, 1) });
    expect([short.code, short.got, short.needed]).toEqual(["ATTESTATION_QUORUM_NOT_MET", 1, 2]);

    const settled = await ok<{ settleDisposal: { disposal: Record<string, unknown> } }>(settle, {
      input,
      attestations,
    });
    expect(settled.settleDisposal.disposal).toMatchObject({
      inputsHash,
      seized: parseEther("10000").toString(),
      assigned: parseEther("10000").toString(),
      dust: "0",
      shares: [
        {
          ecosystem: { id: "1" },
          shareBps: 10_000,
          amount: parseEther("10000").toString(),
          claimed: false,
          contribution: { leadTimeHours: 6, lossReductionBps: 6000 },
        },
      ],
    });
    expect((await refusedWith(settle, { input, attestations })).code).toBe("DISPOSAL_ALREADY_SETTLED");

    const claim = { caseId, ecosystem: "1" };
    const claimed = await ok<{
      claimDisposalPayout: { amount: string; to: string; disposal: { shares: { claimed: boolean }[] } };
    }>(
      `mutation($input: ClaimDisposalPayoutInput!, $authorization: SignedAuthorization!) {
        claimDisposalPayout(input: $input, authorization: $authorization) { amount to disposal { shares { claimed } } } }`,
      {
        input: claim,
        ...(await signed("claimDisposalPayout", "ClaimDisposalPayoutInput", claim, calderaOperator)),
      },
    );
    expect(claimed.claimDisposalPayout).toMatchObject({
      amount: parseEther("10000").toString(),
      to: calderaOperator.address,
      disposal: { shares: [{ claimed: true }] },
    });
    expect(
      (
        await refusedWith(
          `query($input: ClaimDisposalPayoutInput!) { claimDisposalPayoutTypedData(input: $input) { primaryType } }`,
          { input: claim },
        )
      ).code,
    ).toBe("NOTHING_TO_CLAIM");
  });

  it("publishes Caldera's own DELAY_DURATION feature from its certified datasets, once", async () => {
    // The dev provider (the hub's signer, registered by the stack) certifies two days: one missing its first
    // readings (delayed past any threshold), one with a reading 20 minutes late (under the 1 h threshold).
    const days: [string, { missing?: number[]; late?: number[] }][] = [
      ["2026-06-01T00:00:00Z", { missing: [0, 1] }],
      ["2026-06-02T00:00:00Z", { late: [3] }],
    ];
    for (const [day, gaps] of days)
      await certifyAs(stack, calderaOperator, {
        domain: "AGRICULTURAL",
        ...sensorDataset({ windowStart: day, ...gaps }),
      });
    const publish = `mutation($s: Address!) { publishCalderaRiskFeature(subject: $s, kind: DELAY_DURATION) {
      proveMs feature { kind severity bucket { lowBps highBps } recordCount threshold ecosystem { id } subject { address } } } }`;
    const published = await ok<{
      publishCalderaRiskFeature: { proveMs: number; feature: Record<string, unknown> };
    }>(publish, { s: calderaOperator.address });
    expect(published.publishCalderaRiskFeature.feature).toMatchObject({
      kind: "DELAY_DURATION",
      severity: "CRITICAL", // 1 of 2 datasets delayed ≥ 1 h: 5,000 bps, the top bucket
      bucket: { lowBps: 5000, highBps: 10000 },
      recordCount: 2,
      threshold: 3600,
      ecosystem: { id: "1" },
      subject: { address: calderaOperator.address },
    });
    expect(published.publishCalderaRiskFeature.proveMs).toBeGreaterThan(0);
    // The same records again: the replay key is found before proving, nothing is sent.
    expect((await refusedWith(publish, { s: calderaOperator.address })).code).toBe(
      "FEATURE_ALREADY_PUBLISHED",
    );
  }, 180_000);

  it("refuses Caldera's own feature without records, and unknown ids, sending nothing", async () => {
    const none = await refusedWith(
      `mutation($s: Address!) { publishCalderaRiskFeature(subject: $s, kind: DEFAULT_RATE) { feature { id } } }`,
      { s: provider.address },
    );
    expect([none.code, none.reason]).toEqual(["BAD_USER_INPUT", "noRecords"]);
    expect((await refusedWith(`mutation { resolveCase(caseId: "99") { case { id } } }`)).code).toBe(
      "UNKNOWN_CASE",
    );
    expect(
      (
        await refusedWith(
          `query { attestRiskFeatureTypedData(input: { featureId: "99", node: "${provider.address}" }) { primaryType } }`,
        )
      ).code,
    ).toBe("UNKNOWN_RISK_FEATURE");
    expect(
      (
        await refusedWith(
          `query($p: Address!) { fileFreezeTypedData(input: { provider: $p, ecosystem: "42", claimAmount: "1", evidenceHash: "${keccak256(stringToHex("x"))}" }) { deposit } }`,
          { p: provider.address },
        )
      ).code,
    ).toBe("UNKNOWN_ECOSYSTEM");
  });
  it("queues an unlock once the case is over, refuses the withdrawal until the delay passed, then pays it", async () => {
    const unlock = { provider: provider.address, amount: parseEther("5000").toString() };
    const queued = await ok<{
      requestMarginUnlock: { margin: { locked: string; queued: string; unlockAt: string } };
    }>(
      `mutation($input: RequestMarginUnlockInput!, $authorization: SignedAuthorization!) {
        requestMarginUnlock(input: $input, authorization: $authorization) { margin { locked queued unlockAt } } }`,
      {
        input: unlock,
        ...(await signed("requestMarginUnlock", "RequestMarginUnlockInput", unlock, provider)),
      },
    );
    expect(queued.requestMarginUnlock.margin).toMatchObject({
      locked: parseEther("15000").toString(),
      queued: unlock.amount,
    });
    const withdrawal = { provider: provider.address };
    const early = await refusedWith(
      `query($input: WithdrawMarginInput!) { withdrawMarginTypedData(input: $input) { primaryType } }`,
      { input: withdrawal },
    );
    expect([early.code, early.unlockAt]).toEqual([
      "UNLOCK_NOT_READY",
      String(Date.parse(queued.requestMarginUnlock.margin.unlockAt) / 1000),
    ]);
    // Past the 4-day unlock delay on the chain's clock.
    await chainRpc(stack.rpcUrl, "evm_increaseTime", [4 * 86_400 + 60]);
    await chainRpc(stack.rpcUrl, "evm_mine");
    const paid = await ok<{ withdrawMargin: { amount: string; margin: { locked: string; queued: string } } }>(
      `mutation($input: WithdrawMarginInput!, $authorization: SignedAuthorization!) {
        withdrawMargin(input: $input, authorization: $authorization) { amount margin { locked queued } } }`,
      { input: withdrawal, ...(await signed("withdrawMargin", "WithdrawMarginInput", withdrawal, provider)) },
    );
    expect(paid.withdrawMargin).toEqual({
      amount: unlock.amount,
      margin: { locked: parseEther("15000").toString(), queued: "0" },
    });
  });
});
