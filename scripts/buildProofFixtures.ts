/**
 * Writes the real Groth16 proof the forge tests verify (contracts/test/fixtures/coreQualityProof.json). Run after
 * `npm run build:circuits` (it runs this itself). The registry address is where `CoreCertificateRegistry.t.sol`'s
 * setUp deploys it: the third contract created by forge's default test contract (verifier, token, registry).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getContractAddress } from "viem";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveCoreQuality } from "../prover/proveCoreQuality.js";
import { releaseProver } from "../prover/releaseProver.js";

const FORGE_TEST_CONTRACT = "0x7FA9385bE102ac3EAc297483Dd6233D62b3e1496";
const registry = getContractAddress({ from: FORGE_TEST_CONTRACT, nonce: 3n });
const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // anvil account #1
const chainId = 31337;

// 93 of 96 readings (slots 10, 11 and 50 missing), two delivered after the 5-minute deadline.
const windowStart = 1_700_000_000;
const readings = Array.from({ length: 96 }, (_, i) => i)
  .filter((i) => i !== 10 && i !== 11 && i !== 50)
  .map((i) => ({
    observedAt: windowStart + i * 900,
    value: Math.round((18 + 6 * Math.sin((i / 96) * 2 * Math.PI)) * 1000) / 1000,
    deliveredAt: windowStart + i * 900 + (i === 30 || i === 31 ? 600 : 60),
  }));
const prepared = prepareCoreClaim({
  dataset: { windowStart, slotSeconds: 900, deadlineSeconds: 300, readings },
  domain: 1,
});
const { proof, publicSignals } = await proveCoreQuality({ prepared, provider, chainId, registry });
await releaseProver();

const str = (v: bigint | number) => v.toString();
const fixture = {
  provider,
  chainId,
  registry,
  claim: {
    provider,
    domain: str(prepared.claim.domain),
    datasetCommitment: prepared.claim.datasetCommitment,
    minIntegrityBps: str(prepared.claim.minIntegrityBps),
    minTimelinessBps: str(prepared.claim.minTimelinessBps),
    minContinuityBps: str(prepared.claim.minContinuityBps),
    maxGapSlots: str(prepared.claim.maxGapSlots),
    deadlineSeconds: str(prepared.claim.deadlineSeconds),
    slotSeconds: str(prepared.claim.slotSeconds),
    windowStart: str(prepared.claim.windowStart),
  },
  a: proof.a.map(str),
  b: proof.b.map((pair) => pair.map(str)),
  c: proof.c.map(str),
  publicSignals,
};
const path = fileURLToPath(new URL("../contracts/test/fixtures/coreQualityProof.json", import.meta.url));
writeFileSync(path, `${JSON.stringify(fixture, null, 2)}\n`);
console.log(`wrote ${path}`, prepared.quality);
