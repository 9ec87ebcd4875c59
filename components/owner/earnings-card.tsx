'use client';
/** What the account can withdraw from licence sales and compute jobs, and the button that withdraws it all. */
import type { Address } from 'viem';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import type { ClientConfig } from '@/lib/client/config';
import { browserPort } from '@/lib/client/port';
import { withdrawEarnings } from '@/lib/market/actions/owner';
import { formatAmount } from '@/lib/units';
import { useEarnings, useRefreshDesk } from './queries';
import { primaryButton } from './styles';

function Figure({ label, value, note }: { label: string; value: string; note: string }) {
  return (
    <div>
      <dt className="text-sm text-muted">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tracking-tight tabular-nums">{value}</dd>
      <dd className="text-xs text-muted">{note}</dd>
    </div>
  );
}

export function EarningsCard({ owner, stablecoin }: { owner: Address; stablecoin: ClientConfig['stablecoin'] }) {
  const earnings = useEarnings(owner);
  const { wallet, state, run } = useBrowserWallet();
  const refresh = useRefreshDesk();
  const owed = earnings.data ? earnings.data.sales + earnings.data.compute : 0n;
  const withdraw = async () => {
    await run('Withdrawing', (wallet) => withdrawEarnings(browserPort(wallet)), `Withdrawn: ${formatAmount(owed, stablecoin)} sent to your account`);
    await refresh();
  };
  return (
    <section aria-labelledby="earnings-title" className="rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h2 id="earnings-title" className="text-lg font-semibold tracking-tight">
          Earnings
        </h2>
        <p className="text-sm text-muted">What the contracts credited to you: your share of sales and jobs, after the market fee and any revenue share, and unused compute escrow.</p>
      </div>
      {earnings.isError ? (
        <p role="alert" className="mt-4 text-sm">
          The chain did not answer: {earnings.error.message}{' '}
          <button type="button" onClick={() => void earnings.refetch()} className="font-medium text-brand underline">
            Retry
          </button>
        </p>
      ) : earnings.data ? (
        <dl className="mt-5 grid gap-5 sm:grid-cols-3">
          <Figure label="From licence sales" value={formatAmount(earnings.data.sales, stablecoin)} note="held by the Marketplace" />
          <Figure label="From compute jobs" value={formatAmount(earnings.data.compute, stablecoin)} note="held by the ComputeMarket" />
          <Figure label="In your wallet" value={formatAmount(earnings.data.wallet, stablecoin)} note="already withdrawn or received" />
        </dl>
      ) : (
        <div role="status" className="mt-5 h-16 rounded-lg bg-brand-soft motion-safe:animate-pulse">
          <span className="sr-only">Reading your earnings…</span>
        </div>
      )}
      <div className="mt-5 flex flex-col gap-3 sm:flex-row sm:items-center">
        <button
          type="button"
          onClick={() => void withdraw()}
          disabled={!wallet || owed === 0n || state.status === 'working'}
          className={`shrink-0 ${primaryButton}`}
        >
          {owed === 0n ? 'Nothing to withdraw' : `Withdraw ${formatAmount(owed, stablecoin)}`}
        </button>
        <div className="min-w-0 flex-1">
          <TransactionStatus state={state} />
        </div>
      </div>
    </section>
  );
}
