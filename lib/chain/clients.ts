/** viem clients for any EVM chain, checked against the chain the deployments were made on. */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { foundry } from 'viem/chains';
import { ChainUnreachableError, WrongChainError } from './errors';

/** viem's chain object for `chainId` at `rpcUrl`. */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  const base =
    chainId === foundry.id
      ? foundry
      : defineChain({
          id: chainId,
          name: `chain ${chainId}`,
          nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
          rpcUrls: { default: { http: [rpcUrl] } },
        });
  return { ...base, rpcUrls: { default: { http: [rpcUrl] } } };
}

/** Asks `rpcUrl` for its chain id; throws ChainUnreachableError if nothing answers. */
export async function fetchChainId(rpcUrl: string): Promise<number> {
  try {
    return await createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 5_000 }) }).getChainId();
  } catch (cause) {
    throw new ChainUnreachableError(rpcUrl, cause);
  }
}

/**
 * A public client for `rpcUrl`, after checking it serves `expectedChainId` when one is given.
 * `maxResponseBytes` raises viem's 10 MB cap on one answer (the indexer reads thousands of logs at once).
 */
export async function connectPublic(rpcUrl: string, expectedChainId?: number, options: { maxResponseBytes?: number; batch?: boolean } = {}): Promise<PublicClient<Transport, Chain>> {
  const chainId = await fetchChainId(rpcUrl);
  if (expectedChainId !== undefined && chainId !== expectedChainId) throw new WrongChainError(expectedChainId, chainId);
  // The embedded chain mines instantly: poll receipts every 50 ms instead of viem's 4 s default.
  const pollingInterval = chainId === foundry.id ? 50 : undefined;
  // `batch`: concurrent calls go out as one JSON-RPC batch, one HTTP round trip for many under load.
  const transport = http(rpcUrl, { ...(options.maxResponseBytes ? { maxResponseBodySize: options.maxResponseBytes } : {}), ...(options.batch ? { batch: true } : {}) });
  return createPublicClient({ chain: chainFor(chainId, rpcUrl), transport, pollingInterval });
}

/** A wallet client sending as `account` through `publicClient`'s chain and RPC. */
export function walletFor(publicClient: PublicClient<Transport, Chain>, account: Account): WalletClient<Transport, Chain, Account> {
  return createWalletClient({ account, chain: publicClient.chain, transport: http(publicClient.chain.rpcUrls.default.http[0]) });
}
