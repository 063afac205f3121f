import {
  createTestClient,
  createWalletClient,
  getAddress,
  http,
  keccak256,
  pad,
  parseEther,
  stringToHex,
  type TypedDataDefinition,
  toHex,
  zeroHash,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccount, signTypedDataAs } from "../../cli/devAccounts.js";
import {
  calderaGovernorAbi,
  eraTokenAbi,
  nodeStakingAbi,
  timelockControllerAbi,
} from "../../contracts/generated/abis.js";
import { governanceTypedDataFromJson } from "../../usecases/governance/governanceTypedData.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

/** A whole node vote through the gateway: every node action signed, the hub relaying and paying. */

const PROPOSAL_FIELDS = `id state stateAtBlock description proposer { address staked }
  actions { target value calldata decoded { contract functionName signature summary arguments { name type value } } }
  votes { for against abstain } quorum quorumReached
  timeline { createdAt createdBlock voteStart voteEnd queuedAt eta executedAt canceledAt }`;

const PROPOSE_TYPED = `query($input: ProposeRuleChangeInput!, $deadline: DateTime) {
  proposeRuleChangeTypedData(input: $input, deadline: $deadline) {
    typedData { domain types primaryType message } proposalId description actions { decoded { summary } } } }`;
const PROPOSE = `mutation($input: ProposeRuleChangeInput!, $authorization: SignedAuthorization!) {
  proposeRuleChange(input: $input, authorization: $authorization) { transactionHash gasUsed proposal { ${PROPOSAL_FIELDS} } } }`;
const VOTE_TYPED = `query($input: CastVoteInput!) {
  castVoteTypedData(input: $input) { typedData { domain types primaryType message } proposalId voteEnd } }`;
const VOTE = `mutation($input: CastVoteInput!, $signature: Bytes!) {
  castVote(input: $input, signature: $signature) {
    transactionHash gasUsed vote { voter { address } support weight reason } proposal { ${PROPOSAL_FIELDS} } } }`;
const PROPOSAL = `query($id: ID!) { proposal(id: $id) { ${PROPOSAL_FIELDS}
  voteList(first: 10) { totalCount edges { node { voter { address } support weight reason } } } } }`;

type Proposal = {
  id: string;
  state: string;
  stateAtBlock: string;
  description: string;
  votes: { for: string; against: string; abstain: string };
  quorum: string;
  quorumReached: boolean;
  timeline: Record<string, string | null>;
  actions: { decoded: { functionName: string; summary: string } | null }[];
};
type Typed = { typedData: { message: { nonce: number; deadline?: number } } };

const ERA = 10n ** 18n;
const NODE_STAKE = 100_000n * ERA;
const LATECOMER = 4; // anvil account 4: stakes only after the proposal
const NO_STAKE = 5; // anvil account 5: never stakes

let stack: TestStack;
let testClient: ReturnType<typeof createTestClient>;
let proposalId: string;

const setRule2 = (n: number, extra: Record<string, unknown> = {}) => ({
  proposer: devAccount(n).address,
  setRule: { ruleId: "2", thresholdBps: 8_000 },
  ...extra,
});

async function sign(n: number, typed: Typed) {
  return signTypedDataAs(n, governanceTypedDataFromJson(typed.typedData) as TypedDataDefinition);
}

async function proposeTyped(input: Record<string, unknown>, deadline?: string) {
  const result = await graphql<{ proposeRuleChangeTypedData: Typed }>(stack.gatewayUrl, PROPOSE_TYPED, {
    deadline,
    input,
  });
  expect(result.errors).toBeUndefined();
  return result.data?.proposeRuleChangeTypedData as Typed & { proposalId: string; description: string };
}

/** A proposal's authorization: the signature and the typed data's deadline. */
async function authorize(n: number, typed: Typed) {
  return { signature: await sign(n, typed), deadline: String(typed.typedData.message.deadline) };
}

async function voteTyped(input: Record<string, unknown>) {
  const result = await graphql<{ castVoteTypedData: Typed }>(stack.gatewayUrl, VOTE_TYPED, { input });
  expect(result.errors).toBeUndefined();
  return result.data?.castVoteTypedData as Typed;
}

