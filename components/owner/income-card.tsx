'use client';
/**
 * What the account has earned so far, as the indexer reads it: its own sales and compute jobs apart from the
 * royalties that sales of assets derived from its datasets paid it. Both are already in the balances to withdraw.
 */
import type { Address } from 'viem';
import { royaltyLines } from '@/components/lineage/royalties';
import type { ClientConfig } from '@/lib/client/config';
import { formatAmount } from '@/lib/units';
import { useIncome } from './queries';

function Figure({ label, lines, note }: { label: string; lines: string[]; note: string }) {
  return (
    <div>
      <dt className="text-sm text-muted">{label}</dt>
      {lines.map((line) => (
        <dd key={line} className="mt-1 text-xl font-semibold tracking-tight tabular-nums">
          {line}
        </dd>
      ))}
      <dd className="text-xs text-muted">{note}</dd>
    </div>
  );
}

export function IncomeCard({ owner, stablecoin }: { owner: Address; stablecoin: ClientConfig['stablecoin'] }) {
  const income = useIncome(owner);
  const totals = income.data?.totals;
  return (
    <section aria-labelledby="income-title" className="rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h2 id="income-title" className="text-lg font-semibold tracking-tight">
          Income so far
        </h2>
        <p className="text-sm text-muted">All time, as the indexer reads it from the chain; all of it is in the balances above.</p>
      </div>
      {income.isError ? (
        <p role="alert" className="mt-4 text-sm">
          The indexer did not answer: {income.error.message}{' '}
          <button type="button" onClick={() => void income.refetch()} className="font-medium text-brand underline">
            Retry
          </button>
        </p>
      ) : totals ? (
        <dl className="mt-5 grid gap-5 sm:grid-cols-2">
          <Figure
            label="From your sales"
            lines={[formatAmount(BigInt(totals.earned.raw) + BigInt(totals.computeEarned.raw), stablecoin)]}
            note={`${formatAmount(BigInt(totals.earned.raw), stablecoin)} from licences, ${formatAmount(BigInt(totals.computeEarned.raw), stablecoin)} from compute jobs, after the market fee and royalties`}
          />
          <Figure
            label="Royalties from derivatives"
            lines={totals.royaltyIncome.length > 0 ? royaltyLines(stablecoin, totals.royaltyIncome) : [formatAmount(0n, stablecoin)]}
            note="your share of every sale of a model or dataset derived from yours"
          />
        </dl>
      ) : (
        <div role="status" className="mt-5 h-12 rounded-lg bg-brand-soft motion-safe:animate-pulse">
          <span className="sr-only">Reading your income…</span>
        </div>
      )}
    </section>
  );
}
