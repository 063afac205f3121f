import type { Address, Hex } from "viem";
import { IndexerBehindError, UnknownProposalError } from "../usecases/errors.js";
import { castVote, prepareVote } from "../usecases/governance/castVote.js";
import { executeProposal } from "../usecases/governance/executeProposal.js";
import { type VoteSupportName, voteSupportNames } from "../usecases/governance/governanceTypedData.js";
import {
  type ProposalFacts,
  proposalQuorum,
  proposalState,
  quorumReached,
} from "../usecases/governance/proposalState.js";
import {
  governedTargets,
  type ProposeRuleChangeInput,
  prepareRuleChangeProposal,
  proposeRuleChange,
} from "../usecases/governance/proposeRuleChange.js";
import { queueProposal } from "../usecases/governance/queueProposal.js";
import {
  attributeNames,
  decodeGovernanceAction,
  domainNames,
  kindNames,
} from "../usecases/governance/ruleChanges.js";
import {
  ADDRESS_KEY,
  checkPageSize,
  decodeCursorKeys,
  encodeCursorOf,
  type TotalCount,
  toConnection,
  UINT_KEY,
} from "./connection.js";
import type {
  CertificationFloorRow,
  DerivationRuleRow,
  ProposalRow,
  VoteRow,
} from "./createGovernanceLoaders.js";
import type { SubgraphContext } from "./SubgraphContext.js";

type PageArgs = { first?: number | null; after?: string | null };

// ------------------------------------------------------------------ cursors

/** Opaque keyset cursors: `<entity>:<key>:<key>`, base64url (connection.ts). A cursor of one list fits no other. */
const encodeCursor = encodeCursorOf;
const decodeCursor = decodeCursorKeys;
const UINT = UINT_KEY;
const ADDRESS = ADDRESS_KEY;

function connection<T>(
  rows: T[],
  hasNextPage: boolean,
  hasPreviousPage: boolean,
  cursorOf: (row: T) => string,
  totalCount: () => Promise<TotalCount>,
) {
  // `totalCount` stays a resolver: counted only when a client selects it.
  return toConnection({ rows, hasNextPage, hasPreviousPage, cursorOf, totalCount });
}

// ------------------------------------------------------------------ helpers

const lower = (address: string) => address.toLowerCase() as `0x${string}`;

/** What the governor's state() needs, from an indexed proposal row. */
export function factsOf(row: ProposalRow): ProposalFacts {
  return {
    voteStart: BigInt(row.voteStart),
    voteEnd: BigInt(row.voteEnd),
    forVotes: BigInt(row.forVotes),
    againstVotes: BigInt(row.againstVotes),
    abstainVotes: BigInt(row.abstainVotes),
    etaSeconds: row.etaSeconds === null ? null : BigInt(row.etaSeconds),
    executed: row.executedAt !== null,
    canceled: row.canceledAt !== null,
    snapshotTotalStake: BigInt(row.snapshotTotalStake),
    quorumNumerator: BigInt(row.quorumNumerator),
  };
}

function governedContracts({ hub }: SubgraphContext) {
  return { ...governedTargets(hub), governor: hub.deployment.contracts.CalderaGovernor.address };
}

type ActionSource = {
  targets: readonly string[];
  values: readonly (string | bigint)[];
  calldatas: readonly Hex[];
};

function actionsOf({ targets, values, calldatas }: ActionSource, context: SubgraphContext) {
  return targets.map((target, i) => {
    const calldata = calldatas[i] as Hex;
    const decoded = decodeGovernanceAction({ target, calldata }, governedContracts(context));
    return {
      target,
      value: String(values[i] ?? "0"),
      calldata,
      decoded: decoded === undefined ? null : { ...decoded, arguments: decoded.args },
    };
  });
}

async function loadProposal(id: string, { loaders }: SubgraphContext): Promise<ProposalRow | null> {
  if (!UINT.test(id)) return null;
  return (await loaders.proposalById.load(id)) ?? null;
}

/** After a write: drop what this request cached and read the proposal again (the indexer has the block). */
async function reloadProposal(id: bigint, transactionHash: Hex, { loaders }: SubgraphContext) {
  loaders.proposalById.clear(id.toString());
  const row = await loaders.proposalById.load(id.toString());
  if (row === undefined)
    throw new IndexerBehindError(`Proposal ${id}`, transactionHash, { proposalId: id.toString() });
  return row;
}

