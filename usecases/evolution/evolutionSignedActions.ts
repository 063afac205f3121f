import type { Address, Hex } from "viem";

/**
 * The EIP-712 actions of capability evolution, exactly the type strings in the NatSpec of IComponentRegistry.sol
 * (domain "Caldera Components" version 1; enums as uint8). `PublishEvolutionReport` nests the `Metrics` struct, so
 * each action carries every struct type it needs. The use cases verify against this table, the GraphQL typed-data
 * queries hand it out, tests and the demo sign it.
 */
export const componentRegistryDomain = { name: "Caldera Components", version: "1" } as const;

const nonceAndDeadline = [
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint256" },
] as const;

/** IComponentRegistry.Metrics: a telemetry window's figures, latencies in microseconds, rates in basis points. */
export const metricsFields = [
  { name: "p50LatencyMicros", type: "uint64" },
  { name: "p95LatencyMicros", type: "uint64" },
  { name: "accuracyBps", type: "uint16" },
  { name: "complianceBps", type: "uint16" },
  { name: "invocations", type: "uint32" },
] as const;

export const evolutionSignedActions = {
  RegisterComponent: {
    signerField: "provider",
    types: {
      RegisterComponent: [
        { name: "provider", type: "address" },
        { name: "kind", type: "uint8" },
        { name: "name", type: "bytes32" },
        { name: "price", type: "uint256" },
        { name: "pledge", type: "uint256" },
        { name: "logicHash", type: "bytes32" },
        ...nonceAndDeadline,
      ],
    },
  },
  SetComponentPrice: {
    signerField: "provider",
    types: {
      SetComponentPrice: [
        { name: "provider", type: "address" },
        { name: "componentId", type: "uint256" },
        { name: "price", type: "uint256" },
        ...nonceAndDeadline,
      ],
    },
  },
  AddPledge: {
    signerField: "provider",
    types: {
      AddPledge: [
        { name: "provider", type: "address" },
        { name: "componentId", type: "uint256" },
        { name: "amount", type: "uint256" },
        ...nonceAndDeadline,
      ],
    },
  },
  InvokeComponent: {
    signerField: "caller",
    types: {
      InvokeComponent: [
        { name: "caller", type: "address" },
        { name: "componentId", type: "uint256" },
        { name: "maxPrice", type: "uint256" },
        { name: "requestHash", type: "bytes32" },
        ...nonceAndDeadline,
      ],
    },
  },
  PublishEvolutionReport: {
    signerField: "provider",
    types: {
      PublishEvolutionReport: [
        { name: "provider", type: "address" },
        { name: "componentId", type: "uint256" },
        { name: "beforeMetrics", type: "Metrics" },
        { name: "afterMetrics", type: "Metrics" },
        { name: "efficiencyImprovementBps", type: "int32" },
        { name: "evidenceHash", type: "bytes32" },
        { name: "decisionLogHash", type: "bytes32" },
        { name: "logicHash", type: "bytes32" },
        ...nonceAndDeadline,
      ],
      Metrics: metricsFields,
    },
  },
  /** Signed twice: by the absorber's provider and by the source's provider (each its own nonce). */
  RequestAbsorption: {
    signerField: "signer",
    types: {
      RequestAbsorption: [
        { name: "absorberId", type: "uint256" },
        { name: "sourceId", type: "uint256" },
        { name: "moduleHash", type: "bytes32" },
        { name: "compensation", type: "uint256" },
        { name: "signer", type: "address" },
        ...nonceAndDeadline,
      ],
    },
  },
  /** No nonce: an absorption is approved once. Signed by each approving node. */
  ApproveAbsorption: {
    signerField: undefined,
    types: {
      ApproveAbsorption: [
        { name: "absorptionId", type: "uint256" },
        { name: "moduleHash", type: "bytes32" },
        { name: "deadline", type: "uint256" },
      ],
    },
  },
} as const;

export type EvolutionSignedActionName = keyof typeof evolutionSignedActions;

/** IComponentRegistry.Metrics as viem takes it. */
export type OnchainMetrics = {
  p50LatencyMicros: bigint;
  p95LatencyMicros: bigint;
  accuracyBps: number;
  complianceBps: number;
  invocations: number;
};

/** Each action's message (uint8…uint32 and int32 as numbers, as viem has them; wider uints as bigints). */
export type EvolutionActionMessage = {
  RegisterComponent: {
    provider: Address;
    kind: number;
    name: Hex;
    price: bigint;
    pledge: bigint;
    logicHash: Hex;
    nonce: bigint;
    deadline: bigint;
  };
  SetComponentPrice: {
    provider: Address;
    componentId: bigint;
    price: bigint;
    nonce: bigint;
    deadline: bigint;
  };
  AddPledge: { provider: Address; componentId: bigint; amount: bigint; nonce: bigint; deadline: bigint };
  InvokeComponent: {
    caller: Address;
    componentId: bigint;
    maxPrice: bigint;
    requestHash: Hex;
    nonce: bigint;
    deadline: bigint;
  };
  PublishEvolutionReport: {
    provider: Address;
    componentId: bigint;
    beforeMetrics: OnchainMetrics;
    afterMetrics: OnchainMetrics;
    efficiencyImprovementBps: number;
    evidenceHash: Hex;
    decisionLogHash: Hex;
    logicHash: Hex;
    nonce: bigint;
    deadline: bigint;
  };
  RequestAbsorption: {
    absorberId: bigint;
    sourceId: bigint;
    moduleHash: Hex;
    compensation: bigint;
    signer: Address;
    nonce: bigint;
    deadline: bigint;
  };
  ApproveAbsorption: { absorptionId: bigint; moduleHash: Hex; deadline: bigint };
};

/** The message without nonce and deadline: what the action is about, before the registry nonce is added. */
export type EvolutionActionContent<N extends EvolutionSignedActionName> = Omit<
  EvolutionActionMessage[N],
  "nonce" | "deadline"
>;

export type EvolutionActionTypedDataParameters<N extends EvolutionSignedActionName> = {
  chainId: number;
  /** The ComponentRegistry's address. */
  verifyingContract: Address;
  action: N;
  message: EvolutionActionMessage[N];
};

/** The EIP-712 typed data of one ComponentRegistry action, for viem's `signTypedData` / `verifyTypedData`. */
export function evolutionActionTypedData<N extends EvolutionSignedActionName>({
  chainId,
  verifyingContract,
  action,
  message,
}: EvolutionActionTypedDataParameters<N>) {
  return {
    domain: { ...componentRegistryDomain, chainId, verifyingContract },
    types: evolutionSignedActions[action].types as (typeof evolutionSignedActions)[N]["types"],
    primaryType: action,
    message,
  };
}
