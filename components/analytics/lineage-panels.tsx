/**
 * The dashboard's lineage panels: royalties that derivatives' sales paid up their lineage over time, the assets
 * their derivatives paid most, and the largest lineage trees.
 */
import { BarChart } from '@/components/charts/bar-chart';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import type { AnalyticsQuery, AnalyticsReports } from '@/lib/web/queries/analytics';
import { amountValue, formatCount, money, plural } from './format';
import { Section } from './section';

const KIND = { dataset: 'Dataset', model: 'Model' } as const;

export function LineagePanels({ reports, query }: { reports: AnalyticsReports; query: AnalyticsQuery }) {
  const { symbol, royaltyVolume, derivativeRevenue, lineageTrees } = reports;
  const amount = money(symbol);
  const periodRoyalties = royaltyVolume.days.reduce((sum, d) => sum + amountValue(d.volume), 0);
  const periodPayments = royaltyVolume.days.reduce((sum, d) => sum + d.payments, 0);
  return (
    <>
      <Section
        id="royalties"
        title="Royalties over time"
        report="royalty-volume"
        query={query}
        note={`${amount(periodRoyalties)} paid over the last ${query.days} days to the owners of what models and derived datasets came from, in ${plural(periodPayments, 'payment')}.`}
      >
        <TimeSeriesChart
          title={`Royalties paid per day, ${symbol}`}
          formatValue={amount}
          series={[{ name: 'Royalties', points: royaltyVolume.days.map((d) => ({ date: d.day, value: amountValue(d.volume) })) }]}
        />
      </Section>
      <Section id="derivative-revenue" title="Top datasets by derivative revenue" report="derivative-revenue" query={query} note="All time, by the royalties their derivatives’ sales paid them.">
        <BarChart
          horizontal
          title={`Royalties received, ${symbol}`}
          formatValue={amount}
          empty="No royalties paid yet"
          data={derivativeRevenue.datasets.map((d) => ({
            label: `${d.title ?? `${KIND[d.kind]} #${d.datasetId}`} · ${plural(d.derivatives, 'derivative')}`,
            value: amountValue(d.royalties),
            href: `/datasets/${d.datasetId}`,
          }))}
        />
      </Section>
      <Section id="lineage-trees" title="Largest lineage trees" report="lineage-trees" query={query} note="Assets derived from nothing, by how many assets derive from them at any depth.">
        <BarChart
          horizontal
          title="Assets derived from each root"
          formatValue={formatCount}
          empty="Nothing derived yet"
          data={lineageTrees.trees.map((t) => ({
            label: `${t.title ?? `${KIND[t.kind]} #${t.rootId}`} · ${plural(t.depth, 'level')} deep`,
            value: t.descendants,
            href: `/datasets/${t.rootId}`,
          }))}
        />
      </Section>
    </>
  );
}
