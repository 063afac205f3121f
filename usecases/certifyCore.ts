import { type Address, parseEventLogs } from "viem";
import { coreCertificateRegistryAbi, derivationRulesAbi } from "../contracts/generated/abis.js";
import { BaseError } from "../errors/BaseError.js";
import type { ErrorCode } from "../errors/errorCodes.js";
import { type ChannelSchema, DEFAULT_CHANNEL_SCHEMA_ID } from "../prover/channelSchema.js";
import { CORE_DOMAINS, type CoreReading } from "../prover/coreDataset.js";
import { InvalidDatasetError } from "../prover/errors.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import type { CoreQuality } from "../prover/measureCoreQuality.js";
import { type PrepareCoreClaimReturnType, prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import type { CertificationAttempt } from "../services/createCertificationAttemptStore.js";
import { assertIndexerLive } from "./assertIndexerLive.js";
import {
  certificationTypedData,
  DEFAULT_SIGNATURE_TTL_SECONDS,
  type SignedAuthorization,
} from "./certificationTypedData.js";
import { AlreadyCertifiedError, BadUserInputError, UnknownProviderError } from "./errors.js";
import { meterInvocation } from "./evolution/meterInvocation.js";
import { observeUnknownChannels } from "./evolution/observeUnknownChannels.js";
import { fromChainError } from "./fromChainError.js";
import type { HubServices } from "./HubServices.js";
import { resolveChannelSchema } from "./resolveChannelSchema.js";
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
 * The submission as the prover takes it: the dataset, its schema and domain, the thresholds asked for. `resolved`:
 * the schema `resolveChannelSchema` chose (an approved extension when the readings carry its channels).
 */
function claimInputsOf(input: CertifyCoreInput, resolved?: ChannelSchema) {
  const t = input.thresholds ?? {};
  return {
    dataset: {
      windowStart: input.windowStart,
      slotSeconds: input.slotSeconds,
      deadlineSeconds: input.deadlineSeconds,
      readings: input.readings.map(toCoreReading),
    },
    schema: resolved ?? loadChannelSchema(input.schema ?? DEFAULT_CHANNEL_SCHEMA_ID),
    domain: CORE_DOMAINS[input.domain],
    thresholds: {
      minIntegrityBps: t.integrityBps ?? undefined,
      minTimelinessBps: t.timelinessBps ?? undefined,
      minContinuityBps: t.continuityBps ?? undefined,
      maxGapSlots: t.maxGapSlots ?? undefined,
    },
  };
}

/**
 * What the typed-data query and the mutation share, all before any proof: validate the dataset, read the domain's
 * certification floors and settle the thresholds against them and the data (BELOW_FLOOR, THRESHOLD_NOT_MET), then
 * check the chain would accept (registered provider, dataset not yet certified) and read the provider's nonce.
 */
async function prepareCertification(
  input: CertifyCoreInput,
  hub: HubServices,
  phase: "typedData" | "certify",
): Promise<PreparedCertification> {
  const { publicClient, deployment } = hub;
  // The domain's dataset validator component: parse, check against the schema and the domain's floors.
  const { dataset, prepared } = await meterDatasetValidation(input, hub, phase, async () => {
    const resolved = await resolveChannelSchema(input, hub);
    const { dataset, schema, domain, thresholds } = claimInputsOf(input, resolved);
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
    return { dataset, prepared: prepareCoreClaim({ dataset, domain, schema, floors, thresholds }) };
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
  const c = await prepareCertification(input, hub, "typedData");
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
 * anything is proven or sent. Once the outcome is known, an authenticated attempt is recorded in the hub's attempt
 * store, never failing it: accepted or refused by the registry (INVALID_PROOF), one awaited insert; refused for its
 * data (`recordRefusedSubmission`), in the background, so the refusal is not slowed at all.
 */
export async function certifyCore(
  { authorization, ...input }: CertifyCoreParameters,
  hub: HubServices,
): Promise<CertifyCoreReturnType> {
  let c: PreparedCertification;
  try {
    c = await prepareCertification(input, hub, "certify");
  } catch (error) {
    // The outcome is decided and goes back at once, unchanged. Whether the provider signed this refused claim takes
    // reads and a signature check the refusal never needed, so the record follows in the background (never throws).
    void recordRefusedSubmission(input, authorization, hub, error);
    throw error;
  }
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
  const attempt = (outcome: CertificationAttempt["outcome"], errorCode: ErrorCode | null) =>
    hub.certificationAttempts?.record({
      provider: input.provider,
      datasetCommitment: prepared.claim.datasetCommitment,
      outcome,
      errorCode,
      attemptedAt: Number(c.now),
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
  }).catch(async (error: unknown) => {
    // The registry refused the proof (signature verified above): a rejected proof, recorded; the error unchanged.
    if (error instanceof BaseError && error.code === "INVALID_PROOF") await attempt("REJECTED", error.code);
    throw error;
  });
  const [certified] = parseEventLogs({
    abi: coreCertificateRegistryAbi,
    eventName: "CoreCertified",
    logs: receipt.logs,
  });
  if (certified === undefined)
    throw new Error(`certify transaction ${receipt.transactionHash} emitted no CoreCertified`);
  await attempt("ACCEPTED", null);
  return {
    certificateId: certified.args.certificateId.toString(),
    quality: prepared.quality,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    blockNumber: receipt.blockNumber,
    proveMs: Math.round(proveMs),
  };
}

/**
 * The refusals that count as a rejected proof (Caldera's TAMPERING_FREQUENCY records): the ones about the submitted
 * data — a floor the claim or the data falls below (BELOW_FLOOR), a threshold the data does not meet
 * (THRESHOLD_NOT_MET) — and a proof the registry refuses (INVALID_PROOF, recorded where it is sent). The hub's
 * typed-data query refuses the first two before anything is signed, so a signed one is a claim the provider built
 * past the hub's checks. INVALID_DATASET is about the data too, but a dataset that does not parse has no commitment
 * the provider could have signed, so it can never be attributed. Infrastructure and state (CHAIN_UNAVAILABLE, BUSY,
 * RATE_LIMITED, INDEXER_UNAVAILABLE, UNKNOWN_PROVIDER, NOT_AUTHORIZED, ALREADY_CERTIFIED…) say nothing about the data.
 */
const REFUSED_DATA_CODES: readonly ErrorCode[] = ["BELOW_FLOOR", "THRESHOLD_NOT_MET"];

/**
 * Records a data refusal as a REJECTED attempt — only when the provider is authenticated: a registered provider's
 * signature over exactly this claim (the thresholds it asked for, else what its data achieves, the dataset's
 * commitment, its next nonce, a deadline ahead). Anyone can send junk in a provider's name; only what the provider
 * signed can count against it. A refusal uses no nonce, so a replay of the same signed claim is kept once (the store
 * keeps one refusal per provider and dataset). Never throws: the refusal is already the outcome.
 */
async function recordRefusedSubmission(
  input: CertifyCoreInput,
  authorization: SignedAuthorization,
  hub: HubServices,
  error: unknown,
): Promise<void> {
  const store = hub.certificationAttempts;
  if (store === undefined || !(error instanceof BaseError) || !REFUSED_DATA_CODES.includes(error.code))
    return;
  try {
    const resolved = await resolveChannelSchema(input, hub);
    const { dataset, schema, domain, thresholds: asked } = claimInputsOf(input, resolved);
    // Without floors or asked thresholds the claim settles at what the data achieves; the asked ones go back in.
    const { claim: achieved } = prepareCoreClaim({ dataset, domain, schema });
    const claim = {
      ...achieved,
      minIntegrityBps: asked.minIntegrityBps ?? achieved.minIntegrityBps,
      minTimelinessBps: asked.minTimelinessBps ?? achieved.minTimelinessBps,
      minContinuityBps: asked.minContinuityBps ?? achieved.minContinuityBps,
      maxGapSlots: asked.maxGapSlots ?? achieved.maxGapSlots,
    };
    const { publicClient, deployment } = hub;
    const registry = {
      address: deployment.contracts.CoreCertificateRegistry.address,
      abi: coreCertificateRegistryAbi,
    } as const;
    const [isProvider, nonce, now, head] = await Promise.all([
      publicClient.readContract({ ...registry, functionName: "isProvider", args: [input.provider] }),
      publicClient.readContract({ ...registry, functionName: "nonces", args: [input.provider] }),
      chainNow(hub),
      publicClient.getBlock({ blockTag: "latest" }),
    ]);
    if (!isProvider) return;
    await verifySignedAuthorization({
      hub,
      signer: input.provider,
      authorization,
      nonce,
      now,
      typedDataFor: (n) =>
        certificationTypedData({
          chainId: deployment.chainId,
          registry: registry.address,
          provider: input.provider,
          claim,
          nonce: n,
          deadline: authorization.deadline,
        }),
      what: "this certification",
    });
    await store.record({
      provider: input.provider,
      datasetCommitment: claim.datasetCommitment,
      outcome: "REJECTED",
      errorCode: error.code,
      // The chain head's time, not the wall clock: no block carries a refusal, and a risk feature's window must end
      // at or before the block that publishes it (RiskFeatureRegistry InvalidWindow), so a refusal is dated by the
      // newest block when it happened.
      attemptedAt: Number(head.timestamp),
    });
  } catch {
    // Not the provider's signature (or the chain unreadable): nothing to attribute, nothing recorded.
  }
}

/**
 * Meters one dataset validation as the domain's validator component (`agricultural-validator`,
 * `industrial-validator`), scenario `schema:<id>` (the schema it validated against). A refusal carrying channels the
 * schema lacks is recorded with them (`details.unknownChannels`, their decimals, the provider) and under the scenario
 * of the extension it asks for (`schema:<id>-<kebab channel>`, the extended schema's id), so the schema-extension
 * detector sees it and the adaptation cycle runs from it; the caller still gets INVALID_DATASET. Both the typed-data
 * query and the mutation validate (`details.phase`).
 */
function meterDatasetValidation<T extends { prepared: PrepareCoreClaimReturnType }>(
  input: CertifyCoreInput,
  hub: HubServices,
  phase: "typedData" | "certify",
  validate: () => Promise<T>,
): Promise<T> {
  const requested = input.schema ?? DEFAULT_CHANNEL_SCHEMA_ID;
  const unknownChannels = () => {
    try {
      return observeUnknownChannels(input.readings, loadChannelSchema(requested));
    } catch {
      return undefined;
    }
  };
  return meterInvocation(
    hub,
    `${String(input.domain).toLowerCase()}-validator`,
    {
      scenario: `schema:${requested}`,
      configuration: { schema: requested, domain: input.domain },
      details: { provider: input.provider, phase },
      scenarioOnError: () => {
        const unknown = unknownChannels();
        return unknown === undefined
          ? undefined
          : `schema:${[requested, ...unknown.unknownChannels.map(kebabCase)].join("-")}`;
      },
      detailsOnError: unknownChannels,
    },
    validate,
    ({ prepared }) => ({ scenario: `schema:${prepared.schema.definition.id}` }),
  );
}

function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
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
