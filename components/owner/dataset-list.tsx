'use client';
/** The connected account's datasets, listed or not, each with its controls; loading, failure and empty states. */
import Link from 'next/link';
import type { Address } from 'viem';
import { describeFailure } from '@/components/wallet/use-browser-wallet';
import { DatasetCard } from './dataset-card';
import { useOwnedDatasets } from './queries';
import { primaryButton, secondaryButton } from './styles';

function Body({ owner }: { owner: Address }) {
  const datasets = useOwnedDatasets(owner);
  if (datasets.isPending) {
    return (
      <div role="status" className="space-y-4">
        <span className="sr-only">Reading your datasets…</span>
        {[0, 1].map((i) => (
          <div key={i} aria-hidden="true" className="h-40 rounded-xl border border-line bg-surface motion-safe:animate-pulse" />
        ))}
      </div>
    );
  }
  if (datasets.isError) {
    const { message, hint } = describeFailure(datasets.error);
    return (
      <div role="alert" className="rounded-xl border border-warn/40 bg-warn-soft p-5 text-sm">
        <p className="font-medium">Your datasets cannot be read: {message}</p>
        {hint ? <p className="mt-1 text-muted">{hint}</p> : null}
        <button type="button" onClick={() => void datasets.refetch()} className={`mt-3 ${secondaryButton}`}>
          Retry
        </button>
      </div>
    );
  }
  if (datasets.data.length === 0) {
    return (
      <div className="rounded-xl border border-line bg-surface p-6 text-center shadow-sm sm:p-10">
        <p className="font-medium">This account owns no datasets on the market yet.</p>
        <p className="mt-1 text-sm text-muted">Publish one: it is encrypted in your browser, and you set its licence and price.</p>
        <Link href="/publish" className={`mt-5 inline-block ${primaryButton}`}>
          Publish a dataset
        </Link>
      </div>
    );
  }
  return (
    <ul className="space-y-4">
      {datasets.data.map((item) => (
        <DatasetCard key={item.id} item={item} owner={owner} />
      ))}
    </ul>
  );
}

export function DatasetList({ owner }: { owner: Address }) {
  const datasets = useOwnedDatasets(owner);
  return (
    <section aria-labelledby="datasets-title" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h2 id="datasets-title" className="text-lg font-semibold tracking-tight">
          Your datasets{datasets.data ? ` (${datasets.data.length})` : ''}
        </h2>
        {datasets.data?.length ? (
          <Link href="/publish" className="rounded text-sm font-medium text-brand hover:underline">
            Publish another
          </Link>
        ) : null}
      </div>
      <Body owner={owner} />
    </section>
  );
}
