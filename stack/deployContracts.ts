import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  concat,
  type Hex,
  keccak256,
  type PublicClient,
  parseEther,
  parseEventLogs,
  parseSignature,
  stringToHex,
  type Transport,
  type WalletClient,
  zeroAddress,
} from "viem";
import {
  calderaGovernorAbi,
  channelSchemaRegistryAbi,
  componentRegistryAbi,
  coreCertificateRegistryAbi,
  coreQualityVerifierAbi,
  creditVaultAbi,
  derivationRulesAbi,
  derivativeMarketAbi,
  derivativeRegistryAbi,
  ecosystemRegistryAbi,
  eraTokenAbi,
  evolutionPoolAbi,
  marginVaultAbi,
  nodeStakingAbi,
  riskFeatureRegistryAbi,
  timelockControllerAbi,
} from "../contracts/generated/abis.js";
import {
  calderaGovernorBytecode,
  channelSchemaRegistryBytecode,
  componentRegistryBytecode,
  coreCertificateRegistryBytecode,
  coreQualityVerifierBytecode,
  creditVaultBytecode,
  derivationRulesBytecode,
  derivativeMarketBytecode,
  derivativeRegistryBytecode,
  ecosystemRegistryBytecode,
  eraTokenBytecode,
  evolutionPoolBytecode,
  marginVaultBytecode,
  nodeStakingBytecode,
  riskFeatureRegistryBytecode,
  timelockControllerBytecode,
} from "../contracts/generated/bytecode.js";
import type {
  DeployedContract,
  DeployedContractName,
  DeploymentManifest,
  GovernanceParameters,
} from "../services/deployment.js";
import {
  COMPONENT_KIND_CODES,
  componentNameHex,
  HUB_COMPONENT_NAMES,
  HUB_COMPONENTS,
  type HubComponentName,
  hubComponentLogicHash,
  hubComponentPrice,
} from "../services/hubComponents.js";
import { eraPermitTypedData } from "../usecases/circulation/eraPermitTypedData.js";
import { evolutionActionTypedData } from "../usecases/evolution/evolutionSignedActions.js";
import { DEV_CHAIN_ID } from "./resolveSigner.js";

/** Fixed ERA supply minted to the deployer (the treasury) at deployment: 1 billion ERA. */
export const ERA_INITIAL_SUPPLY = parseEther("1000000000");

/**
 * Production governance: CalderaGovernor's DEFAULT_ constants (voting delay ~1 day and period ~1 week of 12 s
 * blocks, 10,000 ERA of stake to propose, quorum 4% of the stake, timelock delay 2 days) and a 7-day unstake delay.
 */
export const PRODUCTION_GOVERNANCE: GovernanceParameters = {
  votingDelayBlocks: 7_200,
  votingPeriodBlocks: 50_400,
  proposalThreshold: parseEther("10000").toString(),
  quorumPercent: 4,
  timelockDelaySeconds: 2 * 24 * 60 * 60,
  unstakeDelaySeconds: 7 * 24 * 60 * 60,
};

/**
 * The dev chain votes in blocks, not days: voting opens 1 block after a proposal and lasts 10 blocks (anvil mines a
 * block per transaction; `anvil_mine` skips ahead). The timelock keeps its production delay of 2 days: a demo passes
 * it with `evm_increaseTime` (+ a mined block) before executing, so the delay is shown, not disabled.
 */
export const DEV_GOVERNANCE: GovernanceParameters = {
  ...PRODUCTION_GOVERNANCE,
  votingDelayBlocks: 1,
  votingPeriodBlocks: 10,
};

export function governanceFor(chainId: number): GovernanceParameters {
  return chainId === DEV_CHAIN_ID ? DEV_GOVERNANCE : PRODUCTION_GOVERNANCE;
}

/**
 * Deploys DerivativeRegistry and its binding verifier too. Off by default: the derivation-binding verifier is not
 * final; pass its creation bytecode (from contracts/generated once it is generated) to turn it on.
 */
