import type { Address, Hex } from "viem";
import type { CoreClaim } from "../prover/prepareCoreClaim.js";

/**
 * The EIP-712 typed data a provider signs for CoreCertificateRegistry, in one place: the certifyCore and
 * registerProvider use cases verify against it, the GraphQL queries hand it out, and tests sign it. It mirrors the
 * registry exactly (domain "Caldera Core Certificates" version "1"; the Certification type is the claim's fields in
 * CoreClaim's order, then nonce and deadline), so what a wallet signs is what the registry checks.
 */
export const CORE_REGISTRY_EIP712_DOMAIN = { name: "Caldera Core Certificates", version: "1" } as const;

/** How long a signature the hub hands out stays valid unless the caller names a deadline: one hour. */
export const DEFAULT_SIGNATURE_TTL_SECONDS = 3_600;

export const certificationTypes = {
  Certification: [
    { name: "provider", type: "address" },
    { name: "domain", type: "uint8" },
    { name: "datasetCommitment", type: "bytes32" },
    { name: "schemaHash", type: "bytes32" },
    { name: "minIntegrityBps", type: "uint16" },
    { name: "minTimelinessBps", type: "uint16" },
    { name: "minContinuityBps", type: "uint16" },
    { name: "maxGapSlots", type: "uint16" },
    { name: "deadlineSeconds", type: "uint32" },
    { name: "slotSeconds", type: "uint32" },
    { name: "windowStart", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const providerRegistrationTypes = {
  ProviderRegistration: [
    { name: "provider", type: "address" },
    { name: "name", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

type Where = { chainId: number; registry: Address };

const domainOf = ({ chainId, registry }: Where) => ({
  ...CORE_REGISTRY_EIP712_DOMAIN,
  chainId,
  verifyingContract: registry,
});

/** What `provider` signs to certify `claim`: the claim, its next registry nonce and the signature's deadline. */
export function certificationTypedData({
  chainId,
  registry,
  provider,
  claim,
  nonce,
  deadline,
}: Where & { provider: Address; claim: CoreClaim; nonce: bigint; deadline: bigint }) {
  return {
    domain: domainOf({ chainId, registry }),
    types: certificationTypes,
    primaryType: "Certification" as const,
    message: {
      provider,
      domain: claim.domain,
      datasetCommitment: claim.datasetCommitment,
      schemaHash: claim.schemaHash,
      minIntegrityBps: claim.minIntegrityBps,
      minTimelinessBps: claim.minTimelinessBps,
      minContinuityBps: claim.minContinuityBps,
      maxGapSlots: claim.maxGapSlots,
      deadlineSeconds: claim.deadlineSeconds,
      slotSeconds: claim.slotSeconds,
      windowStart: BigInt(claim.windowStart),
      nonce,
      deadline,
    },
  };
}

/** What `provider` signs to be registered under `name` by whoever relays it (`registerProviderFor`). */
export function providerRegistrationTypedData({
  chainId,
  registry,
  provider,
  name,
  nonce,
  deadline,
}: Where & { provider: Address; name: string; nonce: bigint; deadline: bigint }) {
  return {
    domain: domainOf({ chainId, registry }),
    types: providerRegistrationTypes,
    primaryType: "ProviderRegistration" as const,
    message: { provider, name, nonce, deadline },
  };
}

/** Typed data as JSON: bigints become numbers when exact (every value here is), decimal strings otherwise. */
export type TypedDataJson = {
  domain: Record<string, unknown>;
  types: Record<string, readonly { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
};

/**
 * For the API: the same typed data with every bigint as a JSON number (nonce, deadline and windowStart are all far
 * below 2^53), so a frontend passes it to viem's `signTypedData` as it arrives. A bigint beyond 2^53 − 1 would
 * become a decimal string, which viem also accepts for uint fields.
 */
export function typedDataToJson(typedData: {
  domain: object;
  types: object;
  primaryType: string;
  message: object;
}): TypedDataJson {
  const plain = (value: object) =>
    Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v,
      ]),
    );
  return {
    domain: plain(typedData.domain),
    types: typedData.types as TypedDataJson["types"],
    primaryType: typedData.primaryType,
    message: plain(typedData.message),
  };
}

/** A signature over typed data from this module, with the deadline (unix seconds) it was made for. */
export type SignedAuthorization = { signature: Hex; deadline: bigint };
