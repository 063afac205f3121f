import type { Sql } from "postgres";
import { type Address, getAddress, type Hex, type TypedDataDefinition } from "viem";
import { componentRegistryAbi, evolutionPoolAbi, nodeStakingAbi } from "../../contracts/generated/abis.js";
import { BaseError } from "../../errors/BaseError.js";
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../certificationTypedData.js";
import { checkNodeAttestations, type NodeAttestation } from "../checkNodeAttestations.js";
import { eventOf, fromChain, withErrorsOf } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { type ComputeEpochFiguresReturnType, computeEpochFigures } from "./computeEpochFigures.js";

/** EvolutionPool's EIP-712 domain (IEvolutionPool.sol NatSpec). */
export const evolutionPoolDomain = { name: "Caldera Evolution", version: "1" } as const;

/** `EpochFigures(uint64 epoch,uint256 componentId,int32 efficiencyImprovementBps,int16 scenarioRangeDelta,bytes32 evidenceHash,uint256 deadline)`: no nonce, one settlement per component and epoch. */
export const epochFiguresTypes = {
  EpochFigures: [
    { name: "epoch", type: "uint64" },
    { name: "componentId", type: "uint256" },
    { name: "efficiencyImprovementBps", type: "int32" },
    { name: "scenarioRangeDelta", type: "int16" },
    { name: "evidenceHash", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** IEvolutionPool.Outcome, by value. */
const outcomeNames = ["NONE", "REWARDED", "SLASHED"] as const;
export type EpochOutcomeName = "REWARDED" | "SLASHED";

export type SettleEvolutionEpochInput = {
  epoch: number | string | bigint;
  /** The component's on-chain id. */
  component: string | bigint;
};

/** Where the hub's telemetry is: the primary's pool and the hub's own schema (`caldera_hub`). */
export type TelemetrySource = { sql: Sql; schema?: string | undefined };

/** The given source, else the hub's (`hub.telemetrySql`); a hub process without one cannot compute figures. */
function telemetryOf(hub: HubServices, telemetry: TelemetrySource | undefined): TelemetrySource {
  if (telemetry !== undefined) return telemetry;
  if (hub.telemetrySql === undefined)
    throw new BaseError("This hub process reads no component telemetry, so it cannot compute epoch figures", {
      code: "NO_TELEMETRY",
    });
  return { sql: hub.telemetrySql };
}

export type { NodeAttestation };

type Deployed = Partial<Record<string, { address: Address }>>;

function deployed(
  hub: Pick<HubServices, "deployment">,
  name: "EvolutionPool" | "ComponentRegistry",
): Address {
  const contract = (hub.deployment.contracts as Deployed)[name];
  if (contract === undefined)
    throw new BaseError(
      `This hub's chain has no ${name}: capability evolution is deployed with cross-domain risk (\`caldera up\`)`,
      { code: "CHAIN_REJECTED", details: { contract: name } },
    );
  return contract.address;
}

const poolAbi = withErrorsOf(evolutionPoolAbi, componentRegistryAbi);
const poolOf = (hub: Pick<HubServices, "deployment">) =>
  ({ address: deployed(hub, "EvolutionPool"), abi: poolAbi }) as const;
const registryOf = (hub: Pick<HubServices, "deployment">) =>
  ({ address: deployed(hub, "ComponentRegistry"), abi: withErrorsOf(componentRegistryAbi) }) as const;

function parseEpoch(value: unknown): bigint {
  const text = typeof value === "bigint" ? value.toString() : String(value ?? "");
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > 2n ** 64n - 1n)
    throw new BadUserInputError("epoch", "must be an epoch number (a non-negative integer within uint64)");
  return BigInt(text);
}

function parseComponentId(value: unknown): bigint {
  const text = typeof value === "bigint" ? value.toString() : String(value ?? "");
  if (!/^\d{1,78}$/.test(text) || BigInt(text) === 0n)
    throw new BadUserInputError("component", "must be a component id (a positive decimal integer)");
  return BigInt(text);
}

/**
 * Everything the settlement depends on, read and checked before anyone signs or anything is sent: the component
 * exists (UNKNOWN_COMPONENT), the epoch is over by the chain's clock (EPOCH_NOT_OVER with `endsAt`), the component is
 * not settled for it yet (EPOCH_ALREADY_SETTLED), and the figures — computed here from the hub's telemetry, never
 * taken from the caller (NO_TELEMETRY for an epoch without invocations) — with what they earn under the pool's curve.
 */
async function assessEpoch(
  input: SettleEvolutionEpochInput,
  hub: HubServices,
  source: TelemetrySource | undefined,
) {
  const telemetry = telemetryOf(hub, source);
  const epoch = parseEpoch(input.epoch);
  const componentId = parseComponentId(input.component);
  const pool = poolOf(hub);
  const registry = registryOf(hub);
  const read = <T>(promise: Promise<T>) => fromChain(promise);
  const [count, genesis, epochLength] = await Promise.all([
    read(hub.publicClient.readContract({ ...registry, functionName: "componentCount" })),
    read(hub.publicClient.readContract({ ...pool, functionName: "genesis" })),
    read(hub.publicClient.readContract({ ...pool, functionName: "epochLength" })),
  ]);
  if (componentId > count)
    throw circulationError("UNKNOWN_COMPONENT", `There is no component ${componentId}`, { componentId });
  const endsAt = genesis + (epoch + 1n) * epochLength;
  const [component, settlement, now] = await Promise.all([
    read(hub.publicClient.readContract({ ...registry, functionName: "component", args: [componentId] })),
    read(hub.publicClient.readContract({ ...pool, functionName: "settlement", args: [epoch, componentId] })),
    chainNow(hub),
  ]);
  if (settlement.outcome !== 0)
    throw circulationError(
      "EPOCH_ALREADY_SETTLED",
      `Component ${componentId} was ${outcomeNames[settlement.outcome]?.toLowerCase()} for epoch ${epoch} already`,
      { epoch, componentId, outcome: outcomeNames[settlement.outcome], amount: settlement.amount },
    );
  if (now < endsAt)
    throw circulationError(
      "EPOCH_NOT_OVER",
      `Epoch ${epoch} ends at ${new Date(Number(endsAt) * 1000).toISOString()}: its figures are not final before`,
      { epoch, endsAt: new Date(Number(endsAt) * 1000).toISOString() },
    );
  const figures = await computeEpochFigures(telemetry.sql, {
    componentId,
    epoch,
    genesis,
    epochLength,
    schema: telemetry.schema,
  });
  const [reward, slashBps, poolBalance] = await Promise.all([
    read(
      hub.publicClient.readContract({
        ...pool,
        functionName: "rewardFor",
        args: [figures.efficiencyImprovementBps, figures.scenarioRangeDelta],
      }),
    ),
    read(hub.publicClient.readContract({ ...pool, functionName: "slashBps" })),
    read(hub.publicClient.readContract({ ...pool, functionName: "balance" })),
  ]);
  const outcome: EpochOutcomeName = reward > 0n ? "REWARDED" : "SLASHED";
  // The pool's slash: slashBps of the pledge, rounded up (IEvolutionPool), never more than the pledge.
  const slash = (component.pledge * BigInt(slashBps) + 9_999n) / 10_000n;
  const amount = outcome === "REWARDED" ? reward : slash < component.pledge ? slash : component.pledge;
  return {
    epoch,
    componentId,
    endsAt,
    now,
    figures,
    outcome,
    amount,
    poolBalance,
    provider: component.provider,
  };
}

function typedDataOf(
  hub: Pick<HubServices, "deployment">,
  {
    epoch,
    componentId,
    figures,
  }: { epoch: bigint; componentId: bigint; figures: ComputeEpochFiguresReturnType },
  deadline: bigint,
) {
  return {
    domain: {
      ...evolutionPoolDomain,
      chainId: hub.deployment.chainId,
      verifyingContract: poolOf(hub).address,
    },
    types: epochFiguresTypes,
    primaryType: "EpochFigures" as const,
    message: {
      epoch,
      componentId,
      efficiencyImprovementBps: figures.efficiencyImprovementBps,
      scenarioRangeDelta: figures.scenarioRangeDelta,
      evidenceHash: figures.evidenceHash,
      deadline,
    },
  };
}

export type PrepareSettleEvolutionEpochReturnType = {
  /** EpochFigures in the "Caldera Evolution" domain: what each attesting node signs (the same for every node). */
  typedData: ReturnType<typeof typedDataOf>;
  deadline: bigint;
  figures: ComputeEpochFiguresReturnType;
  /** What the figures earn under the pool's current curve: the reward, or the slash of the pledge (rounded up). */
  outcome: EpochOutcomeName;
  amount: bigint;
  /** The epoch's end (unix seconds). */
  endsAt: bigint;
};

/**
 * An epoch's figures for one component, computed from the hub's telemetry (usecases/evolution/computeEpochFigures.ts),
 * what they earn, and the EpochFigures typed data each staked node signs after checking the figures against its own
 * copy of the telemetry. Nothing is stored or sent.
 */
export async function prepareSettleEvolutionEpoch(
  input: SettleEvolutionEpochInput,
  hub: HubServices,
  { deadline, telemetry }: { deadline?: bigint | undefined; telemetry?: TelemetrySource | undefined } = {},
): Promise<PrepareSettleEvolutionEpochReturnType> {
  const assessed = await assessEpoch(input, hub, telemetry);
  if (deadline !== undefined && deadline <= assessed.now)
    throw new BadUserInputError("deadline", "must be in the future (the chain's clock)");
  const until = deadline ?? assessed.now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
  return {
    typedData: typedDataOf(hub, assessed, until),
    deadline: until,
    figures: assessed.figures,
    outcome: assessed.outcome,
    amount: assessed.amount,
    endsAt: assessed.endsAt,
  };
}

export type SettleEvolutionEpochParameters = SettleEvolutionEpochInput & {
  attestations: readonly NodeAttestation[];
};

export type SettleEvolutionEpochReturnType = {
  epoch: number;
  componentId: string;
  outcome: EpochOutcomeName;
  /** ERA wei: the reward paid to the component's provider, or the pledge slashed into the pool. */
  amount: bigint;
  figures: ComputeEpochFiguresReturnType;
  /** The attesting nodes, in the ascending order the pool counts them. */
  nodes: Address[];
  provider: Address;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Settles one component for one epoch on the signatures of staked nodes over the figures the hub computes from its
 * telemetry — the caller supplies signatures, never figures. Before anything is sent: the checks of
 * `prepareSettleEvolutionEpoch` (UNKNOWN_COMPONENT, EPOCH_NOT_OVER, EPOCH_ALREADY_SETTLED, NO_TELEMETRY), one deadline
 * ahead for all (NOT_AUTHORIZED "expired"), each signature the node's over exactly these figures (NOT_AUTHORIZED
 * "signature": the telemetry changed, or the node signed other figures), each node distinct (BAD_USER_INPUT) with at
 * least the registry's attester stake now — the pool counts its votes at the block before the settlement
 * (NOT_ATTESTER) —, the registry's attestation quorum reached (ATTESTATION_QUORUM_NOT_MET with `got` and `needed`;
 * no attestation at all is that too: unattested figures count for nothing), and a reward the pool can pay
 * (EVOLUTION_POOL_INSUFFICIENT). Returns once indexed.
 */
export async function settleEvolutionEpoch(
  { attestations, ...input }: SettleEvolutionEpochParameters,
  hub: HubServices,
  { telemetry }: { telemetry?: TelemetrySource | undefined } = {},
): Promise<SettleEvolutionEpochReturnType> {
  const assessed = await assessEpoch(input, hub, telemetry);
  const { epoch, componentId, figures } = assessed;
  const staking = { address: hub.deployment.contracts.NodeStaking.address, abi: nodeStakingAbi } as const;
  const { deadline, checked } = await checkNodeAttestations({
    hub,
    attestations,
    action: `component ${componentId}'s epoch ${epoch} figures as the hub computes them (improvement ${figures.efficiencyImprovementBps} bps, scenario range ${figures.scenarioRangeDelta}, evidence ${figures.evidenceHash})`,
    now: assessed.now,
    registry: registryOf(hub),
    typedDataFor: (d) => typedDataOf(hub, assessed, d) as unknown as TypedDataDefinition,
    // The pool weighs stake at the block before the settlement: the current votes are what it will see.
    stakeOf: (node) =>
      fromChain(hub.publicClient.readContract({ ...staking, functionName: "getVotes", args: [node] })),
    stakeMeasuredAt: { description: "now" },
  });
  if (assessed.outcome === "REWARDED" && assessed.poolBalance < assessed.amount)
    throw circulationError(
      "EVOLUTION_POOL_INSUFFICIENT",
      `The evolution pool holds ${assessed.poolBalance} ERA wei, less than the ${assessed.amount} the figures earn; fund it first`,
      { required: assessed.amount, available: assessed.poolBalance },
    );
  // The pool counts a node once by taking them in ascending address order (checkNodeAttestations sorted them).
  const pool = poolOf(hub);
  const nodes = checked.map((c) => getAddress(c.node));
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The settlement of component ${componentId} for epoch ${epoch}`,
    call: {
      ...pool,
      functionName: "settleEpoch",
      args: [
        epoch,
        componentId,
        figures.efficiencyImprovementBps,
        figures.scenarioRangeDelta,
        figures.evidenceHash,
        deadline,
        nodes,
        checked.map((c) => c.signature),
      ],
    },
  });
  const { args } = eventOf(receipt, pool.abi, "EpochSettled");
  return {
    epoch: Number(epoch),
    componentId: componentId.toString(),
    outcome: outcomeNames[args.outcome] as EpochOutcomeName,
    amount: args.amount,
    figures,
    nodes,
    provider: assessed.provider,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