/** The content queue and execute send again, from the indexer (the governor keeps only its hash). */
async function indexedContent(id: string, context: SubgraphContext) {
  const row = await loadProposal(id, context);
  if (row === null) throw new UnknownProposalError(id);
  return {
    proposalId: row.id,
    content: {
      targets: row.targets as Address[],
      values: row.values.map(BigInt),
      calldatas: row.calldatas,
      description: row.description,
    },
  };
}

type CastVoteArgs = {
  input: { proposalId: string; voter: Address; support: VoteSupportName; reason?: string | null };
};
type ProposeArgs = { input: ProposeRuleChangeInput };

// ------------------------------------------------------------------ resolvers

export const governanceResolvers = {
  Query: {
    derivationRules: (_: unknown, __: unknown, { loaders }: SubgraphContext) =>
      loaders.derivationRules.load("all"),
    certificationFloors: (_: unknown, __: unknown, { loaders }: SubgraphContext) =>
      loaders.certificationFloors.load("all"),
    proposals: async (_: unknown, { first, after }: PageArgs, { loaders }: SubgraphContext) => {
      const position = decodeCursor("proposal", after, [UINT, UINT]);
      const size = checkPageSize(first);
      const { rows, hasNextPage } = await loaders.proposalPage.load({
        first: size,
        after: position && { createdBlock: position[0] as string, id: position[1] as string },
      });
      return connection(
        rows,
        hasNextPage,
        position !== undefined,
        (row) => encodeCursor("proposal", row.createdBlock, row.id),
        () => loaders.proposalCount.load("all"),
      );
    },
    proposal: (_: unknown, { id }: { id: string }, context: SubgraphContext) => loadProposal(id, context),
    nodes: async (_: unknown, { first, after }: PageArgs, { loaders }: SubgraphContext) => {
      const position = decodeCursor("node", after, [UINT, ADDRESS]);
      const size = checkPageSize(first);
      const { rows, hasNextPage } = await loaders.nodePage.load({
        first: size,
        after: position && { staked: position[0] as string, account: position[1] as string },
      });
      const page = connection(
        rows,
        hasNextPage,
        position !== undefined,
        (row) => encodeCursor("node", row.staked, row.account),
        () => loaders.nodeCount.load("all"),
      );
      // A StakingNode is a reference by address; its fields come through the stake loader (already primed here).
      for (const row of rows) loaders.stakeByAddress.prime(row.account, row);
      return {
        ...page,
        edges: page.edges.map(({ cursor, node }) => ({ cursor, node: { address: node.account } })),
      };
    },
    stakingNode: (_: unknown, { address }: { address: string }) => ({ address }),
    governanceSettings: async (_: unknown, __: unknown, { loaders, hub }: SubgraphContext) => {
      const { settings, totalStaked, headBlock } = await loaders.governanceSettings.load("all");
      const contracts = hub.deployment.contracts;
      const setting = (name: string, fallback: number | string) => settings[name] ?? String(fallback);
      return {
        chainId: hub.deployment.chainId,
        governor: contracts.CalderaGovernor.address,
        timelock: contracts.TimelockController.address,
        derivationRules: contracts.DerivationRules.address,
        votingDelayBlocks: Number(setting("voting_delay", hub.deployment.governance.votingDelayBlocks)),
        votingPeriodBlocks: Number(setting("voting_period", hub.deployment.governance.votingPeriodBlocks)),
        proposalThreshold: setting("proposal_threshold", hub.deployment.governance.proposalThreshold),
        quorumPercent: Number(setting("quorum_numerator", hub.deployment.governance.quorumPercent)),
        timelockDelaySeconds: Number(
          setting("timelock_delay", hub.deployment.governance.timelockDelaySeconds),
        ),
        totalStaked,
        indexedBlock: headBlock,
      };
    },
    proposeRuleChangeTypedData: async (
      _: unknown,
      { input, deadline }: ProposeArgs & { deadline?: number | null },
      context: SubgraphContext,
    ) => {
      const prepared = await prepareRuleChangeProposal(input, context.hub, {
        deadline: deadline === null || deadline === undefined ? undefined : BigInt(deadline),
      });
      return {
        typedData: prepared.typedData,
        proposalId: prepared.proposalId.toString(),
        description: prepared.content.description,
        actions: actionsOf(prepared.content, context),
      };
    },
    castVoteTypedData: async (_: unknown, { input }: CastVoteArgs, { hub }: SubgraphContext) => {
      const prepared = await prepareVote(input, hub);
      return {
        typedData: prepared.typedData,
        proposalId: prepared.proposalId.toString(),
        voteEnd: prepared.voteEnd,
      };
    },
  },
  Mutation: {
    proposeRuleChange: async (
      _: unknown,
      { input, authorization }: ProposeArgs & { authorization: { signature: Hex; deadline: bigint } },
      context: SubgraphContext,
    ) => {
      const result = await proposeRuleChange(
        {
          ...input,
          authorization: { signature: authorization.signature, deadline: BigInt(authorization.deadline) },
        },
        context.hub,
      );
      return {
        ...result,
        proposal: await reloadProposal(result.proposalId, result.transactionHash, context),
      };
    },
    castVote: async (
      _: unknown,
      { input, signature }: CastVoteArgs & { signature: Hex },
      context: SubgraphContext,
    ) => {
      const result = await castVote({ ...input, signature }, context.hub);
      const proposal = await reloadProposal(result.proposalId, result.transactionHash, context);
      const vote = await context.loaders.voteByKey.load(`${result.proposalId}:${lower(result.voter)}`);
      if (vote === undefined)
        throw new IndexerBehindError(`The vote of ${result.voter}`, result.transactionHash);
      return { ...result, proposal, vote };
    },
    queueProposal: async (_: unknown, { id }: { id: string }, context: SubgraphContext) => {
      const result = await queueProposal(await indexedContent(id, context), context.hub);
      return {
        ...result,
        proposal: await reloadProposal(result.proposalId, result.transactionHash, context),
      };
    },
    executeProposal: async (_: unknown, { id }: { id: string }, context: SubgraphContext) => {
      const result = await executeProposal(await indexedContent(id, context), context.hub);
      return {
        ...result,
        proposal: await reloadProposal(result.proposalId, result.transactionHash, context),
      };
    },
  },
  DerivationRule: {
    domain: (row: DerivationRuleRow) => domainNames[row.domain],
    kind: (row: DerivationRuleRow) => kindNames[row.kind],
    attribute: (row: DerivationRuleRow) => attributeNames[row.attribute],
  },
  CertificationFloor: {
    domain: (row: CertificationFloorRow) => domainNames[row.domain],
  },
  StakingNode: {
    __resolveReference: ({ address }: { address: string }) => ({ address }),
    staked: async ({ address }: { address: string }, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.stakeByAddress.load(lower(address)))?.staked ?? "0",
    pendingUnstake: async ({ address }: { address: string }, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.stakeByAddress.load(lower(address)))?.pendingUnstake ?? "0",
    unlockAt: async ({ address }: { address: string }, _: unknown, { loaders }: SubgraphContext) =>
      (await loaders.stakeByAddress.load(lower(address)))?.unlockAt ?? null,
  },
  Proposal: {
    __resolveReference: ({ id }: { id: string }, context: SubgraphContext) => loadProposal(id, context),
    proposer: (row: ProposalRow) => ({ address: row.proposer }),
    actions: (row: ProposalRow, _: unknown, context: SubgraphContext) => actionsOf(row, context),
    state: (row: ProposalRow) => proposalState(factsOf(row), BigInt(row.headBlock)),
    stateAtBlock: (row: ProposalRow) => row.headBlock,
    votes: (row: ProposalRow) => ({
      for: row.forVotes,
      against: row.againstVotes,
      abstain: row.abstainVotes,
    }),
    quorum: (row: ProposalRow) => proposalQuorum(factsOf(row)),
    quorumReached: (row: ProposalRow) => quorumReached(factsOf(row)),
    timeline: (row: ProposalRow) => ({
      createdAt: row.createdAt,
      createdBlock: row.createdBlock,
      voteStart: row.voteStart,
      voteEnd: row.voteEnd,
      queuedAt: row.queuedAt,
      eta: row.etaSeconds,
      executedAt: row.executedAt,
      canceledAt: row.canceledAt,
    }),
    voteList: async (row: ProposalRow, { first, after }: PageArgs, { loaders }: SubgraphContext) => {
      const position = decodeCursor("vote", after, [UINT, ADDRESS]);
      const size = checkPageSize(first);
      const { rows, hasNextPage } = await loaders.votePage.load({
        proposalId: row.id,
        first: size,
        after: position && { blockNumber: position[0] as string, voter: position[1] as string },
      });
      return connection(
        rows,
        hasNextPage,
        position !== undefined,
        (vote) => encodeCursor("vote", vote.blockNumber, vote.voter),
        () => loaders.voteCount.load(row.id),
      );
    },
  },
  Vote: {
    voter: (row: VoteRow) => ({ address: row.voter }),
    support: (row: VoteRow) => voteSupportNames[row.support],
    castAt: (row: VoteRow) => row.timestamp,
  },
};
