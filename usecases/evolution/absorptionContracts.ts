import type { Address, Hex } from "viem";
import { componentRegistryAbi, eraTokenAbi } from "../../contracts/generated/abis.js";
import { BaseError } from "../../errors/BaseError.js";
import { fromChain, parseId, withErrorsOf } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import type { HubServices } from "../HubServices.js";
import { parseBytes32 } from "../risk/riskContracts.js";

/** IComponentRegistry.AbsorptionStatus by ordinal. */
export const absorptionStatusNames = ["NONE", "REQUESTED", "APPROVED", "RECLAIMED"] as const;
export type AbsorptionStatusName = Exclude<(typeof absorptionStatusNames)[number], "NONE">;

/**
 * The ComponentRegistry as the absorption use cases call it (with EraToken's errors: it pulls the escrow), or
 * CHAIN_REJECTED when this hub's chain has none (the evolution group is deployed with risk, `caldera up`).
 */
export function componentRegistryOf(hub: Pick<HubServices, "deployment">) {
  const contract = (
    hub.deployment.contracts as Record<string, { address: Address; startBlock: number } | undefined>
  ).ComponentRegistry;
  if (contract === undefined)
    throw new BaseError(
      "This hub's chain has no ComponentRegistry: capability evolution is not deployed here",
      {
        code: "CHAIN_REJECTED",
        details: { contract: "ComponentRegistry" },
      },
    );
  return {
    address: contract.address,
    abi: withErrorsOf(componentRegistryAbi, eraTokenAbi),
    startBlock: BigInt(contract.startBlock),
  } as const;
}

const call = (registry: ReturnType<typeof componentRegistryOf>) => ({
  address: registry.address,
  abi: registry.abi,
});

/** A registered component (UNKNOWN_COMPONENT otherwise). */
export async function readComponent(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  componentId: bigint,
) {
  const registry = call(componentRegistryOf(hub));
  const count = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "componentCount" }),
  );
  if (componentId < 1n || componentId > count)
    throw circulationError("UNKNOWN_COMPONENT", `There is no component ${componentId}`, { componentId });
  return fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "component", args: [componentId] }),
  );
}

/** An absorption request (UNKNOWN_ABSORPTION otherwise), its status by name. */
export async function readAbsorption(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  absorptionId: bigint,
) {
  const registry = call(componentRegistryOf(hub));
  const count = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "absorptionCount" }),
  );
  if (absorptionId < 1n || absorptionId > count)
    throw circulationError("UNKNOWN_ABSORPTION", `There is no absorption ${absorptionId}`, { absorptionId });
  const absorption = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "absorption", args: [absorptionId] }),
  );
  return { ...absorption, statusName: absorptionStatusNames[absorption.status] as AbsorptionStatusName };
}

/** The ABSORPTION_NOT_PENDING refusal of an absorption already approved or reclaimed. */
export function absorptionNotPending(absorptionId: bigint, status: AbsorptionStatusName) {
  return circulationError(
    "ABSORPTION_NOT_PENDING",
    `Absorption ${absorptionId} is ${status.toLowerCase()}: only a requested absorption can be approved or reclaimed`,
    { absorptionId, status },
  );
}

/** A component id as the API takes it (a positive decimal integer). */
export function parseComponentId(value: unknown, field: string): bigint {
  return parseId(value, field);
}

/** A module hash as the API takes it (bytes32, lowercased). */
export function parseModuleHash(value: unknown, field: string): Hex {
  return parseBytes32(value, field);
}
