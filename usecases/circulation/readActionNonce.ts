import type { Address } from "viem";
import type { HubServices } from "../HubServices.js";
import { riskSignedActionContractOf } from "../risk/riskContracts.js";
import { riskSignedActions } from "../risk/riskSignedActions.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { fromChain, signedActionContractOf } from "./circulationContracts.js";
import type { RelayedActionName, SignedActionName } from "./signedActionTypedData.js";

/** The contract of `action`, the signer's next nonce on it and the chain's time (`chainNow`), read together. */
export async function readActionNonce(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  action: RelayedActionName,
  signer: Address,
): Promise<{ verifyingContract: Address; nonce: bigint; now: bigint }> {
  const contract =
    action in riskSignedActions
      ? riskSignedActionContractOf(hub, action as keyof typeof riskSignedActions)
      : signedActionContractOf(hub, action as SignedActionName);
  const [nonce, now] = await Promise.all([
    fromChain(
      hub.publicClient.readContract({
        address: contract.address,
        abi: contract.abi,
        functionName: "nonces",
        args: [signer],
      }) as Promise<bigint>,
    ),
    chainNow(hub),
  ]);
  return { verifyingContract: contract.address, nonce, now };
}
