import { decodeFunctionData, type Hex, type LocalAccount, type TypedDataDefinition } from "viem";
import { channelSchemaRegistryAbi } from "../../contracts/generated/abis.js";
import type { ChannelSchema } from "../../prover/channelSchema.js";
import { loadChannelSchema } from "../../prover/loadChannelSchema.js";
import { fromChain, governorOf, proposalOnChain } from "../governance/governor.js";
import type { ProposalStateName } from "../governance/proposalState.js";
import { prepareRuleChangeProposal, proposeRuleChange } from "../governance/proposeRuleChange.js";
import type { HubServices } from "../HubServices.js";
import { channelSchemaRegistryOf } from "./channelSchemaRegistryOf.js";
import { SCHEMA_EXTENSION_MIN_CARRYING, type SchemaExtensionCandidate } from "./detectSchemaExtensions.js";
import { extendChannelSchema } from "./extendChannelSchema.js";
import { inferChannelDecimals } from "./inferChannelDecimals.js";
import { loadSchemaExtensions } from "./loadSchemaExtensions.js";

/** Decimals of a new channel when the validator recorded none of its values (soil-moisture's precision). */
export const FALLBACK_CHANNEL_DECIMALS = 3;

/** Proposal states in which an extension is still on its way or done: never file another beside it. */
const LIVE_STATES: readonly ProposalStateName[] = ["PENDING", "ACTIVE", "SUCCEEDED", "QUEUED", "EXECUTED"];

export type ProposeSchemaExtensionOptions = {
  /** The staked node account the hub proposes as (it signs the Proposal typed data; the hub relays). */
  proposer: LocalAccount;
  /** After the nodes refused one: carrying submissions needed since (default SCHEMA_EXTENSION_MIN_CARRYING). */
  freshEvidence?: number | undefined;
};

/** An `approveExtension` proposal already on the governor, with its state in the next block. */
export type SchemaExtensionProposalOnChain = {
  proposalId: bigint;
  state: ProposalStateName;
  baseSchemaHash: Hex;
  extendedSchemaHash: Hex;
  schemaId: string;
  definition: string;
  /** Unix seconds of the block that created it. */
  createdAt: bigint;
};

export type ProposeSchemaExtensionReturnType =
  | {
      outcome: "PROPOSED";
      proposalId: bigint;
      transactionHash: Hex;
      schema: ChannelSchema;
      baseSchemaHash: Hex;
      extendedSchemaHash: Hex;
    }
  | {
      outcome: "SKIPPED";
      /** Why nothing was filed (an extension of the base with this channel is live, or approved already). */
      reason: string;
      proposalId?: bigint | undefined;
    };

/**
 * Files the governance proposal a detected channel calls for, once: the extended schema generated from the base and
 * the channel (appended last; decimals inferred from the observed values, ≤ 9; unit "unspecified"), both hashes from
 * `prover/channelSchemaHash.ts`, and one action, `ChannelSchemaRegistry.approveExtension(baseHash, extendedHash, id,
 * definition)`, with the evidence in the description. Skipped — nothing signed or sent — while a proposal adding this
 * channel to this base is pending, active, succeeded, queued or executed, when an approved extension already adds
 * it, or after the nodes refused one (defeated, canceled) until as much fresh evidence as the detector needs has
 * arrived since. The proposer signs, the hub relays (`proposeRuleChange`: the proposer's stake must meet the
 * proposal threshold).
 */
