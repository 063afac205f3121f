import { type Hex, isHex, type LocalAccount } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";
import { BaseError } from "../errors/BaseError.js";

/** Anvil's well-known dev keys (mnemonic "test test … junk"): public, so only ever acceptable on chain 31337. */
export const ANVIL_DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
] as const satisfies readonly Hex[];
export const DEV_CHAIN_ID = 31337;

export class SignerConfigurationError extends BaseError {
  override name = "SignerConfigurationError";
  constructor(message: string) {
    super(message, { code: "SIGNER_MISCONFIGURED" });
  }
}

export type ResolveSignerParameters = { privateKey?: string | undefined; chainId: number };

/**
 * The hub's transaction signer: CALDERA_PRIVATE_KEY, or anvil's first dev account on the dev chain only. A dev key
 * against any other chain is refused, because everyone knows it.
 */
export function resolveSigner({ privateKey, chainId }: ResolveSignerParameters): LocalAccount {
  const key = privateKey?.trim() || undefined;
  if (key === undefined) {
    if (chainId !== DEV_CHAIN_ID)
      throw new SignerConfigurationError(
        `CALDERA_PRIVATE_KEY is not set and chain ${chainId} is not the dev chain ${DEV_CHAIN_ID}`,
      );
    return privateKeyToAccount(ANVIL_DEV_KEYS[0], { nonceManager });
  }
  if (!isHex(key) || key.length !== 66)
    throw new SignerConfigurationError("CALDERA_PRIVATE_KEY must be a 0x-prefixed 32-byte hex key");
  if (chainId !== DEV_CHAIN_ID && (ANVIL_DEV_KEYS as readonly string[]).includes(key.toLowerCase()))
    throw new SignerConfigurationError(
      `CALDERA_PRIVATE_KEY is a public anvil dev key; refusing to sign on chain ${chainId}`,
    );
  return privateKeyToAccount(key, { nonceManager });
}
