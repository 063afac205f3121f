import type { Address, Hex } from "viem";
import {
  MAX_RISK_RECORDS,
  RISK_BUCKET_COUNT,
  type RiskKindName,
  riskKind,
} from "../../prover/riskFeatureStandard.js";
import type { SolidityGroth16Proof } from "../../prover/toSolidityProof.js";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, parseAccount } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { verifySignedAction } from "../circulation/verifySignedAction.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow } from "../verifySignedAuthorization.js";
import {
  parseBytes32,
  parseEcosystemId,
  readEcosystem,
  readPublishedFeatureId,
  riskRegistryOf,
} from "./riskContracts.js";

/** A claim as prover/proveRiskFeature.ts returns it (`claim`), by field; kind by name or enum number. */
export type PublishRiskFeatureInput = {
  subject: Address | string;
  ecosystem: string | number;
  kind: RiskKindName | number;
  bucket: number;
  /** Unix seconds. */
  windowStart: number | bigint;
  windowEnd: number | bigint;
  threshold: number;
  recordCount: number;
  evidenceRoot: Hex | string;
};

const MAX_UINT64 = 2n ** 64n - 1n;
const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new BadUserInputError(field, `must be an integer from ${min} to ${max}`);
  return value;
}

function seconds(value: unknown, field: string): bigint {
  const text = typeof value === "bigint" || typeof value === "number" ? value.toString() : "";
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > MAX_UINT64)
    throw new BadUserInputError(field, "must be unix seconds within uint64");
  return BigInt(text);
}

/** The claim as PublishFeature signs it (uint64 as bigints), checked field by field as the registry will. */
export function parseRiskFeatureClaim(input: PublishRiskFeatureInput) {
  const claim = {
    subject: parseAccount(input.subject, "subject"),
    ecosystemId: parseEcosystemId(input.ecosystem, "ecosystem"),
    kind: riskKind(input.kind).number,
    bucket: integer(input.bucket, "bucket", 0, RISK_BUCKET_COUNT - 1),
    windowStart: seconds(input.windowStart, "windowStart"),
    windowEnd: seconds(input.windowEnd, "windowEnd"),
    threshold: integer(input.threshold, "threshold", 0, 4_294_967_295),
    recordCount: integer(input.recordCount, "recordCount", 1, MAX_RISK_RECORDS),
    evidenceRoot: parseBytes32(input.evidenceRoot, "evidenceRoot"),
  };
  if (claim.windowStart > claim.windowEnd)
    throw new BadUserInputError("windowEnd", "must not be before windowStart");
  // A root at or above the field order can never be a public signal, so no proof of it verifies.
  if (BigInt(claim.evidenceRoot) >= FIELD_ORDER)
    throw new BadUserInputError(
      "evidenceRoot",
      "must be below the BN254 scalar field order (a Poseidon root)",
    );
  return claim;
}

function parseProof(proof: unknown): SolidityGroth16Proof {
  const pair = (value: unknown, field: string): [bigint, bigint] => {
    if (!Array.isArray(value) || value.length !== 2)
      throw new BadUserInputError(field, "must be two field elements (decimal strings)");
    return value.map((v, i) => {
      const text = typeof v === "bigint" ? v.toString() : String(v);
      if (!/^\d{1,78}$/.test(text) || BigInt(text) >= 2n ** 256n)
        throw new BadUserInputError(`${field}[${i}]`, "must be a decimal integer within uint256");
      return BigInt(text);
    }) as [bigint, bigint];
  };
  const { a, b, c } = (proof ?? {}) as { a?: unknown; b?: unknown; c?: unknown };
  if (!Array.isArray(b) || b.length !== 2) throw new BadUserInputError("proof.b", "must be two pairs");
  return {
    a: pair(a, "proof.a"),
    b: [pair(b[0], "proof.b[0]"), pair(b[1], "proof.b[1]")],
    c: pair(c, "proof.c"),
  };
}

/**
 * What the registry will check, before anything is signed over or sent: the claim's fields (BAD_USER_INPUT), the
 * window ends no later than the chain's time, the ecosystem exists and is active (UNKNOWN_ECOSYSTEM,
 * ECOSYSTEM_NOT_ACTIVE) and no feature with the same public signals was published (FEATURE_ALREADY_PUBLISHED with
 * `featureId`). Returns the signed content (the claim) and the ecosystem's operator, who signs.
 */
async function checkPublication(input: PublishRiskFeatureInput, hub: HubServices) {
  const content = parseRiskFeatureClaim(input);
  const [ecosystem, now] = await Promise.all([readEcosystem(hub, content.ecosystemId), chainNow(hub)]);
  if (content.windowEnd > now)
    throw new BadUserInputError("windowEnd", "must not be in the future (the chain's clock)");
  const featureId = await readPublishedFeatureId(hub, {
    ...content,
    windowStart: Number(content.windowStart),
    windowEnd: Number(content.windowEnd),
  });
  if (featureId !== 0n)
    throw circulationError(
      "FEATURE_ALREADY_PUBLISHED",
      `This claim (same subject, ecosystem, kind, bucket, window, threshold, records and evidence root) was published as risk feature ${featureId}`,
      { featureId },
    );
  return { content, operator: ecosystem.operator };
}

/** The PublishFeature typed data the ecosystem's operator signs (its next registry nonce). Nothing is sent. */
export async function preparePublishRiskFeature(
  input: PublishRiskFeatureInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, operator } = await checkPublication(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "PublishFeature",
    signer: operator,
    content,
    deadline,
  });
  return { ...prepared, operator };
}

export type PublishRiskFeatureParameters = PublishRiskFeatureInput & {
  /** `IRiskFeatureRegistry.Proof`, as proveRiskFeature returns it. */
  proof: SolidityGroth16Proof | { a: unknown; b: unknown; c: unknown };
  authorization: SignedAuthorization;
};

export type PublishRiskFeatureReturnType = {
  featureId: string;
  subject: Address;
  ecosystemId: number;
  kind: RiskKindName;
  bucket: number;
  severity: number;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Publishes a desensitized risk feature on the ecosystem operator's signature (NOT_AUTHORIZED: anyone else's
 * signature, expired or replayed). The registry verifies the proof against the claim's public signals; a proof that
 * does not verify is INVALID_PROOF from the simulation, so nothing is sent. Returns once indexed.
 */
export async function publishRiskFeature(
  { authorization, proof, ...input }: PublishRiskFeatureParameters,
  hub: HubServices,
): Promise<PublishRiskFeatureReturnType> {
  const solidityProof = parseProof(proof);
  const { content, operator } = await checkPublication(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "PublishFeature",
    signer: operator,
    content,
    authorization,
    what: `ecosystem ${content.ecosystemId}'s risk feature about ${content.subject}`,
  });
  const registry = riskRegistryOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The risk feature about ${content.subject}`,
    call: {
      ...registry,
      functionName: "publishFeature",
      args: [content, solidityProof, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "RiskFeaturePublished");
  return {
    featureId: args.featureId.toString(),
    subject: args.subject,
    ecosystemId: args.ecosystemId,
    kind: riskKind(args.kind).name,
    bucket: args.bucket,
    severity: args.severity,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}
