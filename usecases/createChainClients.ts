import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";

export type CreateChainClientsParameters = {
  rpcUrl: string;
  /** The chain's id, as the RPC reports it (`eth_chainId`). */
  chainId: number;
  /** The hub's signer (`resolveSigner`). */
  account: Account;
  /** How the chain is named in messages. */
  name?: string | undefined;
};

export type CreateChainClientsReturnType = {
  chain: Chain;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
};

/**
 * The hub's two chain clients over one RPC: reads (polling fast, so waiting for a receipt costs little) and writes
 * signed by the hub's key. Shared by `caldera up` and `caldera subgraph`, so both reach the chain the same way.
 */
export function createChainClients({
  rpcUrl,
  chainId,
  account,
  name = `chain ${chainId}`,
}: CreateChainClientsParameters): CreateChainClientsReturnType {
  const chain = defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 });
  const walletClient = createWalletClient({ chain, account, transport: http(rpcUrl) });
  return { chain, publicClient: publicClient as PublicClient, walletClient };
}
