/** An owner as people meet them: what they publish, how it sells and what it earned them. */
import Link from 'next/link';
import { amountValue, formatCount, money, plural } from '@/components/analytics/format';
import { currencyAmount, type Stablecoin } from '@/components/lineage/royalties';
import type { OwnerProfile as Profile } from '@/lib/indexer/api';

const chip = 'rounded-full border border-line px-2 py-0.5 text-xs';
/** The day an owner started publishing; the chain and the indexer count days in UTC. */
const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });

function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="rounded-lg border border-line bg-surface p-4 shadow-sm">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums">{value}</dd>
      {note ? <dd className="text-xs text-muted">{note}</dd> : null}
    </div>
  );
}

function Datasets({ profile }: { profile: Profile }) {
  const { items, total } = profile.datasets;
  if (total === 0) return <p className="text-muted">This account owns no dataset on the market.</p>;
  return (
    <>
      {/* On a phone the licence and price go under the title, so the table fits without scrolling sideways. */}
      <table className="w-full text-left text-sm">
        <thead className="border-b border-line text-xs text-muted">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Dataset</th>
            <th scope="col" className="hidden py-2 pr-4 font-medium sm:table-cell">Licence</th>
            <th scope="col" className="hidden py-2 pr-4 text-right font-medium sm:table-cell">Price</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Sales</th>
            <th scope="col" className="py-2 text-right font-medium">Revenue</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {items.map((d) => {
            const price = d.computeOnly ? `${d.formatted.price} per job` : d.formatted.price;
            return (
              <tr key={d.id} className="align-baseline">
                <td className="py-2 pr-4">
                  <Link href={`/datasets/${d.id}`} className="font-medium underline-offset-4 hover:text-brand hover:underline">
                    <span className="text-muted">#{d.id}</span> {d.title ?? 'metadata not verified yet'}
                  </Link>
                  {d.listed ? null : <span className={`${chip} ml-2 text-muted`}>delisted</span>}
                  <span className="block text-xs text-muted sm:hidden">
                    {d.licence} · {price}
                  </span>
                </td>
                <td className="hidden py-2 pr-4 sm:table-cell">{d.licence}</td>
                <td className="hidden py-2 pr-4 text-right tabular-nums sm:table-cell">{price}</td>
                <td className="py-2 pr-4 text-right tabular-nums">{formatCount(d.sales)}</td>
                <td className="py-2 text-right tabular-nums whitespace-nowrap">{d.formatted.revenue}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {total > items.length ? <p className="mt-3 text-sm text-muted">The newest {items.length} of {formatCount(total)} datasets.</p> : null}
    </>
  );
}

export function OwnerProfile({ profile, stablecoin }: { profile: Profile; stablecoin: Stablecoin }) {
  const { totals } = profile;
  const amount = money(profile.symbol);
  const royalties = totals.royaltyIncome.length > 0 ? totals.royaltyIncome.map((sum) => currencyAmount(stablecoin, sum.currency, sum.amount)).join(', ') : amount(0);
  const payments = totals.royaltyIncome.reduce((sum, r) => sum + r.payments, 0);
  return (
    <div className="mx-auto max-w-6xl space-y-8 px-4 py-10 sm:px-6">
      <header className="space-y-2">
        <p className="text-sm text-muted">Owner{profile.since ? ` · publishing since ${day.format(new Date(profile.since))}` : ''}</p>
        <h1 className="font-mono text-xl font-semibold break-all sm:text-2xl">{profile.owner}</h1>
      </header>
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <Stat label="Datasets" value={formatCount(totals.datasets)} note={`${formatCount(totals.listed)} listed`} />
        <Stat label="Licences sold" value={formatCount(totals.licences)} note={plural(totals.buyers, 'buyer')} />
        <Stat label="Licence revenue" value={amount(amountValue(totals.revenue))} note={`${amount(amountValue(totals.earned))} after the market fee`} />
        <Stat label="Compute jobs delivered" value={formatCount(totals.computeJobs)} note={`${amount(amountValue(totals.computeEarned))} in data fees`} />
        <Stat label="Royalties" value={royalties} note={`${plural(payments, 'payment')} from sales of assets derived from theirs`} />
      </dl>
      <section aria-labelledby="owner-datasets" className="rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
        <h2 id="owner-datasets" className="text-lg font-semibold tracking-tight">
          Datasets
        </h2>
        <p className="mt-1 text-sm text-muted">Listed or not, newest first, with their real sales as the indexer reads them from the chain. Wash trades are left out.</p>
        <div className="mt-5">
          <Datasets profile={profile} />
        </div>
      </section>
    </div>
  );
}
