import { type Hex, isHex, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createNonceManager, jsonRpc } from "viem/nonce";
import { BaseError } from "../errors/BaseError.js";

/**
 * Anvil's ten well-known dev keys (mnemonic "test test … junk", accounts 0–9): public, so only ever acceptable on
 * chain 31337. Account 0 is the hub's dev signer (deployer and treasury); 1–3 are the dev nodes (`setUpDevNodes`).
 */
export const ANVIL_DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
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
 *
 * Each signer gets its own nonce manager rather than viem's process-wide one: that one is keyed by address and chain
 * id only, so two stacks in one process (tests, bench) on two dev chains with the same dev key would share one
 * counter. Hub mutations do not rely on it at all — `createTransactionSender` picks their nonces from the chain and
 * resets this manager whenever it resyncs (after a reorg or a dropped transaction); it serves the direct
 * `walletClient` calls of deployment and dev set-up.
 */
export function resolveSigner({ privateKey, chainId }: ResolveSignerParameters): LocalAccount {
  const key = privateKey?.trim() || undefined;
  if (key === undefined) {
    if (chainId !== DEV_CHAIN_ID)
      throw new SignerConfigurationError(
        `CALDERA_PRIVATE_KEY is not set and chain ${chainId} is not the dev chain ${DEV_CHAIN_ID}`,
      );
    return privateKeyToAccount(ANVIL_DEV_KEYS[0], {
      nonceManager: createNonceManager({ source: jsonRpc() }),
    });
  }
  if (!isHex(key) || key.length !== 66)
    throw new SignerConfigurationError("CALDERA_PRIVATE_KEY must be a 0x-prefixed 32-byte hex key");
  if (chainId !== DEV_CHAIN_ID && (ANVIL_DEV_KEYS as readonly string[]).includes(key.toLowerCase()))
    throw new SignerConfigurationError(
      `CALDERA_PRIVATE_KEY is a public anvil dev key; refusing to sign on chain ${chainId}`,
    );
  return privateKeyToAccount(key, { nonceManager: createNonceManager({ source: jsonRpc() }) });
}