async function vote(n: number, support: string, reason?: string) {
  const input = { proposalId, voter: devAccount(n).address, support, ...(reason ? { reason } : {}) };
  const typed = await voteTyped(input);
  return graphql<{
    castVote: {
      vote: { support: string; weight: string; reason: string };
      proposal: Proposal;
      gasUsed: string;
    };
  }>(stack.gatewayUrl, VOTE, {
    input,
    signature: await sign(n, typed),
  });
}

async function readProposal() {
  const result = await graphql<{
    proposal: Proposal & { voteList: { totalCount: number; edges: { node: Record<string, unknown> }[] } };
  }>(stack.gatewayUrl, PROPOSAL, { id: proposalId });
  expect(result.errors).toBeUndefined();
  return result.data?.proposal as NonNullable<typeof result.data>["proposal"];
}

/** Nothing sent, nothing used: the hub signer's transaction count and the node's governor nonce. */
async function sideEffects(n: number) {
  const [hub, governor] = await Promise.all([
    stack.hub.publicClient.getTransactionCount({ address: stack.hub.walletClient.account.address }),
    stack.hub.publicClient.readContract({
      address: stack.deployment.contracts.CalderaGovernor.address,
      abi: calderaGovernorAbi,
      functionName: "nonces",
      args: [devAccount(n).address],
    }),
  ]);
  return { hub, governor };
}

async function mine(blocks: number) {
  if (blocks > 0) await testClient.mine({ blocks });
  await stack.hub.indexer.waitForBlock(await stack.hub.publicClient.getBlockNumber({ cacheTime: 0 }), 20_000);
}

const code = (result: { errors?: { extensions?: { code?: string } }[] }) =>
  result.errors?.[0]?.extensions?.code;
const extension = (result: { errors?: { extensions?: Record<string, unknown> }[] }, name: string) =>
  result.errors?.[0]?.extensions?.[name];

beforeAll(async () => {
  stack = await startTestStack();
  testClient = createTestClient({ mode: "anvil", transport: http(stack.rpcUrl) });
});

afterAll(async () => {
  await stack?.teardown();
});

