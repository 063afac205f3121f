import type { Hex } from "viem";
import { fromChain, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import type { HubServices } from "../HubServices.js";
import { parseBytes32 } from "../risk/riskContracts.js";
import { componentRegistryOf } from "./evolutionContracts.js";

/** IComponentRegistry.AbsorptionStatus by ordinal. */
export const absorptionStatusNames = ["NONE", "REQUESTED", "APPROVED", "RECLAIMED"] as const;
export type AbsorptionStatusName = Exclude<(typeof absorptionStatusNames)[number], "NONE">;

// One registry accessor and component reader for every evolution use case (evolutionContracts.ts).
export { componentRegistryOf, readComponent } from "./evolutionContracts.js";

const call = (registry: ReturnType<typeof componentRegistryOf>) => ({
  address: registry.address,
  abi: registry.abi,
});

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
