import type { Address, Hex, TypedDataDefinition } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { eraTokenAbi, evolutionPoolAbi } from "../contracts/generated/abis.js";
import { DEV_CHAIN_ID, SignerConfigurationError } from "../stack/resolveSigner.js";
import { type CirculationEndpoints, circulationActions } from "./circulationActions.js";
import { devAccount } from "./devAccounts.js";

/** anvil's default mnemonic: accounts past its ten come from it, as in circulationActions. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Where a frontend (the evolution demo, its end-to-end test) talks to the hub and, on the dev chain, to anvil. */
export type EvolutionEndpoints = Omit<CirculationEndpoints, "contracts"> & {
  contracts: CirculationEndpoints["contracts"] & { EvolutionPool: Address; ComponentRegistry: Address };
};

type TypedDataJson = { domain: { chainId?: number | string }; message: Record<string, unknown> } & Record<
  string,
  unknown
>;

export type ComponentSummary = {
  id: string;
  name: string;
  kind: string;
  provider: { address: Address };
  pledge: string;
  logicHash: Hex;
  version: number;
};

export type InvocationSummary = {
  id: string;
  at: string;
  latencyMs: number;
  success: boolean;
  accuracy: number | null;
  configuration: Record<string, unknown> | null;
  scenario: string | null;
  decisionMode: string | null;
};

export type MetricsSummary = {
  p50LatencyMs: number;
  p95LatencyMs: number;
  accuracy: number;
  complianceRate: number;
  invocations: number;
};

export type EvolutionReportSummary = {
  id: string;
  before: MetricsSummary;
  after: MetricsSummary;
  efficiencyImprovementBps: number;
  evidenceHash: Hex;
  decisionLogHash: Hex;
  logicHash: Hex;
  publishedAt: string;
  transactionHash: Hex;
};

export type WindowFigures = {
  from: string;
  to: string;
  invocations: number;
  successes: number;
  p50LatencyMs: number | null;
};

export type EpochFiguresSummary = {
  efficiencyImprovementBps: number;
  scenarioRangeDelta: number;
  newScenarios: string[];
  evidenceHash: Hex;
  before: WindowFigures;
  after: WindowFigures;
};

const TYPED = "domain types primaryType message";
const COMPONENT = "id name kind provider { address } pledge logicHash version";
const METRICS = "p50LatencyMs p95LatencyMs accuracy complianceRate invocations";
const WINDOW = "from to invocations successes p50LatencyMs";
const FIGURES = `efficiencyImprovementBps scenarioRangeDelta newScenarios evidenceHash before { ${WINDOW} } after { ${WINDOW} }`;

/**
 * Everything a frontend does for capability evolution, through the gateway, each action signed by an anvil dev
 * account (as `circulationActions`, whose requests, time travel and treasury payments it reuses): components and
 * their telemetry, evolution reports, the pool, registering a data component, logic modules and absorption, and the
 * epoch settlement the nodes sign. A GraphQL error becomes a BaseError with its `extensions.code`. Shared by
 * `caldera demo evolution` and test/e2e/evolution.test.ts.
 */
