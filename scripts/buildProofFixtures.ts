/**
 * Writes the real Groth16 proofs the forge tests verify. Run after `npm run build:circuits` (it runs this itself,
 * passing the circuits it built: `tsx scripts/buildProofFixtures.ts riskFeature` writes that fixture only, and no
 * argument writes them all).
 *
 * - contracts/test/fixtures/coreQualityProof.json: a core-quality proof for 96 days of `agri-weather-daily` (seven
 *   channels). The registry address is where `CoreCertificateRegistry.t.sol`'s setUp deploys it: the first contract
 *   of its FIXTURE_REGISTRY_DEPLOYER (0xCE27), an address that calls nothing else, so the address is the same under
 *   plain `forge test`, `--isolate` and `--gas-report`.
 * - contracts/test/fixtures/derivationBindingProof.json: a derivation-binding proof over the same dataset (so its
 *   coreCommitment is the core fixture's datasetCommitment), selecting every channel, for a fixed bindingHash.
 * - contracts/test/fixtures/riskFeatureProof.json: a DEFAULT_RATE feature (3 defaults among 20 obligations = 1,500
 *   bps, bucket 2 MEDIUM) by ecosystem 1 (Caldera, registered by EcosystemRegistry's constructor) on chain 31337.
 *   Its context binds the registry address: the first contract of FIXTURE_RISK_REGISTRY_DEPLOYER (0x815C), so a
 *   forge test deploys RiskFeatureRegistry with `vm.prank(address(0x815C)); new RiskFeatureRegistry(...)` (that
 *   address must create nothing before) and warps past windowEnd before publishing.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getContractAddress, keccak256, stringToBytes } from "viem";
import { SNARK_SCALAR_FIELD } from "../prover/coreDataset.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveCoreQuality } from "../prover/proveCoreQuality.js";
import { proveDerivationBinding } from "../prover/proveDerivationBinding.js";
import { proveRiskFeature } from "../prover/proveRiskFeature.js";
import { releaseProver } from "../prover/releaseProver.js";
import type { SolidityGroth16Proof } from "../prover/toSolidityProof.js";

const FIXTURE_REGISTRY_DEPLOYER = "0x000000000000000000000000000000000000ce27";
const registry = getContractAddress({ from: FIXTURE_REGISTRY_DEPLOYER, nonce: 0n });
const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // anvil account #1
const chainId = 31337;

const str = (v: bigint | number) => v.toString();
const proofFields = ({ a, b, c }: SolidityGroth16Proof) => ({
  a: a.map(str),
  b: b.map((pair) => pair.map(str)),
  c: c.map(str),
});
const write = (name: string, fixture: unknown) => {
  const path = fileURLToPath(new URL(`../contracts/test/fixtures/${name}`, import.meta.url));
  writeFileSync(path, `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`wrote ${path}`);
};

async function coreFixtures() {
  // 93 of 96 days (days 10, 11 and 50 missing), two delivered after the 5-minute deadline.
  const windowStart = 1_700_000_000;
  const day = 86_400;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const readings = Array.from({ length: 96 }, (_, i) => i)
    .filter((i) => i !== 10 && i !== 11 && i !== 50)
    .map((i) => {
      const season = Math.sin((i / 96) * 2 * Math.PI);
      return {
        observedAt: windowStart + i * day,
        deliveredAt: windowStart + i * day + (i === 30 || i === 31 ? 600 : 60),
        channels: {
          tMax: r2(28 + 5 * season),
          tMin: r2(15 + 3 * season),
          rhMax: r2(85 + 5 * Math.cos(i / 7)),
          rhMin: r2(40 + 10 * Math.sin(i / 5)),
          windSpeed: r2(2.1 + Math.sin(i / 3)),
          sunshineHours: r2(8 + 3 * season),
          rainfall: i % 9 === 0 ? r2(4 + (i % 5)) : 0,
        },
      };
    });
  const prepared = prepareCoreClaim({
    dataset: { windowStart, slotSeconds: day, deadlineSeconds: 300, readings },
    domain: 1,
    schema: loadChannelSchema("agri-weather-daily"),
  });
  const core = await proveCoreQuality({ prepared, provider, chainId, registry });
  const channelMask = 0b1111111;
  const bindingHash =
    BigInt(keccak256(stringToBytes("caldera derivation-binding fixture"))) % SNARK_SCALAR_FIELD;
  const binding = await proveDerivationBinding({ prepared, channelMask, bindingHash });

  write("coreQualityProof.json", {
    provider,
    chainId,
    registry,
    schema: prepared.schema.definition.id,
    claim: {
      provider,
      domain: str(prepared.claim.domain),
      datasetCommitment: prepared.claim.datasetCommitment,
      schemaHash: prepared.claim.schemaHash,
      minIntegrityBps: str(prepared.claim.minIntegrityBps),
      minTimelinessBps: str(prepared.claim.minTimelinessBps),
      minContinuityBps: str(prepared.claim.minContinuityBps),
      maxGapSlots: str(prepared.claim.maxGapSlots),
      deadlineSeconds: str(prepared.claim.deadlineSeconds),
      slotSeconds: str(prepared.claim.slotSeconds),
      windowStart: str(prepared.claim.windowStart),
    },
    ...proofFields(core.proof),
    publicSignals: core.publicSignals,
  });
  write("derivationBindingProof.json", {
    schema: prepared.schema.definition.id,
    schemaHash: prepared.claim.schemaHash,
    coreCommitment: prepared.claim.datasetCommitment,
    channelMask,
    bindingHash: `0x${bindingHash.toString(16).padStart(64, "0")}`,
    featureCommitment: binding.features.featureCommitment,
    ...proofFields(binding.proof),
    publicSignals: binding.publicSignals,
  });
  console.log(prepared.quality, {
    coreProveMs: Math.round(core.proveMs),
    bindingProveMs: Math.round(binding.proveMs),
  });
}

const FIXTURE_RISK_REGISTRY_DEPLOYER = "0x000000000000000000000000000000000000815c";

async function riskFeatureFixture() {
  const riskRegistry = getContractAddress({ from: FIXTURE_RISK_REGISTRY_DEPLOYER, nonce: 0n });
  const ecosystemId = 1;
  const kind = 1; // DEFAULT_RATE
  const windowStart = 1_700_000_000;
  const windowEnd = windowStart + 30 * 86_400;
  // 20 obligations over the 30 days, three of them defaulted (value 1); fixed salts, so the fixture is reproducible.
  const records = Array.from({ length: 20 }, (_, i) => ({
    timestamp: windowStart + i * 129_600,
    value: i === 3 || i === 11 || i === 17 ? 1 : 0,
    counterparty: `fixture-counterparty-${i % 7}`,
    scenario: i % 2 === 0 ? "working-capital-loan" : "equipment-lease",
    salt: BigInt(keccak256(stringToBytes(`caldera risk fixture salt ${i}`))) % SNARK_SCALAR_FIELD,
  }));
  const risk = await proveRiskFeature({
    subject: provider,
    ecosystemId,
    kind,
    chainId,
    registry: riskRegistry,
    windowStart,
    windowEnd,
    threshold: 1,
    records,
  });
  write("riskFeatureProof.json", {
    comment:
      "Made by `tsx scripts/buildProofFixtures.ts riskFeature`. context = uint256(keccak256(abi.encode(chainId, registry, ecosystemId, kind))) mod p with chainId 31337 (forge's default), registry = the first contract FIXTURE_RISK_REGISTRY_DEPLOYER creates (vm.prank(0x815C); new RiskFeatureRegistry(...)), ecosystemId 1 (Caldera) and kind 1 (DEFAULT_RATE). Warp past windowEnd before publishing.",
    chainId,
    registryDeployer: FIXTURE_RISK_REGISTRY_DEPLOYER,
    registry: riskRegistry,
    ecosystemId,
    kind,
    context: risk.context.toString(),
    flaggedCount: risk.flaggedCount,
    // IRiskFeatureRegistry.FeatureClaim, numbers as decimal strings (vm.parseJsonUint reads them).
    claim: {
      subject: risk.claim.subject,
      ecosystemId: str(risk.claim.ecosystemId),
      kind: str(risk.claim.kind),
      bucket: str(risk.claim.bucket),
      windowStart: str(risk.claim.windowStart),
      windowEnd: str(risk.claim.windowEnd),
      threshold: str(risk.claim.threshold),
      recordCount: str(risk.claim.recordCount),
      evidenceRoot: risk.claim.evidenceRoot,
    },
    bucketLowBps: risk.bucketLowBps,
    bucketHighBps: risk.bucketHighBps,
    ...proofFields(risk.proof),
    publicSignals: risk.publicSignals,
  });
  console.log({ riskProveMs: Math.round(risk.proveMs) });
}

const fixtures: Record<string, () => Promise<void>> = {
  coreQuality: coreFixtures,
  derivationBinding: coreFixtures,
  riskFeature: riskFeatureFixture,
};
const requested = process.argv.slice(2);
const selected = new Set(
  requested.length === 0 ? Object.values(fixtures) : requested.map((name) => fixtures[name]),
);
if (selected.has(undefined))
  throw new Error(`no fixture for ${requested.join(", ")}; known: ${Object.keys(fixtures).join(", ")}`);
for (const make of selected) await make?.();
await releaseProver();
