'use client';
/** One of the owner's datasets: its state and sales, and the owner's controls with their transaction status. */
import Link from 'next/link';
import { useId, useState } from 'react';
import type { Address } from 'viem';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { untilIndexed } from '@/lib/client/owner';
import { browserPort } from '@/lib/client/port';
import { setListed } from '@/lib/market/actions/owner';
import type { SearchItem } from '@/lib/indexer/api';
import { AlgorithmQueue } from './algorithm-queue';
import { ProviderAccess } from './provider-access';
import { ReleaseBudget } from './release-budget';
import { useRefreshDesk } from './queries';
import { chip, secondaryButton } from './styles';
import { VersionForm } from './version-form';

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

export function DatasetCard({ item, owner }: { item: SearchItem; owner: Address }) {
  const { wallet, state, run } = useBrowserWallet();
  const refresh = useRefreshDesk();
  const [editing, setEditing] = useState(false);
  const formId = useId();
  const id = BigInt(item.id);
  const busy = !wallet || state.status === 'working';
  const computable = item.computeOnly || item.computePrice !== '0';

  const toggleListing = async () => {
    const listed = !item.listed;
    await run(
      listed ? 'Relisting' : 'Delisting',
      async (w) => {
        await setListed(browserPort(w), id, listed);
        await untilIndexed(owner, id, (d) => d.listed === listed);
      },
      listed ? 'Relisted: new licences are on sale again' : 'Delisted: no new sales; licences already sold stay valid',
    );
    await refresh();
  };
  const closeForm = async (published: boolean) => {
    setEditing(false);
    if (published) await refresh();
  };

  return (
    <li className="space-y-4 rounded-xl border border-line bg-surface p-5 shadow-sm">
      <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2">
        <h3 className="min-w-0 font-semibold">
          <Link href={`/datasets/${item.id}`} className="rounded hover:text-brand">
            <span className="text-muted">#{item.id}</span> {item.title ?? <span className="text-muted">metadata not verified yet</span>}
          </Link>
        </h3>
        <p className="flex flex-wrap items-center gap-2">
          {item.listed ? <span className={`${chip} border-ok/40 text-ok`}>Listed</span> : <span className={`${chip} border-warn/40 bg-warn-soft text-warn`}>Delisted</span>}
          <span className={chip}>v{item.version}</span>
          <span className={`${chip} bg-brand-soft`}>{item.licence}</span>
        </p>
      </div>
      {item.computeOnly ? (
        <div className="flex flex-wrap items-end gap-x-8 gap-y-2">
          <dl>
            <Stat label="Price per job" value={item.formatted.price} />
          </dl>
          <p className="text-sm text-muted">Sold as compute jobs, not licences: each delivered job’s data fee is credited to your earnings.</p>
        </div>
      ) : (
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Stat label="Licence price" value={item.formatted.price} />
          <Stat label="Licences sold" value={item.sales.toLocaleString('en-US')} />
          <Stat label="Buyers" value={item.buyers.toLocaleString('en-US')} />
          <Stat label="Paid by buyers" value={item.formatted.revenue} />
        </dl>
      )}
      <div className="flex flex-wrap gap-2">
        <button type="button" disabled={busy} onClick={() => void toggleListing()} className={secondaryButton}>
          {item.listed ? 'Delist' : 'Relist'}
        </button>
        <button type="button" aria-expanded={editing} aria-controls={formId} onClick={() => setEditing(!editing)} className={secondaryButton}>
          New version
        </button>
      </div>
      <TransactionStatus state={state} />
      {editing ? (
        <div id={formId}>
          <VersionForm id={item.id} owner={owner} run={run} busy={busy} onClose={(published) => void closeForm(published)} />
        </div>
      ) : null}
      {computable ? (
        <>
          <div className="border-t border-line pt-4">
            <ProviderAccess id={item.id} run={run} busy={busy} onChanged={refresh} />
          </div>
          <div className="border-t border-line pt-4">
            <AlgorithmQueue id={item.id} run={run} busy={busy} onAnswered={refresh} />
          </div>
          <div className="border-t border-line pt-4">
            <ReleaseBudget id={item.id} run={run} busy={busy} onChanged={refresh} />
          </div>
        </>
      ) : null}
    </li>
  );
}
