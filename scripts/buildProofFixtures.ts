/**
 * Writes the real Groth16 proofs the forge tests verify. Run after `npm run build:circuits` (it runs this itself).
 *
 * - contracts/test/fixtures/coreQualityProof.json: a core-quality proof for 96 days of `agri-weather-daily` (seven
 *   channels). The registry address is where `CoreCertificateRegistry.t.sol`'s setUp deploys it: the first contract
 *   of its FIXTURE_REGISTRY_DEPLOYER (0xCE27), an address that calls nothing else, so the address is the same under
 *   plain `forge test`, `--isolate` and `--gas-report`.
 * - contracts/test/fixtures/derivationBindingProof.json: a derivation-binding proof over the same dataset (so its
 *   coreCommitment is the core fixture's datasetCommitment), selecting every channel, for a fixed bindingHash.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getContractAddress, keccak256, stringToBytes } from "viem";
import { SNARK_SCALAR_FIELD } from "../prover/coreDataset.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveCoreQuality } from "../prover/proveCoreQuality.js";
import { proveDerivationBinding } from "../prover/proveDerivationBinding.js";
import { releaseProver } from "../prover/releaseProver.js";

const FIXTURE_REGISTRY_DEPLOYER = "0x000000000000000000000000000000000000ce27";
const registry = getContractAddress({ from: FIXTURE_REGISTRY_DEPLOYER, nonce: 0n });
const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // anvil account #1
const chainId = 31337;

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
await releaseProver();

const str = (v: bigint | number) => v.toString();
const proofFields = ({ a, b, c }: typeof core.proof) => ({
  a: a.map(str),
  b: b.map((pair) => pair.map(str)),
  c: c.map(str),
});
const write = (name: string, fixture: unknown) => {
  const path = fileURLToPath(new URL(`../contracts/test/fixtures/${name}`, import.meta.url));
  writeFileSync(path, `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`wrote ${path}`);
};
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
