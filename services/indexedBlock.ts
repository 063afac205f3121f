/**
 * The block ponder has fully indexed, from its `/status` (its `/ready` can answer before the newest blocks of a dev
 * chain's live path are indexed). -1 when the indexer does not answer.
 */
export async function indexedBlock(indexerUrl: string, timeoutMs = 2_000): Promise<bigint> {
  const response = await fetch(`${indexerUrl}/status`, { signal: AbortSignal.timeout(timeoutMs) }).catch(
    () => undefined,
  );
  if (!response?.ok) return -1n;
  const status = (await response.json().catch(() => ({}))) as Record<string, { block?: { number?: number } }>;
  const numbers = Object.values(status).map((chain) => chain.block?.number ?? -1);
  return BigInt(numbers.length === 0 ? -1 : Math.min(...numbers));
}
