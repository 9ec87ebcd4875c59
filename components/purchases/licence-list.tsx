'use client';
/** The licences the account holds or held: dataset, terms, expiry, how it got them, and renewing through the buy flow. */
import Link from 'next/link';
import type { Address } from 'viem';
import { amountValue, money } from '@/components/analytics/format';
import { formatDateTime } from '@/components/dataset/format';
import { OwnerLink } from '@/components/owners/owner-link';
import { TxLink } from '@/components/tx/tx-link';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { browserPort } from '@/lib/client/port';
import { buyLicence } from '@/lib/market/actions/buy';
import type { HeldLicence } from '@/lib/indexer/api';
import { useRefreshWhenIndexed } from './queries';
import { chip, secondaryButton } from '@/components/owner/styles';

/** The licence's rights in a few words. */
function rightsText(rights: NonNullable<HeldLicence['rights']>): string {
  return [
    rights.commercialUse ? 'commercial use' : 'no commercial use',
    rights.derivatives ? 'derivatives' : 'no derivatives',
    rights.aiTraining ? 'AI training' : 'no AI training',
    rights.transferable ? 'transferable' : 'not transferable',
  ].join(' · ');
}

function Expiry({ licence }: { licence: HeldLicence }) {
  if (licence.expiresAt === null) return <span>Perpetual: it never expires</span>;
  const date = <time dateTime={licence.expiresAt}>{formatDateTime(new Date(licence.expiresAt))}</time>;
  return licence.active ? <span>Valid until {date}</span> : <span className="text-warn">Expired on {date}</span>;
}

function Renew({ licence, account, symbol }: { licence: HeldLicence; account: Address; symbol: string }) {
  const { wallet, state, run } = useBrowserWallet();
  const refresh = useRefreshWhenIndexed(account);
  const { renewal } = licence;
  if (!renewal) {
    return <p className="text-sm text-muted">{licence.expiresAt === null ? 'Nothing to renew.' : 'Not on sale now: the dataset is delisted or compute-only.'}</p>;
  }
  const verb = licence.active ? 'Renew' : 'Buy again';
  const id = BigInt(licence.datasetId);
  return (
    <div className="space-y-2">
      <button
        type="button"
        disabled={!wallet || state.status === 'working'}
        onClick={() =>
          void run(`${verb === 'Renew' ? 'Renewing' : 'Buying'} the licence`, async (w) => {
            // The dataset page's buy flow, bound to the terms and price shown here.
            await buyLicence(browserPort(w), id, { termsId: BigInt(renewal.termsId), maxPrice: BigInt(renewal.price.raw) });
            await refresh((p) => (p.licences.find((l) => l.datasetId === licence.datasetId)?.purchases ?? 0) > licence.purchases);
          }, licence.active ? 'Renewed: the new expiry is shown' : 'Bought again: the new expiry is shown')
        }
        className={secondaryButton}
      >
        {verb} · {money(symbol)(amountValue(renewal.price))}
        <span className="sr-only"> the licence to dataset {licence.datasetId}</span>
      </button>
      <TransactionStatus state={state} />
    </div>
  );
}

export function LicenceList({ licences, account, symbol }: { licences: HeldLicence[]; account: Address; symbol: string }) {
  if (licences.length === 0) {
    return (
      <p className="text-sm text-muted">
        No licences yet: buy one on a dataset’s page in the{' '}
        <Link href="/#datasets" className="font-medium text-brand underline-offset-4 hover:underline">
          market
        </Link>
        .
      </p>
    );
  }
  const amount = money(symbol);
  return (
    <ul aria-label="Licences" className="divide-y divide-line">
      {licences.map((licence) => (
        <li key={licence.datasetId} className="grid gap-3 py-4 sm:grid-cols-[minmax(0,1fr)_14rem]">
          <div className="min-w-0 space-y-1 text-sm">
            <p className="flex flex-wrap items-baseline gap-2">
              <Link href={`/datasets/${licence.datasetId}`} className="text-base font-medium underline-offset-4 hover:text-brand hover:underline">
                {licence.title ?? `Dataset #${licence.datasetId}`}
              </Link>
              {licence.licence ? <span className={`${chip} bg-brand-soft`}>{licence.licence}</span> : null}
              <span className={`${chip} ${licence.active ? 'border-ok/40 text-ok' : 'border-warn/40 bg-warn-soft text-warn'}`}>{licence.active ? 'Active' : 'Expired'}</span>
            </p>
            <p className="font-medium">
              <Expiry licence={licence} />
            </p>
            <p className="text-muted">{licence.rights ? rightsText(licence.rights) : 'Terms not known: received from an account that did not buy it'}</p>
            <p className="text-muted">
              Owner <OwnerLink address={licence.owner} /> ·{' '}
              {licence.via === 'purchase' ? (
                <>
                  {licence.purchases === 1 ? 'bought once' : `bought ${licence.purchases} times`}, <span className="whitespace-nowrap">{amount(amountValue(licence.paid))}</span> in all, last on{' '}
                </>
              ) : (
                'received by transfer on '
              )}
              <time dateTime={licence.acquiredAt}>{formatDateTime(new Date(licence.acquiredAt))}</time> in <TxLink hash={licence.txHash} />
            </p>
          </div>
          <Renew licence={licence} account={account} symbol={symbol} />
        </li>
      ))}
    </ul>
  );
}
