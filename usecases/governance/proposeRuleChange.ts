import { type Address, type Hex, parseEventLogs, type TypedDataDefinition } from "viem";
import {
  componentRegistryAbi,
  derivationRulesAbi,
  ecosystemRegistryAbi,
  marginVaultAbi,
} from "../../contracts/generated/abis.js";
import { DEFAULT_SIGNATURE_TTL_SECONDS, type SignedAuthorization } from "../certificationTypedData.js";
import { BadUserInputError, BelowProposalThresholdError, ProposalAlreadyExistsError } from "../errors.js";
import { channelSchemaRegistryOf } from "../evolution/channelSchemaRegistryOf.js";
import { loadSchemaExtensions } from "../evolution/loadSchemaExtensions.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow, verifySignedAuthorization } from "../verifySignedAuthorization.js";
import { type ProposalContent, proposalTypedData } from "./governanceTypedData.js";
import { fromChain, governanceAbi, governorNonce, governorOf, hashProposal, NEXT_BLOCK } from "./governor.js";
import {
  encodeRuleChange,
  type GovernedTargets,
  type RuleChangeInput,
  type RuleReader,
} from "./ruleChanges.js";

export type ProposeRuleChangeInput = RuleChangeInput & {
  /** The node proposing: it signs, the hub relays (CalderaGovernor.proposeBySig). */
  proposer: Address;
  /** Default: the change's summary, the proposer and its governor nonce (so repeating a change is a new proposal). */
  description?: string | null | undefined;
};

/**
 * The proposer's EIP-712 signature over the `Proposal` typed data `proposeRuleChangeTypedData` handed out, and that
 * typed data's deadline (the nonce is the proposer's next governor nonce: the hub derives it, as the contract does).
 */
export type ProposalAuthorization = SignedAuthorization;

/** How long a proposal signature handed out by `prepareRuleChangeProposal` stays valid: one hour. */
export const PROPOSAL_SIGNATURE_TTL_SECONDS = BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
export const MAX_DESCRIPTION_LENGTH = 4_000;

export type PreparedRuleChangeProposal = {
  proposalId: bigint;
  content: ProposalContent;
  summary: string;
  nonce: bigint;
  deadline: bigint;
  typedData: ReturnType<typeof proposalTypedData>;
};

/** The contracts a proposal may call; the circulation ones only where the hub deployed them. */
export function governedTargets(hub: HubServices): GovernedTargets {
  const { contracts } = hub.deployment;
  return {
    derivationRules: contracts.DerivationRules.address,
    derivativeMarket: contracts.DerivativeMarket?.address,
    creditVault: contracts.CreditVault?.address,
    ecosystemRegistry: contracts.EcosystemRegistry?.address,
    riskFeatureRegistry: contracts.RiskFeatureRegistry?.address,
    marginVault: contracts.MarginVault?.address,
    channelSchemaRegistry: channelSchemaRegistryOf(hub.deployment)?.address,
    componentRegistry: contracts.ComponentRegistry?.address,
    evolutionPool: contracts.EvolutionPool?.address,
  };
}

/** Current terms from the chain (DerivationRules is the authority; the indexer may lag a block). */
function ruleReader(hub: HubServices): RuleReader {
  const rules = {
    address: hub.deployment.contracts.DerivationRules.address,
    abi: derivationRulesAbi,
  } as const;
  return {
    rule: async (ruleId) => {
      const count = await fromChain(hub.publicClient.readContract({ ...rules, functionName: "ruleCount" }));
      if (ruleId < 1n || ruleId > count) return undefined;
      return fromChain(hub.publicClient.readContract({ ...rules, functionName: "rule", args: [ruleId] }));
    },
    floors: (domain) =>
      fromChain(hub.publicClient.readContract({ ...rules, functionName: "floorsOf", args: [domain] })),
    ...riskRuleReader(hub),
    schemaExtensions: () => loadSchemaExtensions(hub),
  };
}

/** Current cross-domain risk parameters from the chain, where the hub deployed those contracts. */
function riskRuleReader(hub: HubServices): Partial<RuleReader> {
  const targets = governedTargets(hub);
  const read = <T>(
    address: Address | undefined,
    abi: readonly unknown[],
    functionName: string,
    args: unknown[] = [],
  ) => fromChain(hub.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>);
  const vault = targets.marginVault;
  const registry = targets.ecosystemRegistry;
  const components = targets.componentRegistry;
  return {
    componentParameters:
      components === undefined
        ? undefined
        : async () => {
            const [
              poolShareBps,
              minPledge,
              absorptionCompensation,
              absorptionWindow,
              attestationQuorum,
              minAttesterStake,
            ] = await Promise.all([
              read<number>(components, componentRegistryAbi, "poolShareBps"),
              read<bigint>(components, componentRegistryAbi, "minPledge"),
              read<bigint>(components, componentRegistryAbi, "absorptionCompensation"),
              read<bigint>(components, componentRegistryAbi, "absorptionWindow"),
              read<number>(components, componentRegistryAbi, "attestationQuorum"),
              read<bigint>(components, componentRegistryAbi, "minAttesterStake"),
            ]);
            return {
              poolShareBps,
              minPledge,
              absorptionCompensation,
              absorptionWindow,
              attestationQuorum,
              minAttesterStake,
            };
          },
    marginParameters:
      vault === undefined
        ? undefined
        : async () => {
            const [minMargin, perEcosystemMargin, freezeDeposit, reviewWindow, unlockDelay, caseQuorumBps] =
              await Promise.all([
                read<bigint>(vault, marginVaultAbi, "minMargin"),
                read<bigint>(vault, marginVaultAbi, "perEcosystemMargin"),
                read<bigint>(vault, marginVaultAbi, "freezeDeposit"),
                read<bigint>(vault, marginVaultAbi, "reviewWindow"),
                read<bigint>(vault, marginVaultAbi, "unlockDelay"),
                read<number>(vault, marginVaultAbi, "caseQuorumBps"),
              ]);
            return { minMargin, perEcosystemMargin, freezeDeposit, reviewWindow, unlockDelay, caseQuorumBps };
          },
    ecosystemCount:
      registry === undefined
        ? undefined
        : () => read<number>(registry, ecosystemRegistryAbi, "ecosystemCount"),
    ecosystemOf:
      registry === undefined
        ? undefined
        : (operator) => read<number>(registry, ecosystemRegistryAbi, "ecosystemOf", [operator]),
  };
}

