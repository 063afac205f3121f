import { type Address, getAddress, type Hex, isAddress } from "viem";
import { type CommittedRiskRecord, commitRiskRecords, type RiskRecord } from "./commitRiskRecords.js";
import { InvalidDatasetError } from "./errors.js";
import { fullProve, type ProvingOptions } from "./fullProve.js";
import { loadCircuitArtifacts } from "./loadCircuitArtifacts.js";
import { riskFeatureContext } from "./riskFeatureContext.js";
import { bucketEdges, bucketOf, riskKind } from "./riskFeatureStandard.js";
import { type SolidityGroth16Proof, toSolidityProof } from "./toSolidityProof.js";

export type ProveRiskFeatureParameters = {
  /** The provider the records are about. */
  subject: Address;
  /** The publishing ecosystem's id in EcosystemRegistry (Caldera is 1). */
  ecosystemId: number;
  /** The kind by name (`DEFAULT_RATE`) or Solidity enum number (1). */
  kind: string | number;
  chainId: number;
  /** The RiskFeatureRegistry that will verify the proof (bound through `context`). */
  registry: Address;
  windowStart: number;
  windowEnd: number;
  /** A record is flagged when its value ≥ threshold: an integer in [0, 2^32). */
  threshold: number;
  /** 1 to 32 records, in the order they are committed. */
  records: readonly RiskRecord[];
};

/** `IRiskFeatureRegistry.FeatureClaim`: what the publisher signs and the registry checks the proof against. */
export type RiskFeatureClaim = {
  subject: Address;
  ecosystemId: number;
  /** Solidity enum number. */
  kind: number;
  bucket: number;
  windowStart: number;
  windowEnd: number;
  threshold: number;
  recordCount: number;
  evidenceRoot: Hex;
};

export type ProveRiskFeatureReturnType = {
  claim: RiskFeatureClaim;
  /** `IRiskFeatureRegistry.Proof` ({a, b, c} in the verifier's calldata layout). */
  proof: SolidityGroth16Proof;
  /** [evidenceRoot, subject, context, windowStart, windowEnd, threshold, recordCount, bucketLowBps,
   *  bucketHighBps] as decimal strings. */
  publicSignals: string[];
  context: bigint;
  bucketLowBps: number;
  bucketHighBps: number;
  /** Records whose value reached the threshold (private: not in the claim, only its bucket is). */
  flaggedCount: number;
  /** The records as committed, with their salts: what the ecosystem keeps to open the evidence later. */
  records: CommittedRiskRecord[];
  proveMs: number;
};

/**
 * Groth16 proof that among `records` (committed in `claim.evidenceRoot`) the share whose value reaches `threshold`
 * lies in `claim.bucket` (prover/riskFeatureStandard.ts edges), bound to the chain, the registry, the publishing
 * ecosystem and the kind. The bucket is computed here from the records, so it is always the provable one. Bad
 * input is refused with INVALID_DATASET (records, window, threshold) or BAD_USER_INPUT (kind) before proving.
 */
export async function proveRiskFeature(
  {
    subject,
    ecosystemId,
    kind,
    chainId,
    registry,
    windowStart,
    windowEnd,
    threshold,
    records,
  }: ProveRiskFeatureParameters,
  options: ProvingOptions = {},
): Promise<ProveRiskFeatureReturnType> {
  const kindNumber = riskKind(kind).number;
  if (!Number.isSafeInteger(threshold) || threshold < 0 || threshold >= 2 ** 32)
    throw new InvalidDatasetError("threshold", `is ${threshold}; must be an integer in [0, 2^32)`);
  if (!Number.isSafeInteger(ecosystemId) || ecosystemId < 1 || ecosystemId >= 2 ** 32)
    throw new InvalidDatasetError("ecosystemId", `is ${ecosystemId}; must be a uint32 ecosystem id`);
  if (!Number.isSafeInteger(chainId) || chainId < 1)
    throw new InvalidDatasetError("chainId", `is ${chainId}; must be a positive integer`);
  if (!isAddress(registry, { strict: false })) throw new InvalidDatasetError("registry", "is not an address");
  const commitment = commitRiskRecords({ subject, windowStart, windowEnd, records });
  const recordCount = commitment.records.length;
  const flaggedCount = commitment.records.filter((r) => r.value >= threshold).length;
  const bucket = bucketOf(flaggedCount, recordCount);
  const { lowBps, highBps } = bucketEdges(bucket);
  const context = riskFeatureContext({ chainId, registry, ecosystemId, kind: kindNumber });

  const { wasm, zkey } = await loadCircuitArtifacts("riskFeature");
  const started = performance.now();
  const { proof, publicSignals } = await fullProve({
    input: {
      evidenceRoot: BigInt(commitment.evidenceRoot).toString(),
      subject: BigInt(subject).toString(),
      context: context.toString(),
      windowStart: String(windowStart),
      windowEnd: String(windowEnd),
      threshold: String(threshold),
      recordCount: String(recordCount),
      bucketLowBps: String(lowBps),
      bucketHighBps: String(highBps),
      ...commitment.witness,
    },
    wasm,
    zkey,
    witness: options.witness,
    schedule: options.schedule,
  });
  const proveMs = performance.now() - started;
  return {
    claim: {
      subject: getAddress(subject),
      ecosystemId,
      kind: kindNumber,
      bucket,
      windowStart,
      windowEnd,
      threshold,
      recordCount,
      evidenceRoot: commitment.evidenceRoot,
    },
    proof: toSolidityProof(proof),
    publicSignals,
    context,
    bucketLowBps: lowBps,
    bucketHighBps: highBps,
    flaggedCount,
    records: commitment.records,
    proveMs,
  };
}
