import { type Address, parseEventLogs } from "viem";
import { coreCertificateRegistryAbi, derivationRulesAbi } from "../contracts/generated/abis.js";
import { DEFAULT_CHANNEL_SCHEMA_ID } from "../prover/channelSchema.js";
import { CORE_DOMAINS, type CoreReading } from "../prover/coreDataset.js";
import { InvalidDatasetError } from "../prover/errors.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import type { CoreQuality } from "../prover/measureCoreQuality.js";
import { type PrepareCoreClaimReturnType, prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { assertIndexerLive } from "./assertIndexerLive.js";
import {
  certificationTypedData,
  DEFAULT_SIGNATURE_TTL_SECONDS,
  type SignedAuthorization,
} from "./certificationTypedData.js";
import { AlreadyCertifiedError, BadUserInputError, UnknownProviderError } from "./errors.js";
import { fromChainError } from "./fromChainError.js";
import type { HubServices } from "./HubServices.js";
import { sendAndWaitIndexed } from "./sendAndWaitIndexed.js";
import { chainNow, verifySignedAuthorization } from "./verifySignedAuthorization.js";

/** What to certify; the same input goes to `certifyCoreTypedData` and to `certifyCore`. */
export type CertifyCoreInput = {
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
  /** Each threshold left out is what the data achieves; every one must meet the domain's certification floor. */
  thresholds?: {
    integrityBps?: number | null | undefined;
    timelinessBps?: number | null | undefined;
    continuityBps?: number | null | undefined;
    maxGapSlots?: number | null | undefined;
  } | null;
};

export type CertifyCoreParameters = CertifyCoreInput & {
  /** The provider's EIP-712 signature over `certifyCoreTypedData`'s typed data, and that typed data's deadline. */
  authorization: SignedAuthorization;
};

export type CertifyCoreReturnType = {
  certificateId: string;
  quality: CoreQuality;
  transactionHash: `0x${string}`;
  gasUsed: bigint;
  blockNumber: bigint;
  proveMs: number;
};

export type CertifyCoreTypedDataOptions = {
  /** Unix seconds: the last second the signature may be used. Default: an hour from the chain's time. */
  deadline?: number | bigint | null | undefined;
};

export type CertifyCoreTypedDataReturnType = {
  /** Sign with viem's `signTypedData` (or any EIP-712 wallet), then send it with `certifyCore`. */
  typedData: ReturnType<typeof certificationTypedData>;
  /** What the data achieves; the claimed thresholds are in `typedData.message`. */
  quality: CoreQuality;
  nonce: bigint;
  deadline: bigint;
};

/** Gas for `certify`: verification is ~230k of it; the registry refuses calls that would starve the verifier. */
const CERTIFY_GAS = 500_000n;

type PreparedCertification = {
  prepared: PrepareCoreClaimReturnType;
  dataset: Parameters<typeof prepareCoreClaim>[0]["dataset"];
  registry: { address: Address; abi: typeof coreCertificateRegistryAbi };
  nonce: bigint;
  schemaIndex: number;
  /** `chainNow`: unix seconds. */
  now: bigint;
  typedDataFor: (nonce: bigint, deadline: bigint) => ReturnType<typeof certificationTypedData>;
};

/**
 * What the typed-data query and the mutation share, all before any proof: validate the dataset, read the domain's
 * certification floors and settle the thresholds against them and the data (BELOW_FLOOR, THRESHOLD_NOT_MET), then
 * check the chain would accept (registered provider, dataset not yet certified) and read the provider's nonce.
 */
async function prepareCertification(
  input: CertifyCoreInput,
  hub: HubServices,
): Promise<PreparedCertification> {
  const t = input.thresholds ?? {};
  const dataset = {
    windowStart: input.windowStart,
    slotSeconds: input.slotSeconds,
    deadlineSeconds: input.deadlineSeconds,
    readings: input.readings.map(toCoreReading),
  };
  const schema = loadChannelSchema(input.schema ?? DEFAULT_CHANNEL_SCHEMA_ID);
  const domain = CORE_DOMAINS[input.domain];
  const { publicClient, deployment } = hub;
  const floors = await publicClient
    .readContract({
      address: deployment.contracts.DerivationRules.address,
      abi: derivationRulesAbi,
      functionName: "floorsOf",
      args: [domain],
    })
    .catch((error: unknown) => {
      throw fromChainError(error);
    });
  const prepared = prepareCoreClaim({
    dataset,
    domain,
    schema,
    floors,
    thresholds: {
      minIntegrityBps: t.integrityBps ?? undefined,
      minTimelinessBps: t.timelinessBps ?? undefined,
      minContinuityBps: t.continuityBps ?? undefined,
      maxGapSlots: t.maxGapSlots ?? undefined,
    },
  });

  const registry = {
    address: deployment.contracts.CoreCertificateRegistry.address,
    abi: coreCertificateRegistryAbi,
  } as const;
  const [isProvider, existing, schemaIndex, nonce, now] = await Promise.all([
    publicClient.readContract({ ...registry, functionName: "isProvider", args: [input.provider] }),
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
    publicClient.readContract({ ...registry, functionName: "nonces", args: [input.provider] }),
    chainNow(hub),
  ]).catch((error: unknown) => {
    throw fromChainError(error);
  });
  if (!isProvider) throw new UnknownProviderError(input.provider);
  if (existing !== 0n) throw new AlreadyCertifiedError(existing);
  return {
    prepared,
    dataset,
    registry,
    nonce,
    schemaIndex,
    now,
    typedDataFor: (n, deadline) =>
      certificationTypedData({
        chainId: deployment.chainId,
        registry: registry.address,
        provider: input.provider,
        claim: prepared.claim,
        nonce: n,
        deadline,
      }),
  };
}

/**
 * The EIP-712 typed data the provider signs to certify this dataset: the claim exactly as the hub will submit it
 * (thresholds settled against the data and the floors), the provider's next registry nonce and a deadline. Nothing
 * is proven or sent; every refusal `certifyCore` would give before proving is given here too.
 */
export async function certifyCoreTypedData(
  input: CertifyCoreInput,
  hub: HubServices,
  { deadline }: CertifyCoreTypedDataOptions = {},
): Promise<CertifyCoreTypedDataReturnType> {
  const c = await prepareCertification(input, hub);
  const until =
    deadline === undefined || deadline === null
      ? c.now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS)
      : BigInt(deadline);
  if (until <= c.now) throw new BadUserInputError("deadline", `must be after the chain's time (${c.now})`);
  return {
    typedData: c.typedDataFor(c.nonce, until),
    quality: c.prepared.quality,
    nonce: c.nonce,
    deadline: until,
  };
}

