import type { Address } from "viem";
import type { DeployedContract, DeploymentManifest } from "../../services/deployment.js";

/** The ChannelSchemaRegistry in the manifest (the "evolution" contract group), or undefined where not deployed. */
export function channelSchemaRegistryOf(
  deployment: Pick<DeploymentManifest, "contracts">,
): (DeployedContract & { address: Address }) | undefined {
  return (deployment.contracts as Partial<Record<string, DeployedContract>>).ChannelSchemaRegistry;
}
