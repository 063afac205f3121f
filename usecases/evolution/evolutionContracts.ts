import { type Address, type Hex, hexToString, isHex, stringToHex, type TypedDataDefinition } from "viem";
import { componentRegistryAbi, eraTokenAbi, evolutionPoolAbi } from "../../contracts/generated/abis.js";
import { BaseError } from "../../errors/BaseError.js";
import { DEFAULT_SIGNATURE_TTL_SECONDS, type SignedAuthorization } from "../certificationTypedData.js";
import { fromChain, withErrorsOf } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { chainNow, verifySignedAuthorization } from "../verifySignedAuthorization.js";
import {
  type EvolutionActionContent,
  type EvolutionActionMessage,
  type EvolutionSignedActionName,
  evolutionActionTypedData,
} from "./evolutionSignedActions.js";

/** IComponentRegistry.ComponentKind, by the names GraphQL uses (ComponentKind), NONE left out. */
export const componentKinds = { COMPUTE: 1, DATA: 2, RULES: 3, SERVICE: 4 } as const;
export type ComponentKindName = keyof typeof componentKinds;
export const componentKindNames = ["NONE", "COMPUTE", "DATA", "RULES", "SERVICE"] as const;

const registryAbi = withErrorsOf(componentRegistryAbi, eraTokenAbi);
const poolAbi = withErrorsOf(evolutionPoolAbi, eraTokenAbi, componentRegistryAbi);

/** The manifest names of capability evolution's contracts (services/deployment.ts, the "evolution" group). */
export type EvolutionContractName = "ComponentRegistry" | "EvolutionPool";

function deployed(
  hub: Pick<HubServices, "deployment">,
  name: EvolutionContractName,
): { address: Address; startBlock: bigint } {
  // Read by name: the evolution group is optional in the manifest.
  const contract = (
    hub.deployment.contracts as Partial<Record<string, { address: Address; startBlock?: number }>>
  )[name];
  if (contract === undefined)
    throw new BaseError(
      `This hub's chain has no ${name}: capability evolution is deployed with cross-domain risk (\`caldera up\`)`,
      { code: "CHAIN_REJECTED", details: { contract: name } },
    );
  return { address: contract.address, startBlock: BigInt(contract.startBlock ?? 0) };
}

/** The ComponentRegistry (with EraToken's errors: it pulls pledges, fees and escrows) and its start block. */
export function componentRegistryOf(hub: Pick<HubServices, "deployment">) {
  return { ...deployed(hub, "ComponentRegistry"), abi: registryAbi } as const;
}

export function evolutionPoolOf(hub: Pick<HubServices, "deployment">) {
  return { ...deployed(hub, "EvolutionPool"), abi: poolAbi } as const;
}

/** A component name as the registry keeps it: UTF-8, at most 32 bytes, right-padded to bytes32. */
export function parseComponentName(value: unknown, field: string): Hex {
  if (typeof value !== "string" || value.trim() === "")
    throw new BadUserInputError(field, "must be a non-empty name");
  if (new TextEncoder().encode(value).length > 32)
    throw new BadUserInputError(field, "must be at most 32 bytes of UTF-8 (it is stored as bytes32)");
  return stringToHex(value, { size: 32 });
}

/** A bytes32 name back to text (trailing zero bytes dropped). */
export function componentNameOf(name: Hex): string {
  return hexToString(name, { size: 32 }).replace(/\0+$/, "");
}

export function parseComponentKind(value: unknown, field: string): number {
  const kind = componentKinds[String(value) as ComponentKindName];
  if (kind === undefined)
    throw new BadUserInputError(field, `must be one of ${Object.keys(componentKinds).join(", ")}`);
  return kind;
}

export function parseBytes32(value: unknown, field: string): Hex {
  if (typeof value !== "string" || !isHex(value) || value.length !== 66)
    throw new BadUserInputError(field, "must be 32 bytes as 0x and 64 hex digits");
  return value.toLowerCase() as Hex;
}

/** A registered component (UNKNOWN_COMPONENT when there is none). */
export async function readComponent(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  componentId: bigint,
) {
  const registry = componentRegistryOf(hub);
  const count = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "componentCount" }),
  );
  if (componentId < 1n || componentId > count)
    throw circulationError("UNKNOWN_COMPONENT", `There is no component ${componentId}`, { componentId });
  return fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "component", args: [componentId] }),
  );
}

/** NOT_AUTHORIZED unless `signer` is the component's provider (the registry's NotComponentProvider, found first). */
export function assertProvider(componentId: bigint, component: { provider: Address }, signer: Address): void {
  if (component.provider.toLowerCase() !== signer.toLowerCase())
    throw new BaseError(
      `${signer} is not the provider of component ${componentId} (${component.provider} is)`,
      {
        code: "NOT_AUTHORIZED",
        details: { reason: "provider", componentId: componentId.toString(), provider: component.provider },
      },
    );
}

/**
 * The typed data `signer` signs for one ComponentRegistry action: the content, its next registry nonce and a
 * deadline ahead of the chain's time (BAD_USER_INPUT otherwise). Nothing is sent.
 */
export async function prepareEvolutionAction<
  N extends Exclude<EvolutionSignedActionName, "ApproveAbsorption">,
>({
  hub,
  action,
  signer,
  content,
  deadline,
}: {
  hub: Pick<HubServices, "deployment" | "publicClient">;
  action: N;
  signer: Address;
  content: EvolutionActionContent<N>;
  deadline?: bigint | undefined;
}) {
  const registry = componentRegistryOf(hub);
  const [nonce, now] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "nonces", args: [signer] })),
    chainNow(hub),
  ]);
  if (deadline !== undefined && deadline <= now)
    throw new BadUserInputError("deadline", "must be in the future (the chain's clock)");
  const until = deadline ?? now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
  return {
    typedData: evolutionActionTypedData({
      chainId: hub.deployment.chainId,
      verifyingContract: registry.address,
      action,
      message: { ...content, nonce, deadline: until } as unknown as EvolutionActionMessage[N],
    }),
    nonce,
    deadline: until,
    now,
  };
}

/**
 * Checks a signed ComponentRegistry action before anything is sent, as the registry will: the deadline is ahead and
 * the signature is the signer's over the content with its next registry nonce (NOT_AUTHORIZED with `reason`
 * "expired", "replayed" or "signature"). Returns the request to send and the chain's time.
 */
export async function verifyEvolutionAction<
  N extends Exclude<EvolutionSignedActionName, "ApproveAbsorption">,
>({
  hub,
  action,
  signer,
  content,
  authorization,
  what,
}: {
  hub: Pick<HubServices, "deployment" | "publicClient">;
  action: N;
  signer: Address;
  content: EvolutionActionContent<N>;
  authorization: SignedAuthorization;
  what: string;
}): Promise<{ request: EvolutionActionMessage[N]; now: bigint }> {
  const registry = componentRegistryOf(hub);
  const [nonce, now] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "nonces", args: [signer] })),
    chainNow(hub),
  ]);
  const messageFor = (n: bigint) =>
    ({ ...content, nonce: n, deadline: authorization.deadline }) as unknown as EvolutionActionMessage[N];
  await verifySignedAuthorization({
    hub,
    signer,
    authorization,
    nonce,
    now,
    typedDataFor: (n) =>
      evolutionActionTypedData({
        chainId: hub.deployment.chainId,
        verifyingContract: registry.address,
        action,
        message: messageFor(n),
      }) as unknown as TypedDataDefinition,
    what,
  });
  return { request: messageFor(nonce), now };
}
