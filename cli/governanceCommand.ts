import { parseArgs } from "node:util";
import { createPublicClient, http, type TypedDataDefinition } from "viem";
import { BaseError } from "../errors/BaseError.js";
import type { ErrorCode } from "../errors/errorCodes.js";
import { DEV_CHAIN_ID } from "../stack/resolveSigner.js";
import { BadUserInputError } from "../usecases/errors.js";
import { governanceTypedDataFromJson } from "../usecases/governance/governanceTypedData.js";
import { devAccount, signTypedDataAs } from "./devAccounts.js";
import { runningStack } from "./gatewayRequest.js";

const USAGE = `usage:
  caldera governance list [--json]                     proposals, newest first, with state and tallies
  caldera governance rules [--json]                    the derivation rules and certification floors
  caldera governance propose-rule --rule <id> [--threshold <bps>] [--weight <bps>] [--attribute INTEGRITY|TIMELINESS|CONTINUITY]
                                  [--as <n>] [--description <text>]
  caldera governance vote <proposalId> for|against|abstain [--as <n>] [--reason <text>]
  caldera governance queue <proposalId>
  caldera governance execute <proposalId>
--as <n> signs with anvil dev account n (default 1; the dev nodes are 1, 2, 3) — on the dev chain (31337) only.
On the dev chain, vote/queue/execute first mine blocks or advance time when the vote or the timelock needs it.`;

/** Where the commands send their GraphQL (the gateway, as a frontend does) and, on the dev chain, RPC for time. */
export type GovernanceCliContext = {
  gatewayUrl: string;
  rpcUrl: string;
  chainId: number;
  out: (line: string) => void;
};

/** `caldera governance …` against the running stack (the run file `caldera up` keeps). */
export async function governanceCommand(args: string[]): Promise<number> {
  const verb = args[0] ?? "";
  if (!["list", "rules", "propose-rule", "vote", "queue", "execute"].includes(verb)) {
    process.stderr.write(`${USAGE}\n`);
    return ["", "help", "--help"].includes(verb) ? 0 : 2;
  }
  const { gatewayUrl, rpcUrl, chainId } = runningStack();
  return runGovernance(args, {
    gatewayUrl,
    rpcUrl,
    chainId,
    out: (line) => process.stdout.write(`${line}\n`),
  });
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      rule: { type: "string" },
      threshold: { type: "string" },
      weight: { type: "string" },
      attribute: { type: "string" },
      as: { type: "string", default: "1" },
      description: { type: "string" },
      reason: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
}