export type DerivativesOption = { bindingVerifierBytecode: Hex };

/**
 * Deploys the cross-domain risk network too (EcosystemRegistry, the risk-feature verifier, RiskFeatureRegistry,
 * MarginVault). Off by default like the derivatives: pass the risk-feature verifier's creation bytecode
 * (`riskFeatureVerifierBytecode` from contracts/generated) to turn it on. The capability-evolution group
 * (ComponentRegistry, EvolutionPool, ChannelSchemaRegistry, and the hub's own components registered on it) comes
 * with it: it needs the same staked-node attestations.
 */
export type RiskNetworkOption = { featureVerifierBytecode: Hex };

export type DeployContractsParameters = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  manifestPath: string;
  log: (line: string) => void;
  derivatives?: DerivativesOption | undefined;
  riskNetwork?: RiskNetworkOption | undefined;
};

export type DeployContractsReturnType = { manifest: DeploymentManifest; deployed: boolean };

type Deployer = Pick<DeployContractsParameters, "publicClient" | "walletClient" | "log">;

/**
 * Deploys the verifier and ERA, then governance: NodeStaking (votes = stake), a TimelockController, CalderaGovernor
 * and DerivationRules owned by the timelock, then the certificate registry, which enforces DerivationRules' floors
 * (so the rules come first; they need no registry address). The timelock is then handed to governance (the governor
 * proposes and cancels, anyone executes) and the deployer renounces its admin role, so nothing but a passed vote
 * changes a rule or a floor. Nothing is deployed when the manifest already describes this exact code
 * and these parameters on this exact chain, so a second `caldera up` resumes instead of redeploying.
 */
