import { type Address, type Hex, stringToHex } from "viem";
import {
  coreCertificateRegistryAbi,
  derivationRulesAbi,
  derivativeRegistryAbi,
} from "../contracts/generated/abis.js";
import { runModel } from "../models/defineModel.js";
import { getModel } from "../models/registry.js";
import { computeFeatures } from "../prover/computeFeatures.js";
import { VALUE_OFFSET } from "../prover/coreDataset.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { type PrepareCoreClaimReturnType, prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import {
  buildModelInput,
  type CertifiedFeatures,
  type DerivationKindName,
  derivationKinds,
} from "./buildModelInput.js";
import { BadUserInputError, NotAuthorizedError, RuleNotMetError } from "./errors.js";
import { meterInvocation } from "./evolution/meterInvocation.js";
import { fromChainError } from "./fromChainError.js";
import type { HubServices } from "./HubServices.js";
import { chainNow } from "./verifySignedAuthorization.js";

/** Which certified schema each kind derives from (its channels, in the binding proof's channel mask). */
export const derivationSchemas: Record<DerivationKindName, string> = {
  PLANTING_PLAN: "agri-weather-daily",
  MARKET_FORECAST: "agri-market-price",
  FAULT_WARNING_MODEL: "industrial-machine",
};

/** The binding proof's channel mask for a kind: its channels' positions in the kind's schema. */
export function channelMaskOf(kind: DerivationKindName): number {
  const schema = loadChannelSchema(derivationSchemas[kind]);
  return derivationKinds[kind].channels.reduce((mask, name) => {
    const index = schema.channels.findIndex((c) => c.name === name);
    if (index < 0) throw new Error(`${schema.id} has no channel ${name}, which ${kind} needs`);
    return mask | (1 << index);
  }, 0);
}

/** The hub's model service component serving each kind (`services/hubComponents.ts`). */
export const MODEL_COMPONENTS: Record<DerivationKindName, string> = {
  PLANTING_PLAN: "planting-model",
  MARKET_FORECAST: "market-model",
  FAULT_WARNING_MODEL: "fault-model",
};

/**
 * A model's own held-out accuracy, when its output carries one: the market forecast's backtest of the last season
 * (`backtest.holtWinters.mape`, percent) → 1 − MAPE/100, floored at 0. Other models measure nothing: null.
 */
export function backtestAccuracyOf(output: unknown): number | null {
  const mape = (output as { backtest?: { holtWinters?: { mape?: unknown } } | null } | null)?.backtest
    ?.holtWinters?.mape;
  return typeof mape === "number" && Number.isFinite(mape) ? Math.max(0, 1 - mape / 100) : null;
}

const ATTRIBUTES = { 1: "integrity", 2: "timeliness", 3: "continuity" } as const;
const MAX_CORES = 4;

export type PrepareDerivationParameters = {
  certificateIds: readonly string[];
  kind: DerivationKindName;
  /** The model's non-data parameters (station, crop, soil; horizon; windows). */
  parameters: Record<string, unknown>;
  /** The provider's next nonce and a deadline; the typed-data query fills them in, the mutation repeats them. */
  nonce?: bigint | undefined;
  deadline?: bigint | undefined;
};

/** The on-chain request, exactly as `DerivativeRegistry.derive` and the provider's EIP-712 signature take it. */
export type DerivationRequest = {
  provider: Address;
  ruleId: bigint;
  coreIds: readonly bigint[];
  modelId: Hex;
  modelVersionHash: Hex;
  outputHash: Hex;
  featureCommitments: readonly Hex[];
  channelMask: number;
  nonce: bigint;
  deadline: bigint;
};

export type PrepareDerivationReturnType = {
  request: DerivationRequest;
  /** What the provider signs: `signTypedData(typedData)` with viem, or any EIP-712 wallet. */
  typedData: ReturnType<typeof derivationTypedData>;
  /** Per core, in `request.coreIds` order: the certified dataset as proven, and its features. */
  cores: { prepared: PrepareCoreClaimReturnType; features: CertifiedFeatures }[];
  model: { id: string; versionHash: Hex; input: Record<string, unknown>; output: unknown; outputHash: Hex };
  rule: { id: bigint; attribute: string; thresholdBps: number; weightBps: number };
};

/**
 * Everything a derivation needs before the provider signs: the certificates exist and belong to one provider, the
 * active rule for the kind is met by each certificate's proven attribute (else RULE_NOT_MET naming the rule), the
 * stored datasets open the certificates' commitments, and the model has run on the certified features. Pure reads:
 * nothing is proven or sent here.
 */
