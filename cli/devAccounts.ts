import type { Hex, PrivateKeyAccount, TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_DEV_KEYS, DEV_CHAIN_ID, SignerConfigurationError } from "../stack/resolveSigner.js";

/**
 * Anvil's dev accounts for demos and the `caldera governance` commands: account 0 is the hub's signer, 1–3 the dev
 * nodes that `npm start` stakes. Their keys are public, so they sign for chain 31337 only.
 */
export function devAccount(n: number): PrivateKeyAccount {
  const key = Number.isInteger(n) ? ANVIL_DEV_KEYS[n] : undefined;
  if (key === undefined)
    throw new SignerConfigurationError(
      `there is no anvil dev account ${n}: use 0 to ${ANVIL_DEV_KEYS.length - 1} (the dev nodes are 1, 2 and 3)`,
    );
  return privateKeyToAccount(key);
}

/**
 * Signs EIP-712 typed data with anvil dev account `n`, refusing typed data for any chain but the dev chain (the
 * domain's chainId): a public key must never sign something another chain would accept.
 */
export async function signTypedDataAs(n: number, typedData: TypedDataDefinition): Promise<Hex> {
  const chainId = Number((typedData.domain as { chainId?: number | bigint } | undefined)?.chainId);
  if (chainId !== DEV_CHAIN_ID)
    throw new SignerConfigurationError(
      `anvil dev account ${n}'s key is public; refusing to sign for chain ${Number.isNaN(chainId) ? "(none)" : chainId} (only ${DEV_CHAIN_ID})`,
    );
  return devAccount(n).signTypedData(typedData);
}
