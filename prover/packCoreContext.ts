import type { Address } from "viem";

/** registry | chainId << 160: what makes a proof useless on another chain or against another registry. */
export function packCoreContext(registry: Address, chainId: number): bigint {
  return BigInt(registry) | (BigInt(chainId) << 160n);
}
