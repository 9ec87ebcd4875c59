'use client';
/**
 * The buyer's desk reads, cached by react-query per account: its licences and compute jobs as the indexer reads
 * them from the chain (GET /api/purchases/<address>), the same in every browser the account uses.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { Address } from 'viem';
import { callApi } from '@/lib/client/wallet';
import type { AccountPurchases } from '@/lib/indexer/api';

const PURCHASES = 'purchases';
/** The indexer polls the chain every second; a purchase it has not shown by then is left to the next reload. */
const INDEXER_WAIT_MS = 15_000;

function readPurchases(account: Address): Promise<AccountPurchases> {
  return callApi<AccountPurchases>(`/api/purchases/${account}`);
}

export function usePurchases(account: Address) {
  return useQuery({ queryKey: [PURCHASES, account], queryFn: () => readPurchases(account) });
}

/** Reloads the desk once the indexer shows what `shows` waits for (or after a while: it is on-chain either way). */
export function useRefreshWhenIndexed(account: Address): (shows: (purchases: AccountPurchases) => boolean) => Promise<void> {
  const client = useQueryClient();
  return useCallback(
    async (shows) => {
      const deadline = Date.now() + INDEXER_WAIT_MS;
      while (Date.now() < deadline && !shows(await readPurchases(account))) await new Promise((resolve) => setTimeout(resolve, 1_000));
      await client.invalidateQueries({ queryKey: [PURCHASES, account] });
    },
    [client, account],
  );
}
