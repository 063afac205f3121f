import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  http,
  keccak256,
  type PublicClient,
  parseEther,
  stringToHex,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  calderaGovernorAbi,
  channelSchemaRegistryAbi,
  componentRegistryAbi,
  coreCertificateRegistryAbi,
  derivationRulesAbi,
  derivativeRegistryAbi,
  ecosystemRegistryAbi,
  eraTokenAbi,
  evolutionPoolAbi,
  marginVaultAbi,
  nodeStakingAbi,
  riskFeatureRegistryAbi,
  timelockControllerAbi,
} from "../contracts/generated/abis.js";
import { coreQualityVerifierBytecode, riskFeatureVerifierBytecode } from "../contracts/generated/bytecode.js";
import type { DeploymentManifest } from "../services/deployment.js";
import {
  COMPONENT_KIND_CODES,
  componentNameHex,
  HUB_COMPONENT_NAMES,
  HUB_COMPONENTS,
  hubComponentLogicHash,
  hubComponentPrice,
} from "../services/hubComponents.js";
import {
  DEV_GOVERNANCE,
  deployContracts,
  ERA_INITIAL_SUPPLY,
  EVOLUTION_EPOCH_SECONDS,
} from "./deployContracts.js";
import { getFreePort } from "./getFreePort.js";
import { registerDevProvider } from "./registerDevProvider.js";
import { ANVIL_DEV_KEYS } from "./resolveSigner.js";
import { DEV_NODE_KEYS, DEV_NODE_STAKE } from "./setUpDevNodes.js";
import { type AnvilHandle, startAnvil } from "./startAnvil.js";

const dataDir = mkdtempSync(join(tmpdir(), "caldera-deploy-"));
const manifestPath = join(dataDir, "deployment.json");
let anvil: AnvilHandle;
let publicClient: PublicClient;
let walletClient: ReturnType<typeof walletFor>;
let manifest: DeploymentManifest;
const log = () => {};
/** The manifest keeps addresses as the receipts give them (lowercase); contracts return them checksummed. */
const same = (address: string) => address.toLowerCase();

