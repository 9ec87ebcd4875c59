'use client';
/**
 * The desk's reads, cached by react-query per account: its datasets and income (indexer), its earnings (chain) and
 * one dataset's current version and approval queue (web app route). Every owner action refreshes them all.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { Address } from 'viem';
import { usePublicClient } from 'wagmi';
import { ownedDataset, ownedDatasets, ownerSummary } from '@/lib/client/owner';
import { readEarnings } from '@/lib/market/actions/owner';
import type { BrowserWallet } from '@/lib/client/wallet';
import { useMarket } from '@/components/wallet/market-context';

const OWNER = 'owner';

export function useOwnedDatasets(owner: Address) {
  return useQuery({ queryKey: [OWNER, owner, 'datasets'], queryFn: () => ownedDatasets(owner) });
}

export function useIncome(owner: Address) {
  return useQuery({ queryKey: [OWNER, owner, 'income'], queryFn: () => ownerSummary(owner) });
}

export function useEarnings(owner: Address) {
  const market = useMarket();
  const publicClient = usePublicClient() as BrowserWallet['publicClient'] | undefined;
  return useQuery({
    queryKey: [OWNER, owner, 'earnings'],
    queryFn: () => readEarnings({ publicClient: publicClient!, market: market!.config }, owner),
    enabled: publicClient !== undefined && market !== null,
  });
}

export function useOwnedDataset(id: string) {
  return useQuery({ queryKey: [OWNER, 'dataset', id], queryFn: () => ownedDataset(BigInt(id)) });
}

/** Reloads everything the desk shows, after an action changed it. */
export function useRefreshDesk(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(() => client.invalidateQueries({ queryKey: [OWNER] }), [client]);
}
