import type { Address } from "viem";
import type { DeploymentManifest } from "../../services/deployment.js";

/**
 * The capability-evolution contracts that hold ERA (the components' pledges and escrows, the evolution pool), for
 * the end-to-end tests' conservation checks: the deploy step pledges for the hub's own components, so ERA's supply
 * adds up only with them.
 */
export function evolutionHolders(deployment: DeploymentManifest): Address[] {
  const { ComponentRegistry, EvolutionPool } = deployment.contracts;
  return [ComponentRegistry?.address, EvolutionPool?.address].filter((a): a is Address => a !== undefined);
}