export async function prepareDerivation(
  { certificateIds, kind, parameters, nonce, deadline }: PrepareDerivationParameters,
  hub: HubServices,
): Promise<PrepareDerivationReturnType> {
  const spec = derivationKinds[kind];
  if (spec === undefined)
    throw new BadUserInputError("kind", `must be one of ${Object.keys(derivationKinds).join(", ")}`);
  const registryAddress = hub.deployment.contracts.DerivativeRegistry?.address;
  if (registryAddress === undefined)
    throw new BadUserInputError("kind", "derivations are not deployed on this chain (no DerivativeRegistry)");
  const ids = parseCertificateIds(certificateIds);
  const { publicClient, deployment } = hub;
  const read = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      throw fromChainError(error);
    });

  const certificates = await read(
    Promise.all(
      ids.map((id) =>
        publicClient.readContract({
          address: deployment.contracts.CoreCertificateRegistry.address,
          abi: coreCertificateRegistryAbi,
          functionName: "certificate",
          args: [id],
        }),
      ),
    ),
  );
  const provider = (certificates[0] as (typeof certificates)[number]).provider;
  certificates.forEach((c, i) => {
    if (c.provider.toLowerCase() !== provider.toLowerCase())
      throw new NotAuthorizedError(
        `certificate ${ids[i]} belongs to ${c.provider}, certificate ${ids[0]} to ${provider}: one provider derives from its own certificates`,
        { certificateId: ids[i]?.toString() },
      );
  });
  const domain = (certificates[0] as (typeof certificates)[number]).domain;
  if (certificates.some((c) => c.domain !== domain))
    throw new BadUserInputError("certificateIds", "mixes domains");

  // The node-voted derivation rules component: the active rule for (domain, kind) and the certificates against it.
  const { ruleId, rule, attribute } = await meterInvocation(
    hub,
    "derivation-rules",
    { scenario: `kind:${kind}`, configuration: { domain, kind } },
    async () => {
      const rules = {
        address: deployment.contracts.DerivationRules.address,
        abi: derivationRulesAbi,
      } as const;
      const ruleId = await read(
        publicClient.readContract({ ...rules, functionName: "activeRuleFor", args: [domain, spec.kind] }),
      );
      if (ruleId === 0n)
        throw new RuleNotMetError(`no active rule derives ${kind} from domain ${domain} certificates`, {
          kind,
          domain,
        });
      const rule = await read(publicClient.readContract({ ...rules, functionName: "rule", args: [ruleId] }));
      const attribute = ATTRIBUTES[rule.attribute as 1 | 2 | 3];
      certificates.forEach((c, i) => {
        const proven =
          rule.attribute === 1
            ? c.minIntegrityBps
            : rule.attribute === 2
              ? c.minTimelinessBps
              : c.minContinuityBps;
        if (proven < rule.thresholdBps)
          throw new RuleNotMetError(
            `certificate ${ids[i]} proves ${attribute} ${proven} bps; rule ${ruleId} (${kind}) needs ${rule.thresholdBps}`,
            {
              ruleId: ruleId.toString(),
              certificateId: ids[i]?.toString(),
              attribute,
              proven,
              required: rule.thresholdBps,
            },
          );
      });
      return { ruleId, rule, attribute };
    },
    ({ ruleId }) => ({ details: { ruleId: ruleId.toString() } }),
  );

  const schema = loadChannelSchema(derivationSchemas[kind]);
  const channelMask = channelMaskOf(kind);
  const cores = await Promise.all(
    certificates.map(async (certificate, i) => {
      const stored = await hub.datasets.get(certificate.datasetCommitment);
      if (stored === undefined || stored.schemaId !== schema.id)
        throw new BadUserInputError(
          `certificateIds[${i}]`,
          stored === undefined
            ? `certificate ${ids[i]}'s dataset is not kept by this hub (certify it through the hub to derive from it)`
            : `certificate ${ids[i]} follows the ${stored.schemaId} schema; ${kind} needs ${schema.id}`,
        );
      const prepared = prepareCoreClaim({
        dataset: stored.dataset as Parameters<typeof prepareCoreClaim>[0]["dataset"],
        domain: certificate.domain as 1 | 2,
        thresholds: {
          minIntegrityBps: certificate.minIntegrityBps,
          minTimelinessBps: certificate.minTimelinessBps,
          minContinuityBps: certificate.minContinuityBps,
          maxGapSlots: certificate.maxGapSlots,
        },
        schema,
      });
      if (prepared.claim.datasetCommitment.toLowerCase() !== certificate.datasetCommitment.toLowerCase())
        throw new Error(`the stored dataset of certificate ${ids[i]} does not open its commitment`);
      const { features, featureCommitment } = certifiedFeatures(prepared, kind);
      return { prepared, features, featureCommitment };
    }),
  );

  const { modelId, input } = buildModelInput({ kind, parameters, features: cores.map((c) => c.features) });
  const model = getModel(modelId);
  // The kind's model service component; accuracy only where the model measures itself against held-out data.
  const run = meterInvocation(
    hub,
    MODEL_COMPONENTS[kind],
    { scenario: `kind:${kind}`, configuration: { model: modelId, versionHash: model.versionHash } },
    () => runModel(model, input),
    ({ output }) => ({ accuracy: backtestAccuracyOf(output) }),
  );
  const providerNonce =
    nonce ??
    (await read(
      publicClient.readContract({
        address: registryAddress,
        abi: derivativeRegistryAbi,
        functionName: "nonces",
        args: [provider],
      }),
    ));
  const request: DerivationRequest = {
    provider,
    ruleId,
    coreIds: ids,
    modelId: stringToHex(modelId, { size: 32 }),
    modelVersionHash: model.versionHash,
    outputHash: run.outputHash,
    featureCommitments: cores.map((c) => c.featureCommitment),
    channelMask,
    nonce: providerNonce,
    // An hour of the chain's time (a dev chain moved forward by a demo runs ahead of the wall clock).
    deadline: deadline ?? (await chainNow(hub)) + 3600n,
  };
  return {
    request,
    typedData: derivationTypedData({
      chainId: deployment.chainId,
      verifyingContract: registryAddress,
      request,
    }),
    cores: cores.map(({ prepared, features }) => ({ prepared, features })),
    model: {
      id: modelId,
      versionHash: model.versionHash,
      input,
      output: run.output,
      outputHash: run.outputHash,
    },
    rule: { id: ruleId, attribute, thresholdBps: rule.thresholdBps, weightBps: rule.weightBps },
  };
}

