import type { Address } from "viem";
import type { HubServices } from "../HubServices.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { fromChain, signedActionContractOf } from "./circulationContracts.js";
import type { SignedActionName } from "./signedActionTypedData.js";

/** The contract of `action`, the signer's next nonce on it and the chain's time (`chainNow`), read together. */
export async function readActionNonce(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  action: SignedActionName,
  signer: Address,
): Promise<{ verifyingContract: Address; nonce: bigint; now: bigint }> {
  const contract = signedActionContractOf(hub, action);
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
