/**
 * One JSON-RPC call to the test chain, for what viem's clients do not offer: anvil's and the EVM's test methods
 * (`anvil_reorg`, `evm_snapshot`, `txpool_content`, …). An RPC error throws, named after the method.
 */
export async function chainRpc<T = unknown>(
  rpcUrl: string,
  method: string,
  params: unknown[] = [],
): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}