export async function deployContracts({
  publicClient,
  walletClient,
  manifestPath,
  log,
  derivatives,
  riskNetwork,
}: DeployContractsParameters): Promise<DeployContractsReturnType> {
  const chainId = await publicClient.getChainId();
  const governance = governanceFor(chainId);
  const bytecodeHash = keccak256(
    concat([
      coreQualityVerifierBytecode,
      eraTokenBytecode,
      coreCertificateRegistryBytecode,
      nodeStakingBytecode,
      timelockControllerBytecode,
      calderaGovernorBytecode,
      derivationRulesBytecode,
      ...(derivatives
        ? [
            derivatives.bindingVerifierBytecode,
            derivativeRegistryBytecode,
            creditVaultBytecode,
            derivativeMarketBytecode,
          ]
        : []),
      ...(riskNetwork
        ? [
            ecosystemRegistryBytecode,
            riskNetwork.featureVerifierBytecode,
            riskFeatureRegistryBytecode,
            marginVaultBytecode,
            componentRegistryBytecode,
            evolutionPoolBytecode,
            channelSchemaRegistryBytecode,
            // The hub's components are registered by the deploy: a new one (or a new kind) needs a new deployment.
            stringToHex(JSON.stringify(HUB_COMPONENT_NAMES.map((n) => [n, HUB_COMPONENTS[n].kind]))),
          ]
        : []),
      stringToHex(JSON.stringify(governance)),
    ]),
  );
  const previous = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, "utf8")) as DeploymentManifest)
    : undefined;
  if (
    previous !== undefined &&
    previous.chainId === chainId &&
    previous.bytecodeHash === bytecodeHash &&
    (await isDeployedOn(publicClient, previous))
  ) {
    log(`contracts unchanged on chain ${chainId}: reusing ${manifestPath}`);
    return { manifest: previous, deployed: false };
  }

  const deployer = walletClient.account.address;
  const ctx: Deployer = { publicClient, walletClient, log };
  const verifier = await deploy(
    ctx,
    "CoreQualityVerifier",
    coreQualityVerifierAbi,
    coreQualityVerifierBytecode,
    [],
  );
  const token = await deploy(ctx, "EraToken", eraTokenAbi, eraTokenBytecode, [deployer, ERA_INITIAL_SUPPLY]);
  const staking = await deploy(ctx, "NodeStaking", nodeStakingAbi, nodeStakingBytecode, [
    token.address,
    BigInt(governance.unstakeDelaySeconds),
  ]);
  // No proposers yet, executor open to anyone (address 0), the deployer admin only until the hand-over below.
  const timelock = await deploy(
    ctx,
    "TimelockController",
    timelockControllerAbi,
    timelockControllerBytecode,
    [BigInt(governance.timelockDelaySeconds), [], [zeroAddress], deployer],
  );
  const governor = await deploy(ctx, "CalderaGovernor", calderaGovernorAbi, calderaGovernorBytecode, [
    staking.address,
    timelock.address,
    governance.votingDelayBlocks,
    governance.votingPeriodBlocks,
    BigInt(governance.proposalThreshold),
    BigInt(governance.quorumPercent),
  ]);
  const rules = await deploy(ctx, "DerivationRules", derivationRulesAbi, derivationRulesBytecode, [
    timelock.address,
  ]);
  const registry = await deploy(
    ctx,
    "CoreCertificateRegistry",
    coreCertificateRegistryAbi,
    coreCertificateRegistryBytecode,
    [verifier.address, rules.address],
  );
  const optional = derivatives
    ? await deployDerivativeRegistry(ctx, {
        coreRegistry: registry.address,
        derivationRules: rules.address,
        timelock: timelock.address,
        bindingVerifierBytecode: derivatives.bindingVerifierBytecode,
        token: token.address,
      })
    : {};
  const risk = riskNetwork
    ? await deployRiskNetwork(ctx, {
        token: token.address,
        staking: staking.address,
        timelock: timelock.address,
        calderaOperator: deployer,
        featureVerifierBytecode: riskNetwork.featureVerifierBytecode,
      })
    : {};
  const evolution = riskNetwork
    ? await deployEvolution(ctx, {
        token: token.address,
        staking: staking.address,
        timelock: timelock.address,
      })
    : undefined;
  await handTimelockToGovernance(ctx, { timelock: timelock.address, governor: governor.address });

  const manifest: DeploymentManifest = {
    chainId,
    deployer,
    bytecodeHash,
    governance,
    contracts: {
      CoreQualityVerifier: verifier,
      EraToken: token,
      CoreCertificateRegistry: registry,
      NodeStaking: staking,
      TimelockController: timelock,
      CalderaGovernor: governor,
      DerivationRules: rules,
      ...optional,
      ...risk,
      ...evolution?.contracts,
    },
    ...(evolution ? { components: evolution.components } : {}),
  };
  mkdirSync(dirname(manifestPath), { recursive: true });
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, deployed: true };
}

export type DeployDerivativeRegistryParameters = {
  coreRegistry: Address;
  derivationRules: Address;
  timelock: Address;
  /** Creation bytecode of the derivation-binding Groth16 verifier (no constructor arguments). */
  bindingVerifierBytecode: Hex;
  /** ERA, which the market and the credit vault move. */
  token: Address;
};

/**
 * Deploys the derivation-binding verifier and DerivativeRegistry(coreRegistry, derivationRules, verifier, timelock),
 * then ERA circulation on top of it: CreditVault(era, registry, rules, timelock) and
 * DerivativeMarket(era, registry, vault, timelock), each with its seed parameters installed by its constructor, and
 * finally registers the vault with the registry (the deployer's one-time right; later only a vote changes it). The
 * registry's input specs and every market and vault parameter are then changed only by the timelock.
 */
