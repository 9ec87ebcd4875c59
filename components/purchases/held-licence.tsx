'use client';
/**
 * On a dataset's page, tells the connected account that it already holds a licence and until when (or that its
 * licence expired), read from the Marketplace contract and read again with every new block, so a purchase made
 * on the page shows at once, and judged by the chain's clock as the contract judges it.
 */
import Link from 'next/link';
import { useEffect } from 'react';
import { useAccount, useBlock } from 'wagmi';
import { formatDateTime } from '@/components/dataset/format';
import { useMarket, useWalletGate } from '@/components/wallet/market-context';
import { licenceExpiresAt } from '@/lib/client/chain';
import { useChainRead } from '@/components/wallet/use-chain-read';

/** The contract's expiry of a perpetual licence: type(uint64).max. */
const PERPETUAL = 2n ** 64n - 1n;

function Holding({ datasetId }: { datasetId: string }) {
  const market = useMarket();
  const { address } = useAccount();
  const licence = useChainRead(['licence', datasetId, address], address && market ? (client) => licenceExpiresAt(client, market.config, BigInt(datasetId), address) : undefined);
  // The head block: its number triggers the read again, its time is the clock the contract compares expiries with.
  const { data: head } = useBlock({ watch: Boolean(address && market) });
  const { refetch } = licence;
  useEffect(() => void refetch(), [head?.number, refetch]);

  const expiresAt = licence.data ?? 0n;
  if (!address || !head || expiresAt === 0n) return null;
  const perpetual = expiresAt === PERPETUAL;
  const until = new Date(Number(expiresAt) * 1000);
  const active = expiresAt > head.timestamp;
  return (
    <p role="status" className={`mt-4 rounded-lg border p-3 text-sm ${active ? 'border-ok/40' : 'border-warn/40 bg-warn-soft'}`}>
      {perpetual ? (
        <>You hold a perpetual licence to this dataset.</>
      ) : active ? (
        <>
          You hold a licence to this dataset until <time dateTime={until.toISOString()}>{formatDateTime(until)}</time>.
        </>
      ) : (
        <>
          Your licence to this dataset expired on <time dateTime={until.toISOString()}>{formatDateTime(until)}</time>.
        </>
      )}{' '}
      <Link href="/purchases" className="font-medium text-brand underline-offset-4 hover:underline">
        My purchases
      </Link>
    </p>
  );
}

/** Nothing until the wallet's code has loaded (wagmi's hooks need it), and nothing for an account without a licence. */
export function HeldLicence({ datasetId }: { datasetId: string }) {
  return useWalletGate().ready ? <Holding datasetId={datasetId} /> : null;
}