/** The EIP-712 typed data of a derivation request (DerivativeRegistry's `DERIVATION_REQUEST_TYPEHASH`). */
export function derivationTypedData({
  chainId,
  verifyingContract,
  request,
}: {
  chainId: number;
  verifyingContract: Address;
  request: DerivationRequest;
}) {
  return {
    domain: { name: "Caldera Derivative", version: "1", chainId, verifyingContract },
    types: {
      DerivationRequest: [
        { name: "provider", type: "address" },
        { name: "ruleId", type: "uint256" },
        { name: "coreIds", type: "uint256[]" },
        { name: "modelId", type: "bytes32" },
        { name: "modelVersionHash", type: "bytes32" },
        { name: "outputHash", type: "bytes32" },
        { name: "featureCommitments", type: "bytes32[]" },
        { name: "channelMask", type: "uint8" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "DerivationRequest" as const,
    message: request,
  };
}

function parseCertificateIds(certificateIds: readonly string[]): bigint[] {
  if (certificateIds.length === 0 || certificateIds.length > MAX_CORES)
    throw new BadUserInputError("certificateIds", `must name 1 to ${MAX_CORES} core certificates`);
  const ids = certificateIds.map((id, i) => {
    if (!/^[1-9]\d{0,18}$/.test(id))
      throw new BadUserInputError(`certificateIds[${i}]`, "is not a certificate id");
    return BigInt(id);
  });
  const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (new Set(sorted.map(String)).size !== sorted.length)
    throw new BadUserInputError("certificateIds", "names a certificate twice");
  return sorted;
}

/**
 * The features a kind's binding proof commits to for one certified dataset, decoded into the schema's units: per
 * slot, null when missing, else the kind's channels' values.
 */
export function certifiedFeatures(
  prepared: PrepareCoreClaimReturnType,
  kind: DerivationKindName,
): { features: CertifiedFeatures; featureCommitment: Hex } {
  const { channels } = derivationKinds[kind];
  const schema = prepared.schema.definition;
  const channelIndex = channels.map((name) => schema.channels.findIndex((c) => c.name === name));
  const computed = computeFeatures({ readings: prepared.readings, channelMask: channelMaskOf(kind) });
  const decode = (c: number, encoded: number) =>
    (encoded - VALUE_OFFSET) / 10 ** (schema.channels[c]?.decimals ?? 0);
  return {
    features: {
      windowStart: prepared.claim.windowStart,
      slotSeconds: prepared.claim.slotSeconds,
      channels,
      slots: computed.present.map((present, slot) =>
        present
          ? channelIndex.map((c) => decode(c, (computed.channels[c] as number[])[slot] as number))
          : null,
      ),
    },
    featureCommitment: computed.featureCommitment,
  };
}
