'use client';
/** A read of the chain (a lib/client/chain.ts function) through the page's public client, cached by react-query. */
import { useQuery } from '@tanstack/react-query';
import { usePublicClient } from 'wagmi';
import type { BrowserWallet } from '@/lib/client/wallet';

type Reader = BrowserWallet['publicClient'];

export function useChainRead<T>(key: readonly unknown[], read: ((client: Reader) => Promise<T>) | undefined, refetchInterval?: (data: T | undefined) => number | false) {
  const publicClient = usePublicClient() as Reader | undefined;
  return useQuery({
    // Keys are hashed as JSON, which has no bigints.
    queryKey: ['chain', ...key.map((part) => (typeof part === 'bigint' ? part.toString() : part))],
    queryFn: () => read!(publicClient!),
    enabled: read !== undefined && publicClient !== undefined,
    ...(refetchInterval ? { refetchInterval: (query: { state: { data: T | undefined } }) => refetchInterval(query.state.data) } : {}),
  });
}
