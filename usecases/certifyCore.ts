import { type Address, parseEventLogs } from "viem";
import { coreCertificateRegistryAbi } from "../contracts/generated/abis.js";
import { DEFAULT_CHANNEL_SCHEMA_ID } from "../prover/channelSchema.js";
import { CORE_DOMAINS, type CoreReading } from "../prover/coreDataset.js";
import { InvalidDatasetError } from "../prover/errors.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
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
  /** Channel schema id (`schemas/channels/<id>.json`); defaults to `soil-moisture`, one value per reading. */
  schema?: string | null | undefined;
  /** Each reading gives `value` (one-channel schemas) or every channel of the schema by name. */
  readings: {
    observedAt: number;
    deliveredAt: number;
    value?: number | null | undefined;
    channels?: readonly { name: string; value: number }[] | null | undefined;
  }[];
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
 * is live → prove → (register the channel schema on its first use) → simulate → send → wait for the indexer. Every
 * check that can fail runs before anything is sent.
 */
export async function certifyCore(
  input: CertifyCoreParameters,
  hub: HubServices,
): Promise<CertifyCoreReturnType> {
  const t = input.thresholds ?? {};
  const dataset = {
    windowStart: input.windowStart,
    slotSeconds: input.slotSeconds,
    deadlineSeconds: input.deadlineSeconds,
    readings: input.readings.map(toCoreReading),
  };
  const prepared = prepareCoreClaim({
    dataset,
    domain: CORE_DOMAINS[input.domain],
    schema: loadChannelSchema(input.schema ?? DEFAULT_CHANNEL_SCHEMA_ID),
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
  const [isProvider, isOperator, existing, schemaIndex] = await Promise.all([
    publicClient.readContract({ ...registry, functionName: "isProvider", args: [input.provider] }),
    publicClient.readContract({ ...registry, functionName: "isOperator", args: [input.provider, signer] }),
    publicClient.readContract({
      ...registry,
      functionName: "certificateOf",
      args: [input.provider, prepared.claim.datasetCommitment],
    }),
    publicClient.readContract({
      ...registry,
      functionName: "schemaIndexOf",
      args: [prepared.claim.schemaHash],
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
  // A schema's first use records it in the registry's schema table: its own transaction, so that storage stays
  // out of the certification's gas (the registry would otherwise record it inside certify).
  if (schemaIndex === 0)
    await sendAndWaitIndexed({
      hub,
      what: "The channel schema",
      call: { ...registry, functionName: "registerSchema", args: [prepared.claim.schemaHash] },
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
    // The certified dataset is kept (content-addressed by its commitment) so derivations can re-prove from it.
    onMined: () =>
      hub.datasets.put({
        commitment: prepared.claim.datasetCommitment,
        provider: input.provider,
        schemaId: prepared.schema.definition.id,
        windowStart: prepared.claim.windowStart,
        slotSeconds: prepared.claim.slotSeconds,
        dataset,
        presentSlots: prepared.quality.presentCount,
      }),
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

/** A reading's channels arrive as a list of { name, value }; the prover takes them by name. */
function toCoreReading(
  { observedAt, deliveredAt, value, channels }: CertifyCoreParameters["readings"][number],
  index: number,
): CoreReading {
  if (channels === undefined || channels === null)
    return { observedAt, deliveredAt, value: value ?? undefined };
  const byName: Record<string, number> = {};
  for (const { name, value: channelValue } of channels) {
    if (Object.hasOwn(byName, name))
      throw new InvalidDatasetError(`readings[${index}].channels.${name}`, "is given twice");
    byName[name] = channelValue;
  }
  return { observedAt, deliveredAt, value: value ?? undefined, channels: byName };
}