export function evolutionActions(endpoints: EvolutionEndpoints) {
  const base = circulationActions(endpoints);
  const { request, address, publicClient } = base;
  const pool = { address: endpoints.contracts.EvolutionPool, abi: evolutionPoolAbi } as const;

  const account = (n: number) =>
    n < 10 ? devAccount(n) : mnemonicToAccount(DEV_MNEMONIC, { addressIndex: n });
  const sign = (n: number, typedData: TypedDataJson): Promise<Hex> => {
    if (Number(typedData.domain.chainId) !== DEV_CHAIN_ID)
      throw new SignerConfigurationError(
        `dev account ${n}'s key is public; refusing to sign for chain ${String(typedData.domain.chainId)}`,
      );
    return account(n).signTypedData(typedData as unknown as TypedDataDefinition);
  };
  const authorization = async (n: number, typedData: TypedDataJson) => ({
    signature: await sign(n, typedData),
    deadline: typedData.message.deadline,
  });
  const attest = async (nodes: number[], typedData: TypedDataJson) =>
    Promise.all(
      nodes.map(async (node) => ({ node: address(node), ...(await authorization(node, typedData)) })),
    );

  async function components(): Promise<ComponentSummary[]> {
    const { components: page } = await request<{ components: { edges: { node: ComponentSummary }[] } }>(
      `{ components(first: 100) { edges { node { ${COMPONENT} } } } }`,
    );
    return page.edges.map((edge) => edge.node);
  }

  /** The pool's epoch clock, as the contract has it (unix seconds). */
  async function epochClock() {
    const [genesis, epochLength, block] = await Promise.all([
      publicClient.readContract({ ...pool, functionName: "genesis" }),
      publicClient.readContract({ ...pool, functionName: "epochLength" }),
      publicClient.getBlock({ blockTag: "latest" }),
    ]);
    // The chain's clock: its latest block, or this machine's if the chain has been idle longer.
    const wall = BigInt(Math.floor(Date.now() / 1000));
    const now = block.timestamp > wall ? block.timestamp : wall;
    const current = (now - genesis) / epochLength;
    return {
      genesis,
      epochLength,
      now,
      current: Number(current),
      startOf: (epoch: number) => genesis + BigInt(epoch) * epochLength,
    };
  }

  return {
    ...base,
    account,
    sign,
    components,
    async componentNamed(name: string): Promise<ComponentSummary | undefined> {
      return (await components()).find((c) => c.name === name);
    },
    /** ERA wei held by `who`. */
    eraOf: (who: Address) =>
      publicClient.readContract({
        address: endpoints.contracts.EraToken,
        abi: eraTokenAbi,
        functionName: "balanceOf",
        args: [who],
      }),
    /** The component's newest invocations, newest first (its telemetry). */
    async invocations(componentId: string, first = 20): Promise<InvocationSummary[]> {
      const { component } = await request<{
        component: { invocations: { edges: { node: InvocationSummary }[] } } | null;
      }>(
        `query($id: ID!, $first: Int!) { component(id: $id) { invocations(first: $first) { edges { node {
          id at latencyMs success accuracy configuration scenario decisionMode } } } } }`,
        { id: componentId, first },
      );
      return component?.invocations.edges.map((edge) => edge.node) ?? [];
    },
    async evolutionReports(componentId: string, first = 5): Promise<EvolutionReportSummary[]> {
      const { component } = await request<{
        component: { evolutionReports: { edges: { node: EvolutionReportSummary }[] } } | null;
      }>(
        `query($id: ID!, $first: Int!) { component(id: $id) { evolutionReports(first: $first) { edges { node {
          id before { ${METRICS} } after { ${METRICS} } efficiencyImprovementBps evidenceHash decisionLogHash logicHash
          publishedAt transactionHash } } } } }`,
        { id: componentId, first },
      );
      return component?.evolutionReports.edges.map((edge) => edge.node) ?? [];
    },
    async evolutionPool() {
      const { evolutionPool } = await request<{
        evolutionPool: {
          balance: string;
          totalFunded: string;
          totalSlashed: string;
          totalRewarded: string;
          currentEpoch: number;
          epochLength: number;
        };
      }>("{ evolutionPool { balance totalFunded totalSlashed totalRewarded currentEpoch epochLength } }");
      return evolutionPool;
    },
    epochClock,
    /** The pool's settlement of a component for an epoch, from the contract (outcome 0: none yet). */
    settlementOf: (epoch: number, componentId: string) =>
      publicClient.readContract({
        ...pool,
        functionName: "settlement",
        args: [BigInt(epoch), BigInt(componentId)],
      }),
    /** Moves the dev chain's clock to `epoch`'s first second (if it is not there yet) and mines a block. */
    async passToEpoch(epoch: number) {
      const clock = await epochClock();
      const target = clock.startOf(epoch);
      if (clock.now < target) await base.passTime(Number(target - clock.now) + 1);
    },

    /** The hub's treasury (account 0, the hub signer) funds the evolution pool with an ERA permit. */
    async fundEvolutionPool(amount: bigint) {
      const input = { amount: amount.toString() };
      const { fundEvolutionPoolTypedData: prepared } = await request<{
        fundEvolutionPoolTypedData: { permitTypedData: TypedDataJson };
      }>(
        `query($input: FundEvolutionPoolInput!) { fundEvolutionPoolTypedData(input: $input) { permitTypedData { ${TYPED} } } }`,
        { input },
      );
      const { fundEvolutionPool } = await request<{ fundEvolutionPool: { amount: string; gasUsed: string } }>(
        `mutation($input: FundEvolutionPoolInput!, $permit: SignedAuthorization!) {
          fundEvolutionPool(input: $input, permit: $permit) { amount gasUsed } }`,
        { input, permit: await authorization(0, prepared.permitTypedData) },
      );
      return fundEvolutionPool;
    },

    /** A DATA component provided by dev account `n` (its signature, its ERA permit of the pledge). */
    async registerDataComponent(n: number, name: string, logicHash: Hex, pledge: bigint) {
      const input = {
        provider: address(n),
        kind: "DATA",
        name,
        price: "0",
        pledge: pledge.toString(),
        logicHash,
      };
      const { registerComponentTypedData: prepared } = await request<{
        registerComponentTypedData: { typedData: TypedDataJson; permitTypedData: TypedDataJson };
      }>(
        `query($input: RegisterComponentInput!) { registerComponentTypedData(input: $input) {
          typedData { ${TYPED} } permitTypedData { ${TYPED} } } }`,
        { input },
      );
      const { registerComponent } = await request<{ registerComponent: { component: ComponentSummary } }>(
        `mutation($input: RegisterComponentInput!, $a: SignedAuthorization!, $p: SignedAuthorization) {
          registerComponent(input: $input, authorization: $a, permit: $p) { component { ${COMPONENT} } } }`,
        {
          input,
          a: await authorization(n, prepared.typedData),
          p: await authorization(n, prepared.permitTypedData),
        },
      );
      return registerComponent.component;
    },
    async publishLogicModule(module: unknown): Promise<Hex> {
      const { publishLogicModule } = await request<{ publishLogicModule: { hash: Hex } }>(
        "mutation($m: JSON!) { publishLogicModule(module: $m) { hash } }",
        { m: module },
      );
      return publishLogicModule.hash;
    },
    /** Both providers sign the absorption; the absorber's provider escrows the compensation with a permit. */
    async requestAbsorption(
      absorber: { id: string; n: number },
      source: { id: string; n: number },
      moduleHash: Hex,
    ) {
      const input = { absorber: absorber.id, source: source.id, moduleHash };
      const { requestAbsorptionTypedData: prepared } = await request<{
        requestAbsorptionTypedData: {
          absorberTypedData: TypedDataJson;
          sourceTypedData: TypedDataJson;
          permitTypedData: TypedDataJson;
          compensation: string;
        };
      }>(
        `query($input: RequestAbsorptionInput!) { requestAbsorptionTypedData(input: $input) {
          absorberTypedData { ${TYPED} } sourceTypedData { ${TYPED} } permitTypedData { ${TYPED} } compensation } }`,
        { input },
      );
      const { requestAbsorption } = await request<{
        requestAbsorption: { absorptionId: string; compensation: string };
      }>(
        `mutation($input: RequestAbsorptionInput!, $a: SignedAuthorization!, $s: SignedAuthorization!, $p: SignedAuthorization) {
          requestAbsorption(input: $input, absorberAuthorization: $a, sourceAuthorization: $s, permit: $p) {
            absorptionId compensation } }`,
        {
          input,
          a: await authorization(absorber.n, prepared.absorberTypedData),
          s: await authorization(source.n, prepared.sourceTypedData),
          p: await authorization(absorber.n, prepared.permitTypedData),
        },
      );
      return requestAbsorption;
    },
    /** Staked dev nodes approve an absorption: the source's provider is paid. */
    async approveAbsorption(absorptionId: string, nodes: number[]) {
      const { approveAbsorptionTypedData: prepared } = await request<{
        approveAbsorptionTypedData: { typedData: TypedDataJson };
      }>(`query($id: ID!) { approveAbsorptionTypedData(absorptionId: $id) { typedData { ${TYPED} } } }`, {
        id: absorptionId,
      });
      const { approveAbsorption } = await request<{
        approveAbsorption: { paidTo: Address; compensation: string; approvedBy: Address[]; logicHash: Hex };
      }>(
        `mutation($id: ID!, $attestations: [NodeAttestationInput!]!) { approveAbsorption(absorptionId: $id, attestations: $attestations) {
          paidTo compensation approvedBy logicHash } }`,
        { id: absorptionId, attestations: await attest(nodes, prepared.typedData) },
      );
      return approveAbsorption;
    },
    async runComponentLogic(componentId: string, input: unknown) {
      const { runComponentLogic } = await request<{
        runComponentLogic: { accuracy: number | null; modules: { hash: Hex; name: string; role: string }[] };
      }>(
        `mutation($c: ID!, $i: JSON!) { runComponentLogic(component: $c, input: $i) { accuracy modules { hash name role } } }`,
        { c: componentId, i: input },
      );
      return runComponentLogic;
    },

    /** The figures the hub computes from telemetry for an ended epoch, and the typed data each node signs. */
    async epochFigures(componentId: string, epoch: number) {
      const { settleEvolutionEpochTypedData } = await request<{
        settleEvolutionEpochTypedData: {
          typedData: TypedDataJson;
          figures: EpochFiguresSummary;
          outcome: "REWARDED" | "SLASHED";
          amount: string;
          endsAt: string;
        };
      }>(
        `query($input: SettleEvolutionEpochInput!) { settleEvolutionEpochTypedData(input: $input) {
          typedData { ${TYPED} } figures { ${FIGURES} } outcome amount endsAt } }`,
        { input: { epoch, component: componentId } },
      );
      return settleEvolutionEpochTypedData;
    },
    /**
     * The settlement: the hub computes the figures (`settleEvolutionEpochTypedData`), each node in `nodes` signs them,
     * and anyone sends them with their signatures. `sign` lets a caller have the nodes sign something else (a test of
     * self-reported figures).
     */
    async settleEvolutionEpoch(
      componentId: string,
      epoch: number,
      nodes: number[],
      { tamper }: { tamper?: (typedData: TypedDataJson) => TypedDataJson } = {},
    ) {
      const prepared = await this.epochFigures(componentId, epoch);
      const typedData = tamper ? tamper(prepared.typedData) : prepared.typedData;
      const { settleEvolutionEpoch: settled } = await request<{
        settleEvolutionEpoch: {
          settlement: {
            epoch: number;
            outcome: "REWARDED" | "SLASHED";
            amount: string;
            attestedBy: Address[];
          };
          transactionHash: Hex;
          gasUsed: string;
        };
      }>(
        `mutation($input: SettleEvolutionEpochInput!, $attestations: [NodeAttestationInput!]!) {
          settleEvolutionEpoch(input: $input, attestations: $attestations) {
            settlement { epoch outcome amount attestedBy } transactionHash gasUsed } }`,
        { input: { epoch, component: componentId }, attestations: await attest(nodes, typedData) },
      );
      return { prepared, settled };
    },
  };
}

export type EvolutionActions = ReturnType<typeof evolutionActions>;
