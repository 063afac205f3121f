import type { Address } from "viem";
import type { HubServices } from "../HubServices.js";
import {
  fromChain,
  KIND_FAULT_WARNING_MODEL,
  KIND_MARKET_FORECAST,
  KIND_PLANTING_PLAN,
  marketOf,
  readDerivative,
} from "./circulationContracts.js";
import { circulationError } from "./circulationErrors.js";

export type CheckUsageParameters = {
  hub: Pick<HubServices, "deployment" | "publicClient">;
  derivativeId: bigint;
  account: Address;
  /** Planting plans and market forecasts are adopted (once per account); fault-warning models are invoked. */
  usage: "adoption" | "invocation";
};

/**
 * What the market checks before it records a use, read first so the client gets the precise code: the derivative
 * exists (UNKNOWN_DERIVATIVE), its kind is used that way (WRONG_USAGE_KIND), the account holds a valid licence
 * (LICENCE_REQUIRED) and, for an adoption, has not adopted it (ALREADY_ADOPTED). Returns the derivative.
 */
export async function checkUsage({ hub, derivativeId, account, usage }: CheckUsageParameters) {
  const derivative = await readDerivative(hub, derivativeId);
  const kinds: readonly number[] =
    usage === "adoption" ? [KIND_PLANTING_PLAN, KIND_MARKET_FORECAST] : [KIND_FAULT_WARNING_MODEL];
  if (!kinds.includes(derivative.kind))
    throw circulationError(
      "WRONG_USAGE_KIND",
      usage === "adoption"
        ? `Derivative ${derivativeId} is a fault-warning model: it is invoked (invokeFaultModel), not adopted`
        : `Derivative ${derivativeId} is a planting plan or market forecast: it is adopted (adoptDerivative), not invoked`,
      { derivativeId, kind: derivative.kind },
    );
  const market = marketOf(hub);
  const [licensed, adopted] = await Promise.all([
    fromChain(
      hub.publicClient.readContract({
        ...market,
        functionName: "hasValidLicence",
        args: [derivativeId, account],
      }),
    ),
    usage === "adoption"
      ? fromChain(
          hub.publicClient.readContract({
            ...market,
            functionName: "hasAdopted",
            args: [derivativeId, account],
          }),
        )
      : false,
  ]);
  if (adopted)
    throw circulationError("ALREADY_ADOPTED", `${account} already adopted derivative ${derivativeId}`, {
      derivativeId,
      account,
    });
  if (!licensed)
    throw circulationError(
      "LICENCE_REQUIRED",
      `${account} holds no valid licence for derivative ${derivativeId} (none, used up or expired): buy one first (buyLicence)`,
      { derivativeId, account },
    );
  return derivative;
}