export async function runGovernance(args: string[], context: GovernanceCliContext): Promise<number> {
  const [verb, ...rest] = args;
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(rest);
  } catch (error) {
    process.stderr.write(`caldera governance: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  switch (verb) {
    case "list":
      return list(context, values.json === true);
    case "rules":
      return rules(context, values.json === true);
    case "propose-rule":
      return proposeRule(context, values);
    case "vote":
      return vote(context, positionals, values);
    case "queue":
    case "execute":
      if (positionals[0] === undefined) break;
      return verb === "queue" ? queue(context, positionals[0]) : execute(context, positionals[0]);
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

// ------------------------------------------------------------------ GraphQL through the gateway

type GraphQLErrorBody = { message: string; extensions?: { code?: string } & Record<string, unknown> };

async function request<T>(
  context: GovernanceCliContext,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(context.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  }).catch((error: unknown) => {
    throw new BaseError(`the gateway at ${context.gatewayUrl} does not answer (${String(error)})`, {
      code: "STACK_NOT_RUNNING",
    });
  });
  const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: GraphQLErrorBody[] };
  const error = body.errors?.[0];
  if (error !== undefined || body.data === undefined || body.data === null) {
    const { code, ...details } = error?.extensions ?? {};
    throw new BaseError(error?.message ?? `the gateway answered HTTP ${response.status} without data`, {
      code: (code as ErrorCode | undefined) ?? "INTERNAL_SERVER_ERROR",
      details,
    });
  }
  return body.data;
}

const PROPOSAL_FIELDS = `
  id state stateAtBlock description
  proposer { address }
  votes { for against abstain }
  quorum quorumReached
  timeline { createdBlock voteStart voteEnd queuedAt eta executedAt }
  actions { target decoded { functionName summary } }`;

type ProposalView = {
  id: string;
  state: string;
  stateAtBlock: string;
  description: string;
  proposer: { address: string };
  votes: { for: string; against: string; abstain: string };
  quorum: string;
  quorumReached: boolean;
  timeline: {
    createdBlock: string;
    voteStart: string;
    voteEnd: string;
    queuedAt: string | null;
    eta: string | null;
    executedAt: string | null;
  };
  actions: { target: string; decoded: { functionName: string; summary: string | null } | null }[];
};

async function loadProposal(context: GovernanceCliContext, id: string): Promise<ProposalView> {
  const { proposal } = await request<{ proposal: ProposalView | null }>(
    context,
    `query($id: ID!) { proposal(id: $id) { ${PROPOSAL_FIELDS} } }`,
    { id },
  );
  if (proposal === null)
    throw new BaseError(`no proposal ${id} is indexed (see \`npx caldera governance list\`)`, {
      code: "UNKNOWN_PROPOSAL",
    });
  return proposal;
}

const era = (wei: string) => {
  const whole = BigInt(wei) / 10n ** 18n;
  const fraction = (BigInt(wei) % 10n ** 18n).toString().padStart(18, "0").slice(0, 2).replace(/0+$/, "");
  return `${whole.toLocaleString("en-US")}${fraction ? `.${fraction}` : ""} ERA`;
};

function printProposal(context: GovernanceCliContext, p: ProposalView) {
  const { out } = context;
  out(`  proposal  ${p.id}`);
  out(`  state     ${p.state} (at block ${p.stateAtBlock})`);
  out(`  proposer  ${p.proposer.address}`);
  for (const action of p.actions)
    out(
      `  action    ${action.decoded?.summary ?? action.decoded?.functionName ?? "call"} → ${action.target}`,
    );
  out(
    `  votes     for ${era(p.votes.for)}, against ${era(p.votes.against)}, abstain ${era(p.votes.abstain)}; quorum ${era(p.quorum)} (${p.quorumReached ? "reached" : "not reached"})`,
  );
  out(
    `  voting    blocks ${BigInt(p.timeline.voteStart) + 1n}–${p.timeline.voteEnd}${p.timeline.eta ? `; executable from ${p.timeline.eta}` : ""}`,
  );
}

function printLookHint(context: GovernanceCliContext, id: string) {
  context.out(`Look at it through the gateway (${context.gatewayUrl}):`);
  context.out(
    `  query { proposal(id: "${id}") { state votes { for against abstain } quorum timeline { voteStart voteEnd queuedAt eta executedAt } voteList { edges { node { voter { address } support weight } } } } }`,
  );
}

// ------------------------------------------------------------------ dev chain: time and blocks

function requireDevChain(context: GovernanceCliContext, what: string) {
  if (context.chainId !== DEV_CHAIN_ID)
    throw new BaseError(
      `the stack runs chain ${context.chainId}; ${what} signs with anvil's public dev keys, which only chain ${DEV_CHAIN_ID} accepts`,
      { code: "SIGNER_MISCONFIGURED" },
    );
}

function devChain(context: GovernanceCliContext) {
  const client = createPublicClient({ transport: http(context.rpcUrl) });
  return {
    head: () => client.getBlockNumber({ cacheTime: 0 }),
    latest: () => client.getBlock({ blockTag: "latest" }),
    mine: (blocks: bigint) =>
      client.request({ method: "anvil_mine" as never, params: [`0x${blocks.toString(16)}`] as never }),
    increaseTime: (seconds: bigint) =>
      client.request({ method: "evm_increaseTime" as never, params: [Number(seconds)] as never }),
    evmMine: () => client.request({ method: "evm_mine" as never, params: [] as never }),
  };
}

/** After mining: wait until the indexer has the chain head, so the next request sees (and may send after) it. */
async function waitIndexed(context: GovernanceCliContext, block: bigint, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { governanceSettings } = await request<{ governanceSettings: { indexedBlock: string } }>(
      context,
      "{ governanceSettings { indexedBlock } }",
    );
    if (BigInt(governanceSettings.indexedBlock) >= block) return;
    if (Date.now() > deadline)
      throw new BaseError(`the indexer did not reach block ${block} within ${timeoutMs / 1000} s`, {
        code: "INDEXER_UNAVAILABLE",
      });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** On the dev chain, mine until the next block is past `block` (a transaction sent now lands after it). */
async function mineUntilAfter(context: GovernanceCliContext, block: bigint, why: string) {
  if (context.chainId !== DEV_CHAIN_ID) return;
  const chain = devChain(context);
  const head = await chain.head();
  if (head + 1n > block) return;
  const blocks = block - head;
  await chain.mine(blocks);
  context.out(`dev chain: mined ${blocks} block(s) with anvil_mine, to block ${head + blocks}: ${why}`);
  await waitIndexed(context, head + blocks);
}

const isoSeconds = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

function duration(seconds: bigint): string {
  const days = seconds / 86_400n;
  const hours = (seconds % 86_400n) / 3_600n;
  const minutes = (seconds % 3_600n) / 60n;
  const rest = seconds % 60n;
  return (
    [days && `${days} d`, hours && `${hours} h`, minutes && `${minutes} min`, rest && `${rest} s`]
      .filter(Boolean)
      .join(" ") || "0 s"
  );
}

// ------------------------------------------------------------------ commands

async function list(context: GovernanceCliContext, json: boolean): Promise<number> {
  const { proposals } = await request<{ proposals: { totalCount: number; edges: { node: ProposalView }[] } }>(
    context,
    `{ proposals(first: 20) { totalCount edges { node { ${PROPOSAL_FIELDS} } } } }`,
  );
  if (json) {
    context.out(JSON.stringify(proposals, null, 2));
    return 0;
  }
  context.out(`${proposals.totalCount} proposal(s), newest first`);
  for (const { node } of proposals.edges) {
    printProposal(context, node);
    context.out("");
  }
  return 0;
}

async function rules(context: GovernanceCliContext, json: boolean): Promise<number> {
  const data = await request<{
    derivationRules: {
      id: string;
      domain: string;
      kind: string;
      attribute: string;
      thresholdBps: number;
      weightBps: number;
      active: boolean;
    }[];
    certificationFloors: {
      domain: string;
      minIntegrityBps: number;
      minTimelinessBps: number;
      minContinuityBps: number;
      maxGapSlots: number;
    }[];
  }>(
    context,
    `{ derivationRules { id domain kind attribute thresholdBps weightBps active }
       certificationFloors { domain minIntegrityBps minTimelinessBps minContinuityBps maxGapSlots } }`,
  );
  if (json) {
    context.out(JSON.stringify(data, null, 2));
    return 0;
  }
  context.out("derivation rules:");
  for (const r of data.derivationRules)
    context.out(
      `  rule ${r.id}  ${r.domain} ${r.kind}: ${r.attribute} ≥ ${r.thresholdBps} bps, weight ${r.weightBps} bps${r.active ? "" : " (inactive)"}`,
    );
  context.out("certification floors:");
  for (const f of data.certificationFloors)
    context.out(
      `  ${f.domain}: integrity ≥ ${f.minIntegrityBps}, timeliness ≥ ${f.minTimelinessBps}, continuity ≥ ${f.minContinuityBps} bps, gap ≤ ${f.maxGapSlots} slots`,
    );
  return 0;
}

function signerIndex(value: string | undefined): number {
  const n = Number(value ?? "1");
  if (!Number.isInteger(n) || n < 0 || n > 9) throw new BadUserInputError("--as", "must be 0 to 9");
  return n;
}

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new BadUserInputError(`--${name}`, "must be a whole number");
  return Number(value);
}

/** The server's typed data, rebuilt locally with the shared builders and checked to be what this command asked. */
function checkedTypedData(
  json: unknown,
  expected: { primaryType: string; signer: string },
): TypedDataDefinition {
  const typedData = governanceTypedDataFromJson(json);
  const message = typedData.message as { proposer?: string; voter?: string };
  const signer = message.proposer ?? message.voter;
  if (!typedData.primaryType.endsWith(expected.primaryType) || signer !== expected.signer)
    throw new BaseError("the gateway returned typed data for something else; nothing was signed", {
      code: "NOT_AUTHORIZED",
    });
  return typedData as TypedDataDefinition;
}

async function proposeRule(
  context: GovernanceCliContext,
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  requireDevChain(context, "propose-rule");
  const n = signerIndex(values.as as string | undefined);
  const ruleId = values.rule as string | undefined;
  if (ruleId === undefined || !/^\d+$/.test(ruleId))
    throw new BadUserInputError("--rule", "is required: the id of the rule to change");
  const attribute = (values.attribute as string | undefined)?.toUpperCase();
  const input = {
    proposer: devAccount(n).address,
    setRule: {
      ruleId,
      thresholdBps: intOption("threshold", values.threshold as string | undefined),
      weightBps: intOption("weight", values.weight as string | undefined),
      ...(attribute === undefined ? {} : { attribute }),
    },
    ...(values.description === undefined ? {} : { description: values.description }),
  };
  const { proposeRuleChangeTypedData: prepared } = await request<{
    proposeRuleChangeTypedData: {
      typedData: { message: { nonce: unknown; deadline: unknown } };
      proposalId: string;
    };
  }>(
    context,
    `query($input: ProposeRuleChangeInput!) {
       proposeRuleChangeTypedData(input: $input) { typedData { domain types primaryType message } proposalId }
     }`,
    { input },
  );
  const typedData = checkedTypedData(prepared.typedData, { primaryType: "Proposal", signer: input.proposer });
  const { nonce, deadline } = typedData.message as { nonce: bigint; deadline: bigint };
  const signature = await signTypedDataAs(n, typedData);
  context.out(
    `dev account ${n} (${input.proposer}) signed the Proposal (governor nonce ${nonce}, valid until ${isoSeconds(deadline)})`,
  );
  const { proposeRuleChange } = await request<{
    proposeRuleChange: { proposal: ProposalView; transactionHash: string; gasUsed: string };
  }>(
    context,
    `mutation($input: ProposeRuleChangeInput!, $authorization: SignedAuthorization!) {
       proposeRuleChange(input: $input, authorization: $authorization) {
         transactionHash gasUsed proposal { ${PROPOSAL_FIELDS} }
       }
     }`,
    { input, authorization: { signature, deadline: deadline.toString() } },
  );
  context.out(
    `proposed through the hub (it relayed proposeBySig and paid ${proposeRuleChange.gasUsed} gas): ${proposeRuleChange.transactionHash}`,
  );
  printProposal(context, proposeRuleChange.proposal);
  context.out(
    `Next: npx caldera governance vote ${proposeRuleChange.proposal.id} for --as 1 (and --as 2, --as 3)`,
  );
  printLookHint(context, proposeRuleChange.proposal.id);
  return 0;
}

const SUPPORT: Record<string, string> = { for: "FOR", against: "AGAINST", abstain: "ABSTAIN" };

async function vote(
  context: GovernanceCliContext,
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
): Promise<number> {
  const [proposalId, supportWord] = positionals;
  const support = SUPPORT[supportWord?.toLowerCase() ?? ""];
  if (proposalId === undefined || support === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  requireDevChain(context, "vote");
  const n = signerIndex(values.as as string | undefined);
  const proposal = await loadProposal(context, proposalId);
  await mineUntilAfter(
    context,
    BigInt(proposal.timeline.voteStart),
    `voting opens after the snapshot block ${proposal.timeline.voteStart}`,
  );
  const input = {
    proposalId,
    voter: devAccount(n).address,
    support,
    ...(values.reason === undefined ? {} : { reason: values.reason }),
  };
  const { castVoteTypedData: prepared } = await request<{ castVoteTypedData: { typedData: unknown } }>(
    context,
    "query($input: CastVoteInput!) { castVoteTypedData(input: $input) { typedData { domain types primaryType message } } }",
    { input },
  );
  const typedData = checkedTypedData(prepared.typedData, { primaryType: "Ballot", signer: input.voter });
  const signature = await signTypedDataAs(n, typedData);
  context.out(
    `dev account ${n} (${input.voter}) signed the ballot ${support} (governor nonce ${(typedData.message as { nonce: bigint }).nonce})`,
  );
  const { castVote } = await request<{
    castVote: {
      proposal: ProposalView;
      vote: { weight: string; support: string };
      transactionHash: string;
      gasUsed: string;
    };
  }>(
    context,
    `mutation($input: CastVoteInput!, $signature: Bytes!) {
       castVote(input: $input, signature: $signature) {
         transactionHash gasUsed vote { support weight } proposal { ${PROPOSAL_FIELDS} }
       }
     }`,
    { input, signature },
  );
  context.out(
    `voted ${castVote.vote.support} with ${era(castVote.vote.weight)} of stake at the snapshot (the hub relayed castVoteBySig, ${castVote.gasUsed} gas): ${castVote.transactionHash}`,
  );
  printProposal(context, castVote.proposal);
  printLookHint(context, proposalId);
  return 0;
}

async function queue(context: GovernanceCliContext, proposalId: string): Promise<number> {
  const proposal = await loadProposal(context, proposalId);
  await mineUntilAfter(
    context,
    BigInt(proposal.timeline.voteEnd),
    `the voting period ended with block ${proposal.timeline.voteEnd}`,
  );
  const { queueProposal } = await request<{
    queueProposal: { proposal: ProposalView; transactionHash: string; gasUsed: string };
  }>(
    context,
    `mutation($id: ID!) { queueProposal(id: $id) { transactionHash gasUsed proposal { ${PROPOSAL_FIELDS} } } }`,
    { id: proposalId },
  );
  context.out(`queued in the timelock (${queueProposal.gasUsed} gas): ${queueProposal.transactionHash}`);
  printProposal(context, queueProposal.proposal);
  context.out(`Next: npx caldera governance execute ${proposalId}`);
  printLookHint(context, proposalId);
  return 0;
}

async function execute(context: GovernanceCliContext, proposalId: string): Promise<number> {
  const proposal = await loadProposal(context, proposalId);
  const eta = proposal.timeline.eta === null ? undefined : BigInt(Date.parse(proposal.timeline.eta) / 1000);
  if (context.chainId === DEV_CHAIN_ID && eta !== undefined && proposal.state === "QUEUED") {
    const chain = devChain(context);
    const { timestamp } = await chain.latest();
    if (timestamp < eta) {
      await chain.increaseTime(eta - timestamp);
      await chain.evmMine();
      const head = await chain.head();
      context.out(
        `dev chain: advanced the chain's clock by ${duration(eta - timestamp)} (evm_increaseTime + evm_mine) to ${isoSeconds(eta)}, when the timelock delay has passed`,
      );
      await waitIndexed(context, head);
    }
  }
  const { executeProposal } = await request<{
    executeProposal: { proposal: ProposalView; transactionHash: string; gasUsed: string };
  }>(
    context,
    `mutation($id: ID!) { executeProposal(id: $id) { transactionHash gasUsed proposal { ${PROPOSAL_FIELDS} } } }`,
    { id: proposalId },
  );
  context.out(
    `executed through the timelock (${executeProposal.gasUsed} gas): ${executeProposal.transactionHash}`,
  );
  printProposal(context, executeProposal.proposal);
  context.out(
    "The rules now: npx caldera governance rules  (GraphQL: query { derivationRules { id kind attribute thresholdBps weightBps active } })",
  );
  return 0;
}