/**
 * The proposal a rule change makes and the typed data its proposer signs, for any nonce: one call to DerivationRules,
 * DerivativeMarket or CreditVault (terms left out keep their current values), checked as the contract will check it. The default description
 * names the proposer and the nonce, so repeating a change makes a new proposal rather than a duplicate.
 */
async function ruleChangeProposalFor(input: ProposeRuleChangeInput, hub: HubServices) {
  const governor = governorOf(hub);
  const { target, calldata, summary } = await encodeRuleChange(input, governedTargets(hub), ruleReader(hub));
  return (nonce: bigint, deadline: bigint): PreparedRuleChangeProposal => {
    const description =
      input.description?.trim() ||
      `${summary}\n\nProposed by ${input.proposer} (governor nonce ${nonce}) through the Caldera hub.`;
    if (description.length > MAX_DESCRIPTION_LENGTH)
      throw new BadUserInputError("description", `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
    const content: ProposalContent = { targets: [target], values: [0n], calldatas: [calldata], description };
    return {
      proposalId: hashProposal(content),
      content,
      summary,
      nonce,
      deadline,
      typedData: proposalTypedData({
        chainId: hub.deployment.chainId,
        governor: governor.address,
        proposer: input.proposer,
        ...content,
        nonce,
        deadline,
      }),
    };
  };
}

/**
 * What `proposeRuleChangeTypedData` hands out: the proposal and its typed data for the proposer's next governor
 * nonce, valid until `deadline` (default: an hour from now on the chain's clock). Nothing is sent.
 */
export async function prepareRuleChangeProposal(
  input: ProposeRuleChangeInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
): Promise<PreparedRuleChangeProposal> {
  const [proposalFor, nonce, now] = await Promise.all([
    ruleChangeProposalFor(input, hub),
    governorNonce(hub, input.proposer),
    chainNow(hub),
  ]);
  return proposalFor(nonce, deadline ?? now + PROPOSAL_SIGNATURE_TTL_SECONDS);
}

export type ProposeRuleChangeParameters = ProposeRuleChangeInput & { authorization: ProposalAuthorization };

export type ProposeRuleChangeReturnType = {
  proposalId: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
  blockNumber: bigint;
};

/**
 * Proposes a rule change for a node that signed it: rebuilds the proposal from the same input, checks the
 * signature over it with the proposer's next governor nonce and its deadline (NOT_AUTHORIZED: "expired",
 * "replayed" or "signature"), the proposer's stake against the proposal threshold at the
 * previous block (BELOW_PROPOSAL_THRESHOLD) and that no identical proposal exists, then relays
 * `CalderaGovernor.proposeBySig` with the hub's signer and returns once the indexer has the proposal.
 */
export async function proposeRuleChange(
  { authorization, ...input }: ProposeRuleChangeParameters,
  hub: HubServices,
): Promise<ProposeRuleChangeReturnType> {
  const [proposalFor, nonce, now] = await Promise.all([
    ruleChangeProposalFor(input, hub),
    governorNonce(hub, input.proposer),
    chainNow(hub),
  ]);
  await verifySignedAuthorization({
    hub,
    signer: input.proposer,
    authorization,
    nonce,
    now,
    typedDataFor: (n) => proposalFor(n, authorization.deadline).typedData as TypedDataDefinition,
    what: "this proposal",
  });
  const prepared = proposalFor(nonce, authorization.deadline);

  const governor = governorOf(hub);
  const head = await fromChain(hub.publicClient.getBlockNumber({ cacheTime: 0 }));
  // propose() reads the proposer's votes at clock() - 1: in the next block, that is the current head.
  const next = { blockTag: NEXT_BLOCK } as const;
  const [threshold, votes, existing] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...governor, functionName: "proposalThreshold", ...next })),
    fromChain(
      hub.publicClient.readContract({
        ...governor,
        functionName: "getVotes",
        args: [input.proposer, head],
        ...next,
      }),
    ),
    fromChain(
      hub.publicClient.readContract({
        ...governor,
        functionName: "proposalSnapshot",
        args: [prepared.proposalId],
        ...next,
      }),
    ),
  ]);
  if (threshold > 0n && votes < threshold)
    throw new BelowProposalThresholdError(input.proposer, votes, threshold);
  if (existing !== 0n) throw new ProposalAlreadyExistsError(prepared.proposalId.toString());

  const { targets, values, calldatas, description } = prepared.content;
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `Proposal ${prepared.proposalId}`,
    call: {
      ...governor,
      functionName: "proposeBySig",
      args: [
        [...targets],
        [...values],
        [...calldatas],
        description,
        input.proposer,
        authorization.deadline,
        authorization.signature,
      ],
      blockTag: NEXT_BLOCK,
    },
  });
  const [created] = parseEventLogs({ abi: governanceAbi, eventName: "ProposalCreated", logs: receipt.logs });
  if (created === undefined)
    throw new Error(`proposeBySig transaction ${receipt.transactionHash} emitted no ProposalCreated`);
  return {
    proposalId: created.args.proposalId,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    blockNumber: receipt.blockNumber,
  };
}