/**
 * validate → measure → settle thresholds against the floors → check the chain would accept (registered, not yet
 * certified) → verify the provider's signature (deadline ahead, its next nonce, EOA or ERC-1271) → check the indexer
 * is live → prove → (register the channel schema on its first use) → simulate → send → wait for the indexer. The
 * hub's own key pays the gas; the registry checks the signature again. Every check that can fail runs before
 * anything is proven or sent.
 */
export async function certifyCore(
  { authorization, ...input }: CertifyCoreParameters,
  hub: HubServices,
): Promise<CertifyCoreReturnType> {
  const c = await prepareCertification(input, hub);
  const { prepared, dataset, registry } = c;
  await verifySignedAuthorization({
    hub,
    signer: input.provider,
    authorization,
    nonce: c.nonce,
    now: c.now,
    typedDataFor: (n) => c.typedDataFor(n, authorization.deadline),
    what: "this certification",
  });
  // Before the proof: a dead indexer must cost the client a fast error, not two seconds of proving.
  await assertIndexerLive(hub);

  const { deployment } = hub;
  // In the prover's worker pool: a full queue is BUSY here, before any transaction.
  const { proof, proveMs } = await hub.prover.proveCoreQuality({
    prepared,
    provider: input.provider,
    chainId: deployment.chainId,
    registry: registry.address,
  });
  // A schema's first use records it in the registry's schema table: its own transaction, so that storage stays
  // out of the certification's gas (the registry would otherwise record it inside certify).
  if (c.schemaIndex === 0)
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
        authorization.deadline,
        authorization.signature,
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
  { observedAt, deliveredAt, value, channels }: CertifyCoreInput["readings"][number],
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
