import type { Address } from "viem";
import type { HubServices } from "../HubServices.js";
import { eraOf, fromChain } from "./circulationContracts.js";
import { eraPermitTypedData } from "./eraPermitTypedData.js";

export type PrepareEraPermitParameters = {
  hub: Pick<HubServices, "deployment" | "publicClient">;
  owner: Address;
  spender: Address;
  value: bigint;
  /** The same deadline as the action it goes with, so one expiry covers both signatures. */
  deadline: bigint;
};

/** The ERC-2612 permit `owner` signs so `spender` can pull `value` ERA, with its next EraToken nonce. */
export async function prepareEraPermit({ hub, owner, spender, value, deadline }: PrepareEraPermitParameters) {
  const era = eraOf(hub);
  const nonce = await fromChain(
    hub.publicClient.readContract({ ...era, functionName: "nonces", args: [owner] }),
  );
  return eraPermitTypedData({
    chainId: hub.deployment.chainId,
    token: era.address,
    owner,
    spender,
    value,
    nonce,
    deadline,
  });
}
