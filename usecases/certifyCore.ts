import { type Address, parseEventLogs } from "viem";
import { coreCertificateRegistryAbi } from "../contracts/generated/abis.js";
import { CORE_DOMAINS } from "../prover/coreDataset.js";
import type { CoreQuality } from "../prover/measureCoreQuality.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveCoreQuality } from "../prover/proveCoreQuality.js";
import { assertIndexerLive } from "./assertIndexerLive.js";
import { AlreadyCertifiedError, NotAuthorizedError, UnknownProviderError } from "./errors.js";
import { fromChainError } from "./fromChainError.js";
import type { HubServices } from "./HubServices.js";
import { sendAndWaitIndexed } from "./sendAndWaitIndexed.js";

export type CertifyCoreParameters = {
  provider: Address;
  domain: keyof typeof CORE_DOMAINS;
  /** Unix seconds. */
  windowStart: number;
  slotSeconds: number;
  deadlineSeconds: number;
  readings: { observedAt: number; value: number; deliveredAt: number }[];
  thresholds?: {
    integrityBps?: number | null | undefined;
    timelinessBps?: number | null | undefined;
    continuityBps?: number | null | undefined;
    maxGapSlots?: number | null | undefined;
  } | null;
};

export type CertifyCoreReturnType = {
  certificateId: string;
  quality: CoreQuality;
  transactionHash: `0x${string}`;
  gasUsed: bigint;
  blockNumber: bigint;
  proveMs: number;
};

/** Gas for `certify`: verification is ~230k of it; the registry refuses calls that would starve the verifier. */
const CERTIFY_GAS = 500_000n;

/**
 * validate → measure → check the chain would accept (registered, authorised, not yet certified) and the indexer
 * is live → prove → simulate → send → wait for the indexer. Every check that can fail runs before anything is sent.
 */
export async function certifyCore(
  input: CertifyCoreParameters,
  hub: HubServices,
): Promise<CertifyCoreReturnType> {
  const t = input.thresholds ?? {};
  const prepared = prepareCoreClaim({
    dataset: {
      windowStart: input.windowStart,
      slotSeconds: input.slotSeconds,
      deadlineSeconds: input.deadlineSeconds,
      readings: input.readings,
    },
    domain: CORE_DOMAINS[input.domain],
    thresholds: {
      minIntegrityBps: t.integrityBps ?? undefined,
      minTimelinessBps: t.timelinessBps ?? undefined,
      minContinuityBps: t.continuityBps ?? undefined,
      maxGapSlots: t.maxGapSlots ?? undefined,
    },
  });

  const { publicClient, walletClient, deployment } = hub;
  const registry = {
    address: deployment.contracts.CoreCertificateRegistry.address,
    abi: coreCertificateRegistryAbi,
  } as const;
  const signer = walletClient.account.address;
  const [isProvider, isOperator, existing] = await Promise.all([
    publicClient.readContract({ ...registry, functionName: "isProvider", args: [input.provider] }),
    publicClient.readContract({ ...registry, functionName: "isOperator", args: [input.provider, signer] }),
    publicClient.readContract({
      ...registry,
      functionName: "certificateOf",
      args: [input.provider, prepared.claim.datasetCommitment],
    }),
  ]).catch((error: unknown) => {
    throw fromChainError(error);
  });
  if (!isProvider) throw new UnknownProviderError(input.provider);
  if (signer.toLowerCase() !== input.provider.toLowerCase() && !isOperator)
    throw new NotAuthorizedError(
      `${input.provider} has not approved the hub signer ${signer} as its operator`,
      {
        provider: input.provider,
      },
    );
  if (existing !== 0n) throw new AlreadyCertifiedError(existing);
  // Before the proof: a dead indexer must cost the client a fast error, not two seconds of proving.
  await assertIndexerLive(hub);

  const { proof, proveMs } = await proveCoreQuality({
    prepared,
    provider: input.provider,
    chainId: deployment.chainId,
    registry: registry.address,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: "The certificate",
    call: {
      ...registry,
      functionName: "certify",
      args: [
        { provider: input.provider, ...prepared.claim, windowStart: BigInt(prepared.claim.windowStart) },
        proof.a,
        proof.b,
        proof.c,
      ],
      gas: CERTIFY_GAS,
    },
  });
  const [certified] = parseEventLogs({
    abi: coreCertificateRegistryAbi,
    eventName: "CoreCertified",
    logs: receipt.logs,
  });
  if (certified === undefined)
    throw new Error(`certify transaction ${receipt.transactionHash} emitted no CoreCertified`);
  return {
    certificateId: certified.args.certificateId.toString(),
    quality: prepared.quality,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    blockNumber: receipt.blockNumber,
    proveMs: Math.round(proveMs),
  };
}