export async function deployDerivativeRegistry(
  ctx: Deployer,
  {
    coreRegistry,
    derivationRules,
    timelock,
    bindingVerifierBytecode,
    token,
  }: DeployDerivativeRegistryParameters,
): Promise<{
  DerivationBindingVerifier: DeployedContract;
  DerivativeRegistry: DeployedContract;
  CreditVault: DeployedContract;
  DerivativeMarket: DeployedContract;
}> {
  const verifier = await deploy(ctx, "DerivationBindingVerifier", [], bindingVerifierBytecode, []);
  const registry = await deploy(
    ctx,
    "DerivativeRegistry",
    derivativeRegistryAbi,
    derivativeRegistryBytecode,
    [coreRegistry, derivationRules, verifier.address, timelock],
  );
  const vault = await deploy(ctx, "CreditVault", creditVaultAbi, creditVaultBytecode, [
    token,
    registry.address,
    derivationRules,
    timelock,
  ]);
  const market = await deploy(ctx, "DerivativeMarket", derivativeMarketAbi, derivativeMarketBytecode, [
    token,
    registry.address,
    vault.address,
    timelock,
  ]);
  const { publicClient, walletClient, log } = ctx;
  const hash = await walletClient.writeContract({
    address: registry.address,
    abi: derivativeRegistryAbi,
    functionName: "setCreditVault",
    args: [vault.address],
    chain: walletClient.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw new Error(`DerivativeRegistry: could not set the credit vault (${hash})`);
  log(`registered the credit vault ${vault.address} with the derivative registry`);
  return {
    DerivationBindingVerifier: verifier,
    DerivativeRegistry: registry,
    CreditVault: vault,
    DerivativeMarket: market,
  };
}

export type DeployRiskNetworkParameters = {
  /** ERA: margin, deposits and payouts. */
  token: Address;
  /** NodeStaking: the votes of case voters and feature attesters at past blocks. */
  staking: Address;
  timelock: Address;
  /** The hub's signer: operator of ecosystem 1 (Caldera), which publishes Caldera's own risk features. */
  calderaOperator: Address;
  /** Creation bytecode of the risk-feature Groth16 verifier (no constructor arguments). */
  featureVerifierBytecode: Hex;
};

/**
 * Deploys the cross-domain risk network: EcosystemRegistry(timelock, calderaOperator) (which registers Caldera as
 * ecosystem 1), the risk-feature verifier, RiskFeatureRegistry(verifier, ecosystems, staking, timelock) and
 * MarginVault(era, staking, ecosystems, risk, timelock), each with its seed parameters installed by its constructor.
 * Nothing needs wiring afterwards: admissions and every parameter are changed only by the timelock.
 */
export async function deployRiskNetwork(
  ctx: Deployer,
  { token, staking, timelock, calderaOperator, featureVerifierBytecode }: DeployRiskNetworkParameters,
): Promise<{
  EcosystemRegistry: DeployedContract;
  RiskFeatureVerifier: DeployedContract;
  RiskFeatureRegistry: DeployedContract;
  MarginVault: DeployedContract;
}> {
  const ecosystems = await deploy(ctx, "EcosystemRegistry", ecosystemRegistryAbi, ecosystemRegistryBytecode, [
    timelock,
    calderaOperator,
  ]);
  const verifier = await deploy(ctx, "RiskFeatureVerifier", [], featureVerifierBytecode, []);
  const risk = await deploy(ctx, "RiskFeatureRegistry", riskFeatureRegistryAbi, riskFeatureRegistryBytecode, [
    verifier.address,
    ecosystems.address,
    staking,
    timelock,
  ]);
  const margin = await deploy(ctx, "MarginVault", marginVaultAbi, marginVaultBytecode, [
    token,
    staking,
    ecosystems.address,
    risk.address,
    timelock,
  ]);
  return {
    EcosystemRegistry: ecosystems,
    RiskFeatureVerifier: verifier,
    RiskFeatureRegistry: risk,
    MarginVault: margin,
  };
}

/** EvolutionPool's epoch length on every chain (the dev stack too: the demo moves anvil's clock instead). */
export const EVOLUTION_EPOCH_SECONDS = 7 * 24 * 60 * 60;

export type DeployEvolutionParameters = {
  /** ERA: pledges, invocation fees, compensation and rewards. */
  token: Address;
  /** NodeStaking: the votes of absorption approvers and epoch attesters at past blocks. */
  staking: Address;
  timelock: Address;
};

/**
 * Deploys capability evolution: ComponentRegistry(era, staking, timelock), EvolutionPool(era, registry, staking,
 * timelock, 7 days) — the pool needs the registry's address, so the deployer then sets it on the registry (its
 * one-time right) — and ChannelSchemaRegistry(timelock); each installs its seed parameters in its constructor and
 * every later change is the timelock's. Then registers the hub's own components (services/hubComponents.ts) with
 * the deployer (the hub signer and treasury) as provider: its own RegisterComponent signature and a permit for the
 * minimum pledge each, so they are ordinary signed actions the indexer sees like anyone's.
 */
export async function deployEvolution(
  ctx: Deployer,
  { token, staking, timelock }: DeployEvolutionParameters,
): Promise<{
  contracts: {
    ComponentRegistry: DeployedContract;
    EvolutionPool: DeployedContract;
    ChannelSchemaRegistry: DeployedContract;
  };
  components: Record<HubComponentName, string>;
}> {
  const registry = await deploy(ctx, "ComponentRegistry", componentRegistryAbi, componentRegistryBytecode, [
    token,
    staking,
    timelock,
  ]);
  const pool = await deploy(ctx, "EvolutionPool", evolutionPoolAbi, evolutionPoolBytecode, [
    token,
    registry.address,
    staking,
    timelock,
    BigInt(EVOLUTION_EPOCH_SECONDS),
  ]);
  await confirm(
    ctx,
    "ComponentRegistry: set the evolution pool",
    await ctx.walletClient.writeContract({
      address: registry.address,
      abi: componentRegistryAbi,
      functionName: "setEvolutionPool",
      args: [pool.address],
      chain: ctx.walletClient.chain,
    }),
  );
  ctx.log(`registered the evolution pool ${pool.address} with the component registry`);
  const schemas = await deploy(
    ctx,
    "ChannelSchemaRegistry",
    channelSchemaRegistryAbi,
    channelSchemaRegistryBytecode,
    [timelock],
  );
  const components = await registerHubComponents(ctx, { token, registry: registry.address });
  return {
    contracts: { ComponentRegistry: registry, EvolutionPool: pool, ChannelSchemaRegistry: schemas },
    components,
  };
}

/** Registers every HUB_COMPONENTS entry, in order; returns their ids (decimal strings) by name. */
async function registerHubComponents(
  ctx: Deployer,
  { token, registry }: { token: Address; registry: Address },
): Promise<Record<HubComponentName, string>> {
  const { publicClient, walletClient, log } = ctx;
  const hub = walletClient.account.address;
  const chainId = await publicClient.getChainId();
  const contract = { address: registry, abi: componentRegistryAbi } as const;
  const pledge = await publicClient.readContract({ ...contract, functionName: "minPledge" });
  const { timestamp } = await publicClient.getBlock();
  const deadline = timestamp + 3_600n;
  let nonce = await publicClient.readContract({ ...contract, functionName: "nonces", args: [hub] });
  let permitNonce = await publicClient.readContract({
    address: token,
    abi: eraTokenAbi,
    functionName: "nonces",
    args: [hub],
  });
  const ids: Partial<Record<HubComponentName, string>> = {};
  for (const name of HUB_COMPONENT_NAMES) {
    const kind = COMPONENT_KIND_CODES[HUB_COMPONENTS[name].kind];
    const message = {
      provider: hub,
      kind,
      name: componentNameHex(name),
      price: hubComponentPrice(name),
      pledge,
      logicHash: hubComponentLogicHash(name),
      nonce: nonce++,
      deadline,
    };
    const signature = await walletClient.signTypedData(
      evolutionActionTypedData({
        chainId,
        verifyingContract: registry,
        action: "RegisterComponent",
        message,
      }),
    );
    const { v, r, s, yParity } = parseSignature(
      await walletClient.signTypedData(
        eraPermitTypedData({
          chainId,
          token,
          owner: hub,
          spender: registry,
          value: pledge,
          nonce: permitNonce++,
          deadline,
        }),
      ),
    );
    const hash = await walletClient.writeContract({
      ...contract,
      functionName: "registerComponent",
      args: [
        hub,
        kind,
        message.name,
        message.price,
        pledge,
        message.logicHash,
        deadline,
        signature,
        { value: pledge, deadline, v: Number(v ?? 27n + BigInt(yParity)), r, s },
      ],
      chain: walletClient.chain,
    });
    const receipt = await confirm(ctx, `ComponentRegistry: register ${name}`, hash);
    const [registered] = parseEventLogs({
      abi: componentRegistryAbi,
      eventName: "ComponentRegistered",
      logs: receipt.logs,
    });
    if (registered === undefined) throw new Error(`ComponentRegistry: ${name} was not registered`);
    ids[name] = registered.args.componentId.toString();
  }
  log(`registered the hub's ${HUB_COMPONENT_NAMES.length} components (pledge ${pledge} wei each)`);
  return ids as Record<HubComponentName, string>;
}

/** Waits for the deployer's transaction `hash`; a revert throws naming `what`. */
async function confirm({ publicClient }: Deployer, what: string, hash: Hex) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} reverted (${hash})`);
  return receipt;
}

/**
 * CalderaGovernor's deploy shape: the governor becomes the only proposer and canceller, then the deployer renounces
 * the admin role, leaving the timelock as its own only admin.
 */
async function handTimelockToGovernance(
  ctx: Deployer,
  { timelock, governor }: { timelock: Address; governor: Address },
) {
  const { publicClient, walletClient, log } = ctx;
  const contract = { address: timelock, abi: timelockControllerAbi } as const;
  const role = (functionName: "PROPOSER_ROLE" | "CANCELLER_ROLE" | "DEFAULT_ADMIN_ROLE") =>
    publicClient.readContract({ ...contract, functionName });
  const [proposer, canceller, admin] = await Promise.all([
    role("PROPOSER_ROLE"),
    role("CANCELLER_ROLE"),
    role("DEFAULT_ADMIN_ROLE"),
  ]);
  const deployer = walletClient.account.address;
  const steps = [
    { what: "grant the governor the proposer role", functionName: "grantRole", args: [proposer, governor] },
    { what: "grant the governor the canceller role", functionName: "grantRole", args: [canceller, governor] },
    {
      what: "renounce the deployer's timelock admin role",
      functionName: "renounceRole",
      args: [admin, deployer],
    },
  ] as const;
  for (const { what, functionName, args } of steps) {
    const hash = await walletClient.writeContract({
      ...contract,
      functionName,
      args,
      chain: walletClient.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`timelock: could not ${what} (${hash})`);
  }
  if (await publicClient.readContract({ ...contract, functionName: "hasRole", args: [admin, deployer] }))
    throw new Error("timelock: the deployer is still its admin");
  log(`handed the timelock ${timelock} to the governor ${governor}; the deployer renounced its admin role`);
}

async function deploy(
  { publicClient, walletClient, log }: Deployer,
  name: DeployedContractName,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
): Promise<DeployedContract> {
  const hash = await walletClient.deployContract({ abi, bytecode, args, chain: walletClient.chain });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress)
    throw new Error(`deploying ${name} reverted (${hash})`);
  log(
    `deployed ${name} at ${receipt.contractAddress} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`,
  );
  return { address: receipt.contractAddress, startBlock: Number(receipt.blockNumber), transactionHash: hash };
}

/**
 * The manifest describes this chain when every deployment in it is part of it. (Block 0 cannot tell: anvil
 * regenerates its genesis block whenever it reloads a state file.)
 */
async function isDeployedOn(publicClient: PublicClient, manifest: DeploymentManifest): Promise<boolean> {
  const deployments = Object.values(manifest.contracts).filter((c): c is DeployedContract => c !== undefined);
  const found = await Promise.all(
    deployments.map(async ({ transactionHash, address }) => {
      const receipt = await publicClient
        .getTransactionReceipt({ hash: transactionHash })
        .catch(() => undefined);
      return receipt?.contractAddress?.toLowerCase() === address.toLowerCase();
    }),
  );
  return found.every(Boolean);
}
