'use client';
/**
 * The owner's desk for the connected wallet: earnings, income (sales apart from royalties) and datasets with their
 * controls. Without a deployed market, a wallet, or the right chain, it says what is missing instead.
 */
import { useSyncExternalStore, type ReactNode } from 'react';
import { useAccount } from 'wagmi';
import { ConnectPrompt } from '@/components/wallet/connect-prompt';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import { DatasetList } from './dataset-list';
import { EarningsCard } from './earnings-card';
import { IncomeCard } from './income-card';

function Note({ children }: { children: ReactNode }) {
  return <p className="rounded-xl border border-line bg-surface p-5 text-sm text-muted shadow-sm">{children}</p>;
}

const noSubscription = () => () => undefined;

function Desk() {
  const { status } = useAccount();
  const { market, address, wrongChain } = useBrowserWallet();
  // The server cannot know the wallet: the first render in the browser matches its HTML, then the wallet shows.
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);
  if (!hydrated || status === 'connecting' || status === 'reconnecting') return <Note>Connecting to your wallet…</Note>;
  if (!address) return <ConnectPrompt why="Your datasets, their sales and what you can withdraw are read for the account you connect; the owner’s actions are signed by it." />;
  if (wrongChain) return <Note>Your wallet is on another network: switch it to {market?.config.chainName} (the banner above does it) to manage your datasets.</Note>;
  return (
    <div className="space-y-8">
      <EarningsCard owner={address} stablecoin={market!.config.stablecoin} />
      <IncomeCard owner={address} stablecoin={market!.config.stablecoin} />
      <DatasetList owner={address} />
    </div>
  );
}

export function OwnerDesk() {
  // wagmi and react-query exist only with a deployed market (components/wallet/wallet-providers.tsx).
  if (!useMarket()) return <Note>The market is not deployed, so there is no wallet to manage datasets with: start it with npm start.</Note>;
  return <Desk />;
}
