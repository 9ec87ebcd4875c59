import Link from 'next/link';
import { ReadFailure } from '@/components/layout/read-failure';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { TxLink } from '@/components/tx/tx-link';
import { formatDateTime, shortHash } from './format';
import type { Sales } from '@/lib/web/queries/dataset';
import { Section } from './section';

const count = new Intl.NumberFormat('en-US');

/** Licence sales of the dataset from the indexer: totals, sales per day and the latest sales. */
export function DatasetSales({ sales }: { sales: Sales }) {
  if (sales === null) {
    return (
      <Section id="sales" title="Sales">
        <p className="text-sm text-muted">
          Compute-only data sells no download licences: buyers pay per compute job. Job volume is in the{' '}
          <Link href="/analytics" className="font-medium text-brand underline-offset-4 hover:underline">
            market analytics
          </Link>
          .
        </p>
      </Section>
    );
  }
  if (!sales.available) {
    return (
      <Section id="sales" title="Sales">
        <ReadFailure
          title="The sales figures cannot be read right now"
          body="They come from the indexer, which follows the chain; the dataset and its licences are not affected."
          message={sales.message}
          hint={sales.hint}
        />
      </Section>
    );
  }
  const { report } = sales;
  const stats = [
    { label: 'Licences sold', value: count.format(report.dataset.sales) },
    { label: 'Revenue', value: `${report.dataset.revenue.value} ${report.symbol}` },
    { label: 'Buyers', value: count.format(report.dataset.buyers) },
  ];
  return (
    <Section id="sales" title="Sales" intro="Download licences sold, as the indexer reads them from the chain. Wash trades are left out.">
      <dl className="grid grid-cols-3 gap-3">
        {stats.map((stat) => (
          <div key={stat.label} className="rounded-lg border border-line p-3">
            <dt className="text-xs text-muted">{stat.label}</dt>
            <dd className="mt-1 font-semibold tabular-nums sm:text-xl">{stat.value}</dd>
          </div>
        ))}
      </dl>
      <div className="mt-6">
        <TimeSeriesChart
          title={`Licences sold per day, last ${report.days.length} days (UTC)`}
          series={[{ name: 'Licences sold', points: report.days.map((d) => ({ date: d.day, value: d.sales })) }]}
        />
      </div>
      {report.latest.length > 0 ? (
        <div className="mt-6">
          <h3 className="text-sm font-medium">Latest sales</h3>
          <ul className="mt-2 divide-y divide-line border-y border-line text-sm">
            {report.latest.map((sale) => (
              <li key={`${sale.txHash}-${sale.logIndex}`} className="flex items-center justify-between gap-4 py-2">
                <span className="min-w-0">
                  <time dateTime={sale.timestamp}>{formatDateTime(new Date(sale.timestamp))}</time>
                  <span className="block font-mono text-xs text-muted" title={sale.buyer}>
                    <span className="sr-only">bought by </span>
                    {shortHash(sale.buyer)} · <TxLink hash={sale.txHash} />
                  </span>
                </span>
                <span className="shrink-0 font-medium tabular-nums">
                  {sale.price.value} {report.symbol}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </Section>
  );
}
