'use client';
/**
 * The buyer's desk for the connected wallet: the licences it holds and the compute jobs it paid for, read from the
 * indexer by address, so every browser the account uses sees the same. Without a deployed market or a wallet it
 * says what is missing instead.
 */
import { useSyncExternalStore, type ReactNode } from 'react';
import type { Address } from 'viem';
import { useAccount } from 'wagmi';
import { Section } from '@/components/dataset/section';
import { ReadFailure } from '@/components/layout/read-failure';
import { ConnectPrompt } from '@/components/wallet/connect-prompt';
import { useMarket } from '@/components/wallet/market-context';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { DatagoraError } from '@/lib/errors';
import { JobList } from './job-list';
import { LicenceList } from './licence-list';
import { usePurchases } from './queries';

function Note({ children }: { children: ReactNode }) {
  return <p className="rounded-xl border border-line bg-surface p-5 text-sm text-muted shadow-sm">{children}</p>;
}

function Purchases({ account }: { account: Address }) {
  const purchases = usePurchases(account);
  if (purchases.isPending) return <Note>Reading your purchases…</Note>;
  if (purchases.isError) {
    const { error } = purchases;
    return (
      <ReadFailure
        title="Your purchases cannot be read right now"
        body="They come from the indexer, which follows the chain; your licences and jobs are safe on-chain."
        message={error.message}
        hint={error instanceof DatagoraError ? error.hint : 'reload the page in a moment'}
      />
    );
  }
  const { licences, jobs, jobsTotal, symbol } = purchases.data;
  return (
    <div className="space-y-6">
      <Section id="licences" title={`Licences (${licences.length})`} intro="Download licences bought or received by this account, latest first. Renewing buys again through the same flow as the dataset page: the time is added to what is left.">
        <LicenceList licences={licences} account={account} symbol={symbol} />
      </Section>
      <Section id="jobs" title={`Compute jobs (${jobsTotal})`} intro="Jobs this account paid into escrow, latest first, with the transactions that paid and settled them.">
        <JobList jobs={jobs} total={jobsTotal} symbol={symbol} />
      </Section>
    </div>
  );
}

const noSubscription = () => () => undefined;

function Desk() {
  const { status } = useAccount();
  const { address } = useBrowserWallet();
  // The server cannot know the wallet: the first render in the browser matches its HTML, then the wallet shows.
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);
  if (!hydrated || status === 'connecting' || status === 'reconnecting') return <Note>Connecting to your wallet…</Note>;
  if (!address) return <ConnectPrompt why="Your licences and compute jobs are read from the chain for the account you connect; renewing is signed by it." />;
  return <Purchases account={address} />;
}

export function PurchasesDesk() {
  // wagmi and react-query exist only with a deployed market (components/wallet/wallet-providers.tsx).
  if (!useMarket()) return <Note>The market is not deployed, so there is no wallet to read purchases for: start it with npm start.</Note>;
  return <Desk />;
}
