import Link from 'next/link';
import { BarChart, type Bar } from '@/components/charts/bar-chart';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { TxLink } from '@/components/tx/tx-link';
import { AnalyticsControls } from './controls';
import { amountValue, formatCount, formatHours, formatRate, money, plural } from './format';
import { LineagePanels } from './lineage-panels';
import { Section } from './section';
import type { AnalyticsQuery, AnalyticsReports } from '@/lib/web/queries/analytics';

interface Stat {
  label: string;
  value: string;
  note: string;
}

/** The all-time headline figures. */
function Headline({ reports }: { reports: AnalyticsReports }) {
  const { totals, repeatBuyers, revenueSplit, providers } = reports;
  const amount = money(totals.symbol);
  const computeMinutes = providers.providers.reduce((sum, p) => sum + p.computeMinutes, 0);
  const stats: Stat[] = [
    {
      label: 'Volume',
      value: amount(amountValue(totals.volume)),
      note: `${amount(amountValue(totals.licenceVolume))} in licences · ${amount(amountValue(totals.computeVolume))} in compute`,
    },
    { label: 'Licences sold', value: formatCount(totals.licences), note: `of ${plural(totals.datasets, 'dataset')} from ${plural(totals.owners, 'owner')}` },
    { label: 'Compute jobs', value: formatCount(totals.jobs), note: 'requested and paid into escrow' },
    { label: 'Compute hours', value: formatHours(computeMinutes), note: 'billed by providers' },
    { label: 'Buyers', value: formatCount(totals.buyers), note: 'accounts that paid at least once' },
    {
      label: 'Repeat buyers',
      value: formatRate(repeatBuyers.rate),
      note: `${formatCount(repeatBuyers.repeatBuyers)} of ${formatCount(repeatBuyers.buyers)} bought twice or more`,
    },
    { label: 'Market fees', value: amount(amountValue(revenueSplit.marketFees.total)), note: 'earned by the market' },
  ];
  return (
    <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
      {stats.map((stat, i) => (
        <div key={stat.label} className={`rounded-xl border border-line bg-surface p-5 shadow-sm ${i === 0 ? 'col-span-2' : ''}`}>
          <dt className="text-sm font-medium text-muted">{stat.label}</dt>
          <dd className="mt-2 text-2xl font-semibold tracking-tight tabular-nums sm:text-3xl">{stat.value}</dd>
          <dd className="mt-1 text-xs text-muted">{stat.note}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Bars only when something was counted, so that an empty market shows the charts' empty state. */
const unlessAllZero = (bars: Bar[]) => (bars.some((bar) => bar.value !== 0) ? bars : []);

function FlaggedTrades({ reports, query }: { reports: AnalyticsReports; query: AnalyticsQuery }) {
  const { trades } = reports.washTrades;
  const amount = money(reports.symbol);
  return (
    <Section
      id="wash"
      title="Flagged wash trades"
      report="wash-trades"
      query={query}
      note="The latest licence sales flagged as wash trades: bought by the dataset's owner, or by an account the owner had just funded. Every figure leaves them out unless they are included above."
    >
      {trades.length === 0 ? (
        <p className="text-sm text-muted">None flagged.</p>
      ) : (
        <ul className="divide-y divide-line text-sm">
          {trades.map((t) => (
            <li key={`${t.txHash}-${t.logIndex}`} className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 py-2">
              <Link href={`/datasets/${t.datasetId}`} className="min-w-0 font-medium underline-offset-2 hover:text-brand hover:underline">
                {t.title ?? `Dataset #${t.datasetId}`}
              </Link>
              <span className="font-medium tabular-nums">{amount(amountValue(t.price))}</span>
              <span className="w-full text-xs text-muted">
                {t.reason} · <time dateTime={t.timestamp}>{t.timestamp.replace('T', ' ').replace('Z', ' UTC')}</time> · buyer{' '}
                <span className="font-mono break-all">{t.buyer}</span> · <TxLink hash={t.txHash} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

/** Every chart of the analytics page, for investors: volume, what sells, who buys, how providers do. */
export function AnalyticsDashboard({ reports, query }: { reports: AnalyticsReports; query: AnalyticsQuery }) {
  const { symbol, daily, topDatasets, licenceMix, priceDistribution, repeatBuyers, providers, revenueSplit } = reports;
  const amount = money(symbol);
  const period = `the last ${query.days} days`;
  const periodVolume = daily.days.reduce((sum, d) => sum + amountValue(d.volume), 0);
  const periodLicences = daily.days.reduce((sum, d) => sum + d.licences, 0);
  const periodMinutes = daily.days.reduce((sum, d) => sum + d.computeMinutes, 0);
  const periodJobs = daily.days.reduce((sum, d) => sum + d.jobsRequested, 0);
  const rated = providers.providers.filter((p) => p.successRate !== null);
  const split = [
    { label: 'Data owners', value: amountValue(revenueSplit.owners.total) },
    { label: 'Compute providers', value: amountValue(revenueSplit.providers.total) },
    { label: 'Market fees', value: amountValue(revenueSplit.marketFees.total) },
    { label: 'Royalties to ancestors’ owners', value: amountValue(revenueSplit.royalties.total) },
    { label: 'Refunded to buyers', value: amountValue(revenueSplit.refunds.total) },
    { label: 'Held in escrow', value: amountValue(revenueSplit.held.total) },
  ];

  return (
    <div className="space-y-6">
      <AnalyticsControls query={query} totals={reports.totals} />
      <Headline reports={reports} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Section
          id="volume"
          title="Volume over time"
          report="daily"
          query={query}
          note={`${amount(periodVolume)} over ${period}, from ${plural(periodLicences, 'licence sale')} and settled compute jobs.`}
        >
          <TimeSeriesChart
            title={`Volume per day, ${symbol}`}
            formatValue={amount}
            series={[
              { name: 'Licences', points: daily.days.map((d) => ({ date: d.day, value: amountValue(d.licenceVolume) })) },
              { name: 'Compute', points: daily.days.map((d) => ({ date: d.day, value: amountValue(d.computeVolume) })) },
            ]}
          />
        </Section>
        <Section
          id="compute"
          title="Compute hours"
          report="daily"
          query={query}
          note={`${formatHours(periodMinutes)} billed over ${period}; ${plural(periodJobs, 'job')} requested.`}
        >
          <TimeSeriesChart
            title="Hours billed per day"
            formatValue={(hours) => `${formatCount(hours)} h`}
            series={[{ name: 'Compute hours', points: daily.days.map((d) => ({ date: d.day, value: d.computeMinutes / 60 })) }]}
          />
        </Section>
        <Section id="top" title="Top datasets" report="top-datasets" query={query} note="All time, by what buyers paid for licences.">
          <BarChart
            horizontal
            title={`Revenue per dataset, ${symbol}`}
            formatValue={amount}
            data={topDatasets.datasets.map((d) => ({
              label: d.title ?? `Dataset #${d.datasetId}`,
              value: amountValue(d.revenue),
              href: `/datasets/${d.datasetId}`,
            }))}
          />
        </Section>
        <Section
          id="split"
          title="Where the money went"
          report="revenue-split"
          query={query}
          note={`All time: ${amount(amountValue(revenueSplit.paid.total))} paid by buyers.`}
        >
          <BarChart horizontal title={`Shares of what buyers paid, ${symbol}`} formatValue={amount} data={unlessAllZero(split)} />
        </Section>
        <Section id="licences" title="Licence mix" report="licence-mix" query={query} note="All time: licences sold under each preset.">
          <BarChart
            horizontal
            title="Licences sold per preset"
            formatValue={formatCount}
            data={unlessAllZero(licenceMix.licences.map((l) => ({ label: l.preset, value: l.sales })))}
          />
        </Section>
        <Section
          id="prices"
          title="Price distribution"
          report="price-distribution"
          query={query}
          note={`All time: licences sold per price range, in ${symbol}.`}
        >
          <BarChart
            title="Licences sold per price"
            formatValue={formatCount}
            data={unlessAllZero(priceDistribution.buckets.map((b) => ({ label: b.bucket, value: b.sales })))}
          />
        </Section>
        <Section
          id="repeat"
          title="Repeat buyers"
          report="repeat-buyers"
          query={query}
          note={`All time: ${formatRate(repeatBuyers.rate)} of buyers came back for a second licence or job.`}
        >
          <BarChart
            horizontal
            title="Buyers by number of purchases"
            formatValue={formatCount}
            data={unlessAllZero([
              { label: 'Bought once', value: repeatBuyers.buyers - repeatBuyers.repeatBuyers },
              { label: 'Bought twice or more', value: repeatBuyers.repeatBuyers },
            ])}
          />
        </Section>
        <Section
          id="providers"
          title="Provider success rate"
          report="providers"
          query={query}
          note={
            <>
              Delivered jobs out of closed ones, per provider.{' '}
              <Link href="/providers" className="font-medium text-brand underline-offset-2 hover:underline">
                All providers
              </Link>
            </>
          }
        >
          <BarChart
            horizontal
            title="Success rate per provider, %"
            empty={providers.providers.length === 0 ? 'No provider registered yet' : 'No compute job closed yet'}
            formatValue={(v) => `${formatCount(v)}%`}
            data={rated.map((p) => ({
              label: `Provider ${p.providerId} · ${plural(p.delivered + p.failed, 'closed job')}`,
              value: Math.round((p.successRate ?? 0) * 1000) / 10,
              href: `/providers#provider-${p.providerId}`,
            }))}
          />
        </Section>
        <LineagePanels reports={reports} query={query} />
      </div>
      <FlaggedTrades reports={reports} query={query} />
    </div>
  );
}