const chain = (rpcUrl: string) =>
  defineChain({
    id: 31337,
    name: "test chain",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
const walletFor = (key: `0x${string}`) =>
  createWalletClient({
    account: privateKeyToAccount(key),
    chain: chain(anvil.rpcUrl),
    transport: http(anvil.rpcUrl),
  });

beforeAll(async () => {
  anvil = await startAnvil({
    port: await getFreePort(),
    logFile: join(dataDir, "anvil.log"),
    log,
    onGiveUp: () => {},
  });
  publicClient = createPublicClient({
    chain: chain(anvil.rpcUrl),
    transport: http(anvil.rpcUrl),
    pollingInterval: 20,
  });
  walletClient = walletFor(ANVIL_DEV_KEYS[0]);
  ({ manifest } = await deployContracts({ publicClient, walletClient, manifestPath, log }));
  await registerDevProvider({ publicClient, walletClient, deployment: manifest, log });
});

afterAll(async () => {
  await anvil?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("deployContracts", () => {
  it("deploys governance with the dev-chain parameters and hands the timelock to the governor", async () => {
    const { contracts } = manifest;
    expect(Object.keys(contracts).sort()).toEqual(
      [
        "CalderaGovernor",
        "CoreCertificateRegistry",
        "CoreQualityVerifier",
        "DerivationRules",
        "EraToken",
        "NodeStaking",
        "TimelockController",
      ].sort(),
    );
    expect(manifest.governance).toEqual(DEV_GOVERNANCE);
    expect(JSON.parse(readFileSync(manifestPath, "utf8"))).toEqual(manifest);

    const timelock = { address: contracts.TimelockController.address, abi: timelockControllerAbi } as const;
    const governor = { address: contracts.CalderaGovernor.address, abi: calderaGovernorAbi } as const;
    const role = (
      functionName: "DEFAULT_ADMIN_ROLE" | "PROPOSER_ROLE" | "CANCELLER_ROLE" | "EXECUTOR_ROLE",
    ) => publicClient.readContract({ ...timelock, functionName });
    const [admin, proposer, canceller, executor] = [
      await role("DEFAULT_ADMIN_ROLE"),
      await role("PROPOSER_ROLE"),
      await role("CANCELLER_ROLE"),
      await role("EXECUTOR_ROLE"),
    ];
    const hasRole = (role: `0x${string}`, account: `0x${string}`) =>
      publicClient.readContract({ ...timelock, functionName: "hasRole", args: [role, account] });
    const deployer = walletClient.account.address;
    expect(await hasRole(admin, deployer)).toBe(false);
    expect(await hasRole(admin, timelock.address)).toBe(true);
    expect(await hasRole(proposer, governor.address)).toBe(true);
    expect(await hasRole(proposer, deployer)).toBe(false);
    expect(await hasRole(canceller, governor.address)).toBe(true);
    expect(await hasRole(executor, zeroAddress)).toBe(true);
    expect(await publicClient.readContract({ ...timelock, functionName: "getMinDelay" })).toBe(172_800n);

    expect(await publicClient.readContract({ ...governor, functionName: "votingDelay" })).toBe(1n);
    expect(await publicClient.readContract({ ...governor, functionName: "votingPeriod" })).toBe(10n);
    expect(await publicClient.readContract({ ...governor, functionName: "proposalThreshold" })).toBe(
      parseEther("10000"),
    );
    expect(same(await publicClient.readContract({ ...governor, functionName: "token" }))).toBe(
      same(contracts.NodeStaking.address),
    );
    expect(same(await publicClient.readContract({ ...governor, functionName: "timelock" }))).toBe(
      same(timelock.address),
    );
    expect(
      same(
        await publicClient.readContract({
          address: contracts.DerivationRules.address,
          abi: derivationRulesAbi,
          functionName: "timelock",
        }),
      ),
    ).toBe(same(timelock.address));
    expect(
      same(
        await publicClient.readContract({
          address: contracts.NodeStaking.address,
          abi: nodeStakingAbi,
          functionName: "era",
        }),
      ),
    ).toBe(same(contracts.EraToken.address));
  });

  it("deploys DerivationRules before the certificate registry, which enforces its floors", async () => {
    const { CoreCertificateRegistry, DerivationRules, CoreQualityVerifier } = manifest.contracts;
    const registry = { address: CoreCertificateRegistry.address, abi: coreCertificateRegistryAbi } as const;
    expect(DerivationRules.startBlock).toBeLessThan(CoreCertificateRegistry.startBlock);
    expect(same(await publicClient.readContract({ ...registry, functionName: "derivationRules" }))).toBe(
      same(DerivationRules.address),
    );
    expect(same(await publicClient.readContract({ ...registry, functionName: "verifier" }))).toBe(
      same(CoreQualityVerifier.address),
    );
    const floors = await publicClient.readContract({
      address: DerivationRules.address,
      abi: derivationRulesAbi,
      functionName: "floorsOf",
      args: [1],
    });
    expect(floors).toEqual({
      minIntegrityBps: 5_000,
      minTimelinessBps: 5_000,
      minContinuityBps: 5_000,
      maxGapSlots: 48,
    });
  });

  it("stakes ERA from the treasury for three dev nodes, once", async () => {
    const staking = { address: manifest.contracts.NodeStaking.address, abi: nodeStakingAbi } as const;
    const era = { address: manifest.contracts.EraToken.address, abi: eraTokenAbi } as const;
    for (const key of DEV_NODE_KEYS) {
      const node = privateKeyToAccount(key).address;
      expect(await publicClient.readContract({ ...staking, functionName: "stakeOf", args: [node] })).toBe(
        DEV_NODE_STAKE,
      );
      expect(await publicClient.readContract({ ...staking, functionName: "getVotes", args: [node] })).toBe(
        DEV_NODE_STAKE,
      );
    }
    const treasury = walletClient.account.address;
    const expectedTreasury = ERA_INITIAL_SUPPLY - 3n * DEV_NODE_STAKE;
    expect(await publicClient.readContract({ ...era, functionName: "balanceOf", args: [treasury] })).toBe(
      expectedTreasury,
    );

    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    await registerDevProvider({ publicClient, walletClient, deployment: manifest, log });
    expect(await publicClient.getBlockNumber({ cacheTime: 0 })).toBe(head);
    expect(await publicClient.readContract({ ...staking, functionName: "totalStaked" })).toBe(
      3n * DEV_NODE_STAKE,
    );
  });

  it("reuses the deployment when nothing changed", async () => {
    const again = await deployContracts({ publicClient, walletClient, manifestPath, log });
    expect(again.deployed).toBe(false);
    expect(again.manifest).toEqual(manifest);
  });

  it("lets the dev nodes change a rule through a vote and the 2-day timelock, passed by warping time", async () => {
    const { contracts } = manifest;
    const governor = { address: contracts.CalderaGovernor.address, abi: calderaGovernorAbi } as const;
    const rules = { address: contracts.DerivationRules.address, abi: derivationRulesAbi } as const;
    const testClient = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    const targets = [rules.address] as const;
    const values = [0n] as const;
    const calldatas = [
      encodeFunctionData({ abi: derivationRulesAbi, functionName: "setRule", args: [1n, 1, 9_200, 16_000] }),
    ] as const;
    const description = "Planting plan: integrity >= 92%, weight 1.6x";
    const descriptionHash = keccak256(stringToHex(description));
    const [first, second] = DEV_NODE_KEYS.map(walletFor);
    if (!first || !second) throw new Error("two dev nodes expected");
    const send = async (hash: `0x${string}`) =>
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");

    await send(
      await first.writeContract({
        ...governor,
        functionName: "propose",
        args: [targets, values, calldatas, description],
      }),
    );
    const proposalId = await publicClient.readContract({
      ...governor,
      functionName: "hashProposal",
      args: [targets, values, calldatas, descriptionHash],
    });
    await testClient.mine({ blocks: 2 });
    for (const node of [first, second])
      await send(await node.writeContract({ ...governor, functionName: "castVote", args: [proposalId, 1] }));
    await testClient.mine({ blocks: 10 });
    await send(
      await walletClient.writeContract({
        ...governor,
        functionName: "queue",
        args: [targets, values, calldatas, descriptionHash],
      }),
    );
    await testClient.increaseTime({ seconds: DEV_GOVERNANCE.timelockDelaySeconds });
    await testClient.mine({ blocks: 1 });
    await send(
      await walletClient.writeContract({
        ...governor,
        functionName: "execute",
        args: [targets, values, calldatas, descriptionHash],
      }),
    );
    const rule = await publicClient.readContract({ ...rules, functionName: "rule", args: [1n] });
    expect(rule.thresholdBps).toBe(9_200);
    expect(rule.weightBps).toBe(16_000);
  });

  it("deploys DerivativeRegistry and its verifier only when asked to", async () => {
    // Any creation bytecode stands in for the binding verifier here: only the wiring is checked.
    const flagged = await deployContracts({
      publicClient,
      walletClient,
      manifestPath: join(dataDir, "with-derivatives.json"),
      log,
      derivatives: { bindingVerifierBytecode: coreQualityVerifierBytecode },
    });
    expect(flagged.deployed).toBe(true);
    expect(flagged.manifest.bytecodeHash).not.toBe(manifest.bytecodeHash);
    const { DerivativeRegistry, DerivationBindingVerifier, CoreCertificateRegistry, DerivationRules } =
      flagged.manifest.contracts;
    if (!DerivativeRegistry || !DerivationBindingVerifier) throw new Error("derivative contracts missing");
    const registry = { address: DerivativeRegistry.address, abi: derivativeRegistryAbi } as const;
    expect(same(await publicClient.readContract({ ...registry, functionName: "coreRegistry" }))).toBe(
      same(CoreCertificateRegistry.address),
    );
    expect(same(await publicClient.readContract({ ...registry, functionName: "derivationRules" }))).toBe(
      same(DerivationRules.address),
    );
    expect(same(await publicClient.readContract({ ...registry, functionName: "bindingVerifier" }))).toBe(
      same(DerivationBindingVerifier.address),
    );
    expect(same(await publicClient.readContract({ ...registry, functionName: "timelock" }))).toBe(
      same(flagged.manifest.contracts.TimelockController.address),
    );
    expect(manifest.contracts.DerivativeRegistry).toBeUndefined();
  });

  it("deploys the risk network after circulation only when asked, with Caldera as ecosystem 1", async () => {
    const flagged = await deployContracts({
      publicClient,
      walletClient,
      manifestPath: join(dataDir, "with-risk.json"),
      log,
      derivatives: { bindingVerifierBytecode: coreQualityVerifierBytecode },
      riskNetwork: { featureVerifierBytecode: riskFeatureVerifierBytecode },
    });
    expect(flagged.deployed).toBe(true);
    expect(flagged.manifest.bytecodeHash).not.toBe(manifest.bytecodeHash);
    const { contracts } = flagged.manifest;
    const { EcosystemRegistry, RiskFeatureVerifier, RiskFeatureRegistry, MarginVault, DerivativeMarket } =
      contracts;
    if (
      !EcosystemRegistry ||
      !RiskFeatureVerifier ||
      !RiskFeatureRegistry ||
      !MarginVault ||
      !DerivativeMarket
    )
      throw new Error("risk network contracts missing");
    expect(EcosystemRegistry.startBlock).toBeGreaterThan(DerivativeMarket.startBlock);
    expect(RiskFeatureVerifier.startBlock).toBeGreaterThan(EcosystemRegistry.startBlock);
    expect(RiskFeatureRegistry.startBlock).toBeGreaterThan(RiskFeatureVerifier.startBlock);
    expect(MarginVault.startBlock).toBeGreaterThan(RiskFeatureRegistry.startBlock);

    const timelock = same(contracts.TimelockController.address);
    const ecosystems = { address: EcosystemRegistry.address, abi: ecosystemRegistryAbi } as const;
    expect(await publicClient.readContract({ ...ecosystems, functionName: "ecosystemCount" })).toBe(1);
    const caldera = await publicClient.readContract({ ...ecosystems, functionName: "ecosystem", args: [1] });
    expect({ ...caldera, operator: same(caldera.operator) }).toEqual({
      id: 1,
      active: true,
      operator: same(walletClient.account.address),
      name: "Caldera",
      subgraphUrl: "",
    });
    expect(same(await publicClient.readContract({ ...ecosystems, functionName: "timelock" }))).toBe(timelock);

    const risk = { address: RiskFeatureRegistry.address, abi: riskFeatureRegistryAbi } as const;
    expect(same(await publicClient.readContract({ ...risk, functionName: "verifier" }))).toBe(
      same(RiskFeatureVerifier.address),
    );
    expect(same(await publicClient.readContract({ ...risk, functionName: "ecosystemRegistry" }))).toBe(
      same(EcosystemRegistry.address),
    );
    expect(same(await publicClient.readContract({ ...risk, functionName: "staking" }))).toBe(
      same(contracts.NodeStaking.address),
    );
    expect(same(await publicClient.readContract({ ...risk, functionName: "timelock" }))).toBe(timelock);
    expect(await publicClient.readContract({ ...risk, functionName: "attestationQuorum" })).toBe(2);
    expect(await publicClient.readContract({ ...risk, functionName: "minAttesterStake" })).toBe(
      parseEther("10000"),
    );

    const vault = { address: MarginVault.address, abi: marginVaultAbi } as const;
    expect(same(await publicClient.readContract({ ...vault, functionName: "era" }))).toBe(
      same(contracts.EraToken.address),
    );
    expect(same(await publicClient.readContract({ ...vault, functionName: "staking" }))).toBe(
      same(contracts.NodeStaking.address),
    );
    expect(same(await publicClient.readContract({ ...vault, functionName: "ecosystemRegistry" }))).toBe(
      same(EcosystemRegistry.address),
    );
    expect(same(await publicClient.readContract({ ...vault, functionName: "riskRegistry" }))).toBe(
      same(RiskFeatureRegistry.address),
    );
    expect(same(await publicClient.readContract({ ...vault, functionName: "timelock" }))).toBe(timelock);
    expect(await publicClient.readContract({ ...vault, functionName: "minMargin" })).toBe(
      parseEther("20000"),
    );
    expect(await publicClient.readContract({ ...vault, functionName: "reviewWindow" })).toBe(
      3n * 24n * 3600n,
    );
    expect(manifest.contracts.MarginVault).toBeUndefined();
    expect(manifest.contracts.ComponentRegistry).toBeUndefined();
    expect(manifest.components).toBeUndefined();

    const again = await deployContracts({
      publicClient,
      walletClient,
      manifestPath: join(dataDir, "with-risk.json"),
      log,
      derivatives: { bindingVerifierBytecode: coreQualityVerifierBytecode },
      riskNetwork: { featureVerifierBytecode: riskFeatureVerifierBytecode },
    });
    expect(again.deployed).toBe(false);
    expect(again.manifest).toEqual(flagged.manifest);
  });

  it("deploys capability evolution with the risk network, wires the pool and registers the hub's components", async () => {
    const path = join(dataDir, "with-risk.json");
    // The previous test deployed it; reading the manifest back is what a restart does.
    const flagged = await deployContracts({
      publicClient,
      walletClient,
      manifestPath: path,
      log,
      derivatives: { bindingVerifierBytecode: coreQualityVerifierBytecode },
      riskNetwork: { featureVerifierBytecode: riskFeatureVerifierBytecode },
    });
    expect(flagged.deployed).toBe(false);
    const { contracts, components } = flagged.manifest;
    const { ComponentRegistry, EvolutionPool, ChannelSchemaRegistry, MarginVault } = contracts;
    if (!ComponentRegistry || !EvolutionPool || !ChannelSchemaRegistry || !MarginVault || !components)
      throw new Error("evolution group missing");
    expect(ComponentRegistry.startBlock).toBeGreaterThan(MarginVault.startBlock);
    expect(EvolutionPool.startBlock).toBeGreaterThan(ComponentRegistry.startBlock);
    expect(ChannelSchemaRegistry.startBlock).toBeGreaterThan(EvolutionPool.startBlock);

    const timelock = same(contracts.TimelockController.address);
    const hub = same(walletClient.account.address);
    const registry = { address: ComponentRegistry.address, abi: componentRegistryAbi } as const;
    const pool = { address: EvolutionPool.address, abi: evolutionPoolAbi } as const;
    const schemas = { address: ChannelSchemaRegistry.address, abi: channelSchemaRegistryAbi } as const;
    expect(same(await publicClient.readContract({ ...registry, functionName: "evolutionPool" }))).toBe(
      same(EvolutionPool.address),
    );
    expect(same(await publicClient.readContract({ ...registry, functionName: "timelock" }))).toBe(timelock);
    expect(same(await publicClient.readContract({ ...registry, functionName: "staking" }))).toBe(
      same(contracts.NodeStaking.address),
    );
    expect(same(await publicClient.readContract({ ...pool, functionName: "registry" }))).toBe(
      same(ComponentRegistry.address),
    );
    expect(same(await publicClient.readContract({ ...pool, functionName: "era" }))).toBe(
      same(contracts.EraToken.address),
    );
    expect(same(await publicClient.readContract({ ...pool, functionName: "timelock" }))).toBe(timelock);
    expect(await publicClient.readContract({ ...pool, functionName: "epochLength" })).toBe(
      BigInt(EVOLUTION_EPOCH_SECONDS),
    );
    expect(await publicClient.readContract({ ...pool, functionName: "slashBps" })).toBe(500);
    expect(same(await publicClient.readContract({ ...schemas, functionName: "timelock" }))).toBe(timelock);

    // Every hub component, in order, with the hub as provider and the minimum pledge pulled by permit.
    expect(Object.keys(components)).toEqual(HUB_COMPONENT_NAMES);
    const minPledge = await publicClient.readContract({ ...registry, functionName: "minPledge" });
    expect(minPledge).toBe(parseEther("1000"));
    expect(await publicClient.readContract({ ...registry, functionName: "componentCount" })).toBe(
      BigInt(HUB_COMPONENT_NAMES.length),
    );
    for (const [index, name] of HUB_COMPONENT_NAMES.entries()) {
      expect(components[name]).toBe(String(index + 1));
      const c = await publicClient.readContract({
        ...registry,
        functionName: "component",
        args: [BigInt(components[name])],
      });
      expect({ ...c, provider: same(c.provider) }).toEqual({
        provider: hub,
        kind: COMPONENT_KIND_CODES[HUB_COMPONENTS[name].kind],
        version: 1,
        registeredAt: c.registeredAt,
        name: componentNameHex(name),
        price: hubComponentPrice(name),
        pledge: minPledge,
        logicHash: hubComponentLogicHash(name),
      });
    }
    const era = { address: contracts.EraToken.address, abi: eraTokenAbi } as const;
    expect(
      await publicClient.readContract({
        ...era,
        functionName: "balanceOf",
        args: [ComponentRegistry.address],
      }),
    ).toBe(minPledge * BigInt(HUB_COMPONENT_NAMES.length));
    expect(
      await publicClient.readContract({
        ...era,
        functionName: "allowance",
        args: [walletClient.account.address, ComponentRegistry.address],
      }),
    ).toBe(0n);
    expect(JSON.parse(readFileSync(path, "utf8")).components).toEqual(components);
  });
});