describe("node governance end to end (gateway → subgraph → use cases → governor → ponder → views)", () => {
  it("serves the seed rules, floors, settings and the three dev nodes from the indexer", async () => {
    const result = await graphql<{
      derivationRules: Record<string, unknown>[];
      certificationFloors: Record<string, unknown>[];
      governanceSettings: Record<string, unknown>;
      nodes: { totalCount: number; edges: { node: { address: string; staked: string } }[] };
    }>(
      stack.gatewayUrl,
      `{ derivationRules { id domain kind attribute thresholdBps weightBps active }
         certificationFloors { domain minIntegrityBps maxGapSlots }
         governanceSettings { chainId votingDelayBlocks votingPeriodBlocks proposalThreshold quorumPercent timelockDelaySeconds totalStaked }
         nodes(first: 2) { totalCount edges { node { address staked pendingUnstake unlockAt } } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.derivationRules).toEqual([
      {
        id: "1",
        domain: "AGRICULTURAL",
        kind: "PLANTING_PLAN",
        attribute: "INTEGRITY",
        thresholdBps: 9000,
        weightBps: 15000,
        active: true,
      },
      {
        id: "2",
        domain: "AGRICULTURAL",
        kind: "MARKET_FORECAST",
        attribute: "TIMELINESS",
        thresholdBps: 8500,
        weightBps: 12000,
        active: true,
      },
      {
        id: "3",
        domain: "INDUSTRIAL",
        kind: "FAULT_WARNING_MODEL",
        attribute: "CONTINUITY",
        thresholdBps: 9500,
        weightBps: 13000,
        active: true,
      },
    ]);
    expect(result.data?.certificationFloors).toEqual([
      { domain: "AGRICULTURAL", minIntegrityBps: 5000, maxGapSlots: 48 },
      { domain: "INDUSTRIAL", minIntegrityBps: 5000, maxGapSlots: 48 },
    ]);
    expect(result.data?.governanceSettings).toEqual({
      chainId: 31337,
      votingDelayBlocks: 1,
      votingPeriodBlocks: 10,
      proposalThreshold: (10_000n * ERA).toString(),
      quorumPercent: 4,
      timelockDelaySeconds: 172_800,
      totalStaked: (3n * NODE_STAKE).toString(),
    });
    expect(result.data?.nodes.totalCount).toBe(3);
    expect(result.data?.nodes.edges.map((e) => e.node.staked)).toEqual([
      NODE_STAKE.toString(),
      NODE_STAKE.toString(),
    ]);
  });

  it("refuses a proposer without stake, an expired and a wrongly signed proposal: nothing sent", async () => {
    const poor = setRule2(NO_STAKE);
    let before = await sideEffects(NO_STAKE);
    const poorTyped = await proposeTyped(poor);
    const refused = await graphql(stack.gatewayUrl, PROPOSE, {
      input: poor,
      authorization: await authorize(NO_STAKE, poorTyped),
    });
    expect(code(refused)).toBe("BELOW_PROPOSAL_THRESHOLD");
    expect(await sideEffects(NO_STAKE)).toEqual(before);

    const input = setRule2(1);
    before = await sideEffects(1);
    const typed = await proposeTyped(input);
    // Signed by node 2 for node 1.
    const wrong = await graphql(stack.gatewayUrl, PROPOSE, {
      input,
      authorization: await authorize(2, typed),
    });
    expect(code(wrong)).toBe("NOT_AUTHORIZED");
    // Signed for other terms than sent.
    const other = await graphql(stack.gatewayUrl, PROPOSE, {
      input: { ...input, setRule: { ruleId: "2", thresholdBps: 100 } },
      authorization: await authorize(1, typed),
    });
    expect(code(other)).toBe("NOT_AUTHORIZED");
    // Typed data asked for with a deadline that has passed on the chain's clock, signed and sent.
    const { timestamp } = await stack.hub.publicClient.getBlock();
    const past = new Date(Number(timestamp - 60n) * 1000).toISOString();
    const expiredTyped = await proposeTyped(input, past);
    const expired = await graphql(stack.gatewayUrl, PROPOSE, {
      input,
      authorization: await authorize(1, expiredTyped),
    });
    expect(code(expired)).toBe("NOT_AUTHORIZED");
    expect(extension(expired, "reason")).toBe("expired");
    expect(await sideEffects(1)).toEqual(before);
  });

  it("relays dev node 1's signed rule change: a pending proposal with its decoded action", async () => {
    const input = setRule2(1);
    const typed = await proposeTyped(input);
    expect(typed.description).toContain(
      "Set rule 2 (AGRICULTURAL MARKET_FORECAST): TIMELINESS ≥ 80%, weight 1.2x",
    );
    const before = await sideEffects(1);
    const result = await graphql<{ proposeRuleChange: { proposal: Proposal; gasUsed: string } }>(
      stack.gatewayUrl,
      PROPOSE,
      {
        input,
        authorization: await authorize(1, typed),
      },
    );
    expect(result.errors).toBeUndefined();
    const proposal = result.data?.proposeRuleChange.proposal as Proposal;
    proposalId = proposal.id;
    expect(proposal.id).toBe(typed.proposalId);
    expect(proposal).toMatchObject({
      state: "PENDING",
      proposer: { address: devAccount(1).address, staked: NODE_STAKE.toString() },
      votes: { for: "0", against: "0", abstain: "0" },
      quorum: ((3n * NODE_STAKE * 4n) / 100n).toString(),
      quorumReached: false,
      actions: [
        {
          target: getAddress(stack.deployment.contracts.DerivationRules.address),
          value: "0",
          decoded: {
            contract: "DerivationRules",
            functionName: "setRule",
            signature: "setRule(uint256,uint8,uint16,uint32)",
            summary: "rule 2: TIMELINESS ≥ 80%, weight 1.2x",
          },
        },
      ],
    });
    expect(BigInt(proposal.timeline.voteEnd as string) - BigInt(proposal.timeline.voteStart as string)).toBe(
      10n,
    );
    expect(Number(result.data?.proposeRuleChange.gasUsed)).toBeLessThan(150_000);
    expect(await sideEffects(1)).toEqual({ hub: before.hub + 1, governor: before.governor + 1n });

    // Replayed: the same signature again is refused off-chain.
    const replay = await graphql(stack.gatewayUrl, PROPOSE, {
      input,
      authorization: await authorize(1, typed),
    });
    expect(code(replay)).toBe("NOT_AUTHORIZED");
    expect(await sideEffects(1)).toEqual({ hub: before.hub + 1, governor: before.governor + 1n });

    const list = await graphql<{ proposals: { totalCount: number; edges: { node: { id: string } }[] } }>(
      stack.gatewayUrl,
      "{ proposals(first: 5) { totalCount edges { node { id } } } }",
    );
    expect(list.data?.proposals).toEqual({ totalCount: 1, edges: [{ node: { id: proposalId } }] });
  });

  it("votes ×3 by signature once voting opens; a ballot with stake from after the snapshot weighs 0", async () => {
    // Voting opens the block after the snapshot: the next block is the snapshot itself.
    let before = await sideEffects(1);
    expect(code(await vote(1, "FOR"))).toBe("PROPOSAL_STATE");
    expect(await sideEffects(1)).toEqual(before);
    await mine(1);

    const ballot = { proposalId, voter: devAccount(1).address, support: "FOR" };
    const ballotTyped = await voteTyped(ballot);
    const signature = await sign(1, ballotTyped);
    const first = await graphql<{ castVote: { vote: unknown; proposal: Proposal; gasUsed: string } }>(
      stack.gatewayUrl,
      VOTE,
      { input: ballot, signature },
    );
    expect(first.errors).toBeUndefined();
    expect(first.data?.castVote.vote).toEqual({
      voter: { address: devAccount(1).address },
      support: "FOR",
      weight: NODE_STAKE.toString(),
      reason: "",
    });
    expect(first.data?.castVote.proposal.state).toBe("ACTIVE");
    expect(Number(first.data?.castVote.gasUsed)).toBeLessThan(120_000);

    // The same ballot replayed, a second ballot from node 1, a ballot signed by another key, a malformed
    // signature: refused, nothing sent.
    before = await sideEffects(1);
    const replayed = await graphql(stack.gatewayUrl, VOTE, { input: ballot, signature });
    expect(code(replayed)).toBe("NOT_AUTHORIZED");
    expect(extension(replayed, "reason")).toBe("replayed");
    expect(code(await vote(1, "AGAINST"))).toBe("ALREADY_VOTED");
    const input = { proposalId, voter: devAccount(2).address, support: "FOR" };
    const typed = await voteTyped(input);
    const forged = await graphql(stack.gatewayUrl, VOTE, {
      input,
      signature: await sign(3, typed),
    });
    expect(code(forged)).toBe("NOT_AUTHORIZED");
    const malformed = await graphql(stack.gatewayUrl, VOTE, {
      input,
      signature: "0x00",
    });
    expect(code(malformed)).toBe("NOT_AUTHORIZED");
    expect(await sideEffects(1)).toEqual(before);

    expect((await vote(2, "FOR")).data?.castVote.vote.weight).toBe(NODE_STAKE.toString());
    const third = await vote(3, "AGAINST", "keep 85% until more data");
    expect(third.data?.castVote.vote).toMatchObject({
      support: "AGAINST",
      weight: NODE_STAKE.toString(),
      reason: "keep 85% until more data",
    });

    // A fresh account stakes after the snapshot and votes: recorded with weight 0, the tally does not move.
    const latecomer = devAccount(LATECOMER);
    const chain = stack.hub.walletClient.chain;
    const wallet = createWalletClient({ account: latecomer, chain, transport: http(stack.rpcUrl) });
    const era = { address: stack.deployment.contracts.EraToken.address, abi: eraTokenAbi } as const;
    const staking = { address: stack.deployment.contracts.NodeStaking.address, abi: nodeStakingAbi } as const;
    const amount = parseEther("500000");
    const wait = (hash: `0x${string}`) => stack.hub.publicClient.waitForTransactionReceipt({ hash });
    await wait(
      await stack.hub.walletClient.writeContract({
        ...era,
        functionName: "transfer",
        args: [latecomer.address, amount],
        chain,
      }),
    );
    await wait(
      await wallet.writeContract({ ...era, functionName: "approve", args: [staking.address, amount], chain }),
    );
    await wait(await wallet.writeContract({ ...staking, functionName: "stake", args: [amount], chain }));
    await mine(0); // let the indexer catch up with these three transactions
    const late = await vote(LATECOMER, "FOR");
    expect(late.errors).toBeUndefined();
    expect(late.data?.castVote.vote.weight).toBe("0");
    expect(late.data?.castVote.proposal.votes).toEqual({
      for: (2n * NODE_STAKE).toString(),
      against: NODE_STAKE.toString(),
      abstain: "0",
    });
    expect(late.data?.castVote.proposal.quorumReached).toBe(true);
  });

  it("queues only after the voting period, executes only after the timelock delay, then the rule changes", async () => {
    const queue = `mutation($id: ID!) { queueProposal(id: $id) { transactionHash proposal { ${PROPOSAL_FIELDS} } } }`;
    const execute = `mutation($id: ID!) { executeProposal(id: $id) { transactionHash gasUsed proposal { ${PROPOSAL_FIELDS} } } }`;
    let before = await sideEffects(1);
    expect(code(await graphql(stack.gatewayUrl, queue, { id: proposalId }))).toBe("PROPOSAL_STATE");
    expect(await sideEffects(1)).toEqual(before);

    const { timeline } = await readProposal();
    const head = await stack.hub.publicClient.getBlockNumber({ cacheTime: 0 });
    await mine(Number(BigInt(timeline.voteEnd as string) - head));
    expect((await readProposal()).state).toBe("ACTIVE"); // the head is voteEnd: still open in it
    await mine(1);
    const succeeded = await readProposal();
    expect(succeeded.state).toBe("SUCCEEDED");
    expect(succeeded.voteList.totalCount).toBe(4);
    expect(succeeded.voteList.edges.map((e) => e.node)).toContainEqual({
      voter: { address: devAccount(LATECOMER).address },
      support: "FOR",
      weight: "0",
      reason: "",
    });

    const queued = await graphql<{ queueProposal: { proposal: Proposal } }>(stack.gatewayUrl, queue, {
      id: proposalId,
    });
    expect(queued.errors).toBeUndefined();
    const q = queued.data?.queueProposal.proposal as Proposal;
    expect(q.state).toBe("QUEUED");
    expect(Date.parse(q.timeline.eta as string) - Date.parse(q.timeline.queuedAt as string)).toBe(
      2 * 86_400_000,
    );

    before = await sideEffects(1);
    const early = await graphql(stack.gatewayUrl, execute, { id: proposalId });
    expect(code(early)).toBe("TIMELOCK_NOT_READY");
    expect(extension(early, "eta")).toBe(String(Date.parse(q.timeline.eta as string) / 1000));
    expect(await sideEffects(1)).toEqual(before);

    await testClient.increaseTime({ seconds: 2 * 86_400 });
    await mine(1);
    const executed = await graphql<{ executeProposal: { proposal: Proposal } }>(stack.gatewayUrl, execute, {
      id: proposalId,
    });
    expect(executed.errors).toBeUndefined();
    expect(executed.data?.executeProposal.proposal.state).toBe("EXECUTED");

    const rules = await graphql<{
      derivationRules: { id: string; thresholdBps: number; weightBps: number }[];
    }>(stack.gatewayUrl, "{ derivationRules { id thresholdBps weightBps } }");
    expect(rules.data?.derivationRules[1]).toEqual({ id: "2", thresholdBps: 8000, weightBps: 12000 });
    expect(code(await graphql(stack.gatewayUrl, execute, { id: proposalId }))).toBe("PROPOSAL_STATE");
  });

  it("sees a proposal run directly on the timelock (its executor role is open) as EXECUTED, like OpenZeppelin", async () => {
    const input = {
      proposer: devAccount(2).address,
      setFloors: { domain: "INDUSTRIAL", minContinuityBps: 6_000, maxGapSlots: 24 },
    };
    const typed = await proposeTyped(input);
    const proposed = await graphql<{ proposeRuleChange: { proposal: Proposal } }>(stack.gatewayUrl, PROPOSE, {
      input,
      authorization: await authorize(2, typed),
    });
    expect(proposed.errors).toBeUndefined();
    const proposal = proposed.data?.proposeRuleChange.proposal as Proposal;
    expect(proposal.actions[0]?.decoded?.summary).toBe(
      "INDUSTRIAL floors: integrity ≥ 50%, timeliness ≥ 50%, continuity ≥ 60%, longest gap ≤ 24 slots",
    );
    const id = proposal.id;
    await mine(1);
    for (const n of [1, 2]) {
      const ballot = { proposalId: id, voter: devAccount(n).address, support: "FOR" };
      const t = await voteTyped(ballot);
      const voted = await graphql(stack.gatewayUrl, VOTE, {
        input: ballot,
        signature: await sign(n, t),
      });
      expect(voted.errors).toBeUndefined();
    }
    await mine(
      Number(BigInt(proposal.timeline.voteEnd as string) - (await stack.hub.publicClient.getBlockNumber())),
    );
    const queued = await graphql(
      stack.gatewayUrl,
      `mutation($id: ID!) { queueProposal(id: $id) { transactionHash } }`,
      {
        id,
      },
    );
    expect(queued.errors).toBeUndefined();
    await testClient.increaseTime({ seconds: 2 * 86_400 });
    await mine(1);

    // Anyone runs the ready operation on the timelock itself: the governor emits nothing.
    const content = await graphql<{
      proposal: { description: string; actions: { target: string; calldata: `0x${string}` }[] };
    }>(
      stack.gatewayUrl,
      "query($id: ID!) { proposal(id: $id) { description actions { target calldata } } }",
      { id },
    );
    const { description, actions } = (content.data as NonNullable<typeof content.data>).proposal;
    const governor = stack.deployment.contracts.CalderaGovernor.address;
    const salt = toHex(
      BigInt(pad(governor, { dir: "right", size: 32 })) ^ BigInt(keccak256(stringToHex(description))),
      {
        size: 32,
      },
    );
    const anyone = createWalletClient({
      account: devAccount(6),
      chain: stack.hub.walletClient.chain,
      transport: http(stack.rpcUrl),
    });
    const hash = await anyone.writeContract({
      address: stack.deployment.contracts.TimelockController.address,
      abi: timelockControllerAbi,
      functionName: "executeBatch",
      args: [
        actions.map((a) => a.target as `0x${string}`),
        [0n],
        actions.map((a) => a.calldata),
        zeroHash,
        salt,
      ],
      chain: anyone.chain,
    });
    expect((await stack.hub.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    await mine(0);
    const after = await graphql<{
      proposal: { state: string };
      certificationFloors: Record<string, unknown>[];
    }>(
      stack.gatewayUrl,
      "query($id: ID!) { proposal(id: $id) { state } certificationFloors { domain minContinuityBps maxGapSlots } }",
      { id },
    );
    expect(after.data?.proposal.state).toBe("EXECUTED");
    const onChain = await stack.hub.publicClient.readContract({
      address: governor,
      abi: calderaGovernorAbi,
      functionName: "state",
      args: [BigInt(id)],
    });
    expect(onChain).toBe(7); // ProposalState.Executed, though the governor never emitted ProposalExecuted
    expect(after.data?.certificationFloors[1]).toEqual({
      domain: "INDUSTRIAL",
      minContinuityBps: 6000,
      maxGapSlots: 24,
    });
  });

  it("pages votes and refuses foreign cursors", async () => {
    type Page = {
      proposal: {
        voteList: { edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
    };
    const page = `query($id: ID!, $after: String) { proposal(id: $id) { voteList(first: 3, after: $after) {
      edges { cursor } pageInfo { hasNextPage endCursor } } } }`;
    const first = await graphql<Page>(stack.gatewayUrl, page, { id: proposalId });
    expect(first.data?.proposal.voteList.edges).toHaveLength(3);
    expect(first.data?.proposal.voteList.pageInfo.hasNextPage).toBe(true);
    const second = await graphql<Page>(stack.gatewayUrl, page, {
      id: proposalId,
      after: first.data?.proposal.voteList.pageInfo.endCursor,
    });
    expect(second.data?.proposal.voteList.edges).toHaveLength(1);
    expect(second.data?.proposal.voteList.pageInfo.hasNextPage).toBe(false);
    const foreign = await graphql(
      stack.gatewayUrl,
      "query($a: String) { proposals(after: $a) { totalCount } }",
      {
        a: first.data?.proposal.voteList.pageInfo.endCursor,
      },
    );
    expect(code(foreign)).toBe("BAD_USER_INPUT");
  });
});