export async function proposeSchemaExtension(
  candidate: SchemaExtensionCandidate,
  hub: HubServices,
  { proposer, freshEvidence = SCHEMA_EXTENSION_MIN_CARRYING }: ProposeSchemaExtensionOptions,
): Promise<ProposeSchemaExtensionReturnType> {
  if (channelSchemaRegistryOf(hub.deployment) === undefined)
    return { outcome: "SKIPPED", reason: "no ChannelSchemaRegistry is deployed" };
  // A base may itself be an approved extension: load them so it resolves by id.
  const approved = await loadSchemaExtensions(hub);
  const base = loadChannelSchema(candidate.baseSchemaId);
  const decimals =
    candidate.observations.length > 0
      ? inferChannelDecimals(candidate.observations)
      : FALLBACK_CHANNEL_DECIMALS;
  const extended = extendChannelSchema({ base, channel: candidate.channel, decimals });

  const addsChannel = (schema: ChannelSchema) => schema.channels.some((c) => c.name === candidate.channel);
  const done = approved.find(
    (e) => e.baseSchemaHash.toLowerCase() === extended.baseSchemaHash.toLowerCase() && addsChannel(e.schema),
  );
  if (done !== undefined)
    return {
      outcome: "SKIPPED",
      reason: `the approved extension ${done.schema.id} already adds ${candidate.channel}`,
    };
  const existing = (await schemaExtensionProposals(hub)).filter(
    (p) =>
      p.baseSchemaHash.toLowerCase() === extended.baseSchemaHash.toLowerCase() &&
      (p.extendedSchemaHash.toLowerCase() === extended.extendedSchemaHash.toLowerCase() ||
        definitionAdds(p.definition, candidate.channel)),
  );
  const live = existing.find((p) => LIVE_STATES.includes(p.state));
  if (live !== undefined)
    return {
      outcome: "SKIPPED",
      reason: `proposal ${live.proposalId} (${live.state}) already extends ${base.id} with ${candidate.channel}`,
      proposalId: live.proposalId,
    };
  // biome-ignore lint/complexity/useMathMinMax: bigints; Math.max takes numbers only
  const lastRefused = existing.reduce((latest, p) => (p.createdAt > latest ? p.createdAt : latest), -1n);
  if (lastRefused >= 0n) {
    const fresh = candidate.carryingAt.filter((at) => BigInt(Math.floor(at.getTime() / 1000)) > lastRefused);
    if (fresh.length < freshEvidence)
      return {
        outcome: "SKIPPED",
        reason: `the nodes refused extending ${base.id} with ${candidate.channel}; waiting for fresh evidence`,
      };
  }

  const percent = Math.round(candidate.share * 100);
  const description = `${extended.schema.id}: extend channel schema ${base.id} with ${candidate.channel} (${
    extended.schema.channels.at(-1)?.decimals
  } decimals, unit unspecified).\n\nEvidence: ${candidate.carrying} of the last ${candidate.windowSize} datasets naming ${
    base.id
  } (${percent}%) carried ${candidate.channel}, from ${candidate.providers.length} providers (${candidate.providers.join(
    ", ",
  )}).\nBase schema ${extended.baseSchemaHash}, extended schema ${extended.extendedSchemaHash}.\n\nFiled by the Caldera hub's schema extension detector.`;
  const input = {
    proposer: proposer.address,
    description,
    approveSchemaExtension: {
      baseSchemaHash: extended.baseSchemaHash,
      extendedSchemaHash: extended.extendedSchemaHash,
      schemaId: extended.schema.id,
      definition: extended.definition,
    },
  };
  const prepared = await prepareRuleChangeProposal(input, hub);
  const signature = await proposer.signTypedData(prepared.typedData as TypedDataDefinition);
  const result = await proposeRuleChange(
    { ...input, authorization: { signature, deadline: prepared.deadline } },
    hub,
  );
  return {
    outcome: "PROPOSED",
    proposalId: result.proposalId,
    transactionHash: result.transactionHash,
    schema: extended.schema,
    baseSchemaHash: extended.baseSchemaHash,
    extendedSchemaHash: extended.extendedSchemaHash,
  };
}

function definitionAdds(definition: string, channel: string): boolean {
  try {
    const { channels } = JSON.parse(definition) as ChannelSchema;
    return channels.at(-1)?.name === channel;
  } catch {
    return false;
  }
}

/**
 * Every proposal on the governor whose actions include `ChannelSchemaRegistry.approveExtension`, from the chain
 * (the governor's ProposalCreated events since the registry's deployment), with its state in the next block.
 */
async function schemaExtensionProposals(hub: HubServices): Promise<SchemaExtensionProposalOnChain[]> {
  const registry = channelSchemaRegistryOf(hub.deployment);
  if (registry === undefined) return [];
  const events = await fromChain(
    hub.publicClient.getContractEvents({
      ...governorOf(hub),
      eventName: "ProposalCreated",
      fromBlock: BigInt(registry.startBlock),
      toBlock: "latest",
      strict: true,
    }),
  );
  const found: SchemaExtensionProposalOnChain[] = [];
  const blockTimes = new Map<bigint, bigint>();
  for (const event of events) {
    const { proposalId, targets, calldatas } = event.args;
    for (const [i, target] of targets.entries()) {
      if (target.toLowerCase() !== registry.address.toLowerCase()) continue;
      let args: readonly unknown[];
      try {
        const decoded = decodeFunctionData({ abi: channelSchemaRegistryAbi, data: calldatas[i] as Hex });
        if (decoded.functionName !== "approveExtension") continue;
        args = decoded.args;
      } catch {
        continue;
      }
      let createdAt = blockTimes.get(event.blockNumber);
      if (createdAt === undefined) {
        createdAt = (await fromChain(hub.publicClient.getBlock({ blockNumber: event.blockNumber })))
          .timestamp;
        blockTimes.set(event.blockNumber, createdAt);
      }
      const { state } = await proposalOnChain(hub, proposalId);
      found.push({
        proposalId,
        state,
        baseSchemaHash: args[0] as Hex,
        extendedSchemaHash: args[1] as Hex,
        schemaId: args[2] as string,
        definition: args[3] as string,
        createdAt,
      });
    }
  }
  return found;
}
