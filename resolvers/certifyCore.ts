import { GraphQLError } from "graphql";
import { type Address, parseEventLogs } from "viem";
import { coreCertificateRegistryAbi } from "../contracts/generated/abis.js";
import type { CoreQuality } from "../prover/measureCoreQuality.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { proveCoreQuality } from "../prover/proveCoreQuality.js";
import { type DomainName, domainValues } from "./domain.js";
import type { CertificateRow } from "./rows.js";
import type { SubgraphContext } from "./SubgraphContext.js";

export type CertifyCoreInput = {
  provider: Address;
  domain: DomainName;
  windowStart: number;
  slotSeconds: number;
  deadlineSeconds: number;
  readings: { observedAt: number; value: number; deliveredAt: number }[];
  thresholds?: {
    integrityBps?: number | null;
    timelinessBps?: number | null;
    continuityBps?: number | null;
    maxGapSlots?: number | null;
  } | null;
};

export type CertifyCoreReturnType = {
  certificate: CertificateRow;
  quality: CoreQuality;
  transactionHash: `0x${string}`;
  gasUsed: bigint;
  proveMs: number;
};

/** Gas for `certify`: verification is ~230k of it; the registry refuses calls that would starve the verifier. */
const CERTIFY_GAS = 500_000n;

/**
 * validate → measure → check the chain would accept (registered, authorised, not yet certified) → prove →
 * simulate → send → wait for the indexer. Every check that can fail runs before anything is sent.
 */
export async function certifyCore(
  input: CertifyCoreInput,
  { hub, loaders }: SubgraphContext,
): Promise<CertifyCoreReturnType> {
  const t = input.thresholds ?? {};
  const prepared = prepareCoreClaim({
    dataset: {
      windowStart: input.windowStart,
      slotSeconds: input.slotSeconds,
      deadlineSeconds: input.deadlineSeconds,
      readings: input.readings,
    },
    domain: domainValues[input.domain],
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
  ]);
  if (!isProvider)
    throw new GraphQLError(`${input.provider} is not a registered provider`, {
      extensions: { code: "UNKNOWN_PROVIDER" },
    });
  if (signer.toLowerCase() !== input.provider.toLowerCase() && !isOperator)
    throw new GraphQLError(`${input.provider} has not approved the hub signer ${signer} as its operator`, {
      extensions: { code: "NOT_AUTHORIZED" },
    });
  if (existing !== 0n)
    throw new GraphQLError(`This dataset is already certified as certificate ${existing}`, {
      extensions: { code: "ALREADY_CERTIFIED", certificateId: existing.toString() },
    });

  const { proof, proveMs } = await proveCoreQuality({
    prepared,
    provider: input.provider,
    chainId: deployment.chainId,
    registry: registry.address,
  });
  const { request } = await publicClient.simulateContract({
    ...registry,
    functionName: "certify",
    args: [
      { provider: input.provider, ...prepared.claim, windowStart: BigInt(prepared.claim.windowStart) },
      proof.a,
      proof.b,
      proof.c,
    ],
    account: walletClient.account,
    gas: CERTIFY_GAS,
  });
  const transactionHash = await walletClient.writeContract(request);
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  if (receipt.status !== "success")
    throw new GraphQLError(`certify transaction ${transactionHash} reverted`, {
      extensions: { code: "CHAIN_REJECTED" },
    });
  const [certified] = parseEventLogs({
    abi: coreCertificateRegistryAbi,
    eventName: "CoreCertified",
    logs: receipt.logs,
  });
  if (certified === undefined)
    throw new Error(`certify transaction ${transactionHash} emitted no CoreCertified`);

  const certificateId = certified.args.certificateId.toString();
  // The certificate exists from here on: a slow indexer must not read as a failed certification.
  const behind = () =>
    new GraphQLError(
      `Certificate ${certificateId} is on-chain (${transactionHash}) but the indexer has not caught up yet`,
      {
        extensions: { code: "INDEXER_BEHIND", certificateId, transactionHash },
      },
    );
  await hub.waitForIndexedBlock(receipt.blockNumber).catch(() => {
    throw behind();
  });
  const certificate = await loaders.certificateById.load(certificateId);
  if (certificate === undefined) throw behind();
  return {
    certificate,
    quality: prepared.quality,
    transactionHash,
    gasUsed: receipt.gasUsed,
    proveMs: Math.round(proveMs),
  };
}
