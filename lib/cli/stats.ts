/**
 * `datagora stats`: the market's analytics from the indexer's read API (DATAGORA_INDEXER_URL) — a short
 * summary, the same as --json, or one report as CSV (--csv REPORT).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { IndexerClient, type QueryParams } from '../indexer/client';
import type { Amount, DailyReport, LicenceMixReport, ProvidersReport, RepeatBuyersReport, RevenueSplitReport, TopDatasetsReport, TotalsReport } from '../indexer/api';
import { printJson } from './market';
import { printTable, truncate } from './table';
import { UsageError, withNegativeValues } from './usage';

const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);

export async function stats(args: string[]): Promise<number> {
  const options = {
    json: { type: 'boolean', default: false },
    'include-wash': { type: 'boolean', default: false },
    csv: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    dataset: { type: 'string' },
  } as const;
  const { values, positionals } = parseArgs({ args: withNegativeValues(args, options), options, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`stats takes no arguments, got "${positionals.join(' ')}"`);
  const client = new IndexerClient(loadConfig().indexer.url);
  const params: QueryParams = { wash: values['include-wash'] ? 'include' : undefined, from: values.from, to: values.to, dataset: values.dataset };
  if (values.csv !== undefined) {
    process.stdout.write(await client.csv(values.csv, params));
    return 0;
  }

  const [totals, split, repeat, top, mix, providers] = await Promise.all([
    client.report<TotalsReport>('totals', params),
    client.report<RevenueSplitReport>('revenue-split', params),
    client.report<RepeatBuyersReport>('repeat-buyers', params),
    client.report<TopDatasetsReport>('top-datasets', { ...params, by: 'revenue', limit: 5 }),
    client.report<LicenceMixReport>('licence-mix', params),
    client.report<ProvidersReport>('providers', params),
  ]);
  // A day range asks for the daily series too.
  const daily = values.from !== undefined || values.to !== undefined ? await client.report<DailyReport>('daily', params) : undefined;
  if (values.json) {
    printJson({ totals, revenueSplit: split, repeatBuyers: repeat, topDatasets: top, licenceMix: mix, providers, ...(daily ? { daily } : {}) });
    return 0;
  }

  const money = (amount: Amount) => `${amount.value} ${totals.symbol}`;
  const { flagged } = totals;
  console.log(
    [
      `Market (wash trades ${totals.wash === 'include' ? 'included' : 'excluded; --include-wash counts them'})`,
      `  ${totals.datasets} datasets from ${totals.owners} owners, ${totals.buyers} buyers`,
      `  ${totals.licences} licences sold, ${totals.jobs} compute jobs`,
      `  volume ${money(totals.volume)} (licences ${totals.licenceVolume.value}, compute ${totals.computeVolume.value})`,
      `  flagged as wash trades: ${flagged.licences} licences, ${flagged.jobs} jobs, ${money(flagged.volume)}`,
      `Revenue split of the ${money(split.paid.total)} buyers paid`,
      `  owners        ${money(split.owners.total)} (licences ${split.owners.licences.value}, compute ${split.owners.compute.value})`,
      `  providers     ${money(split.providers.total)}`,
      `  market fees   ${money(split.marketFees.total)}`,
      `  refunds       ${money(split.refunds.total)}`,
      `  in escrow     ${money(split.held.total)}`,
      `Repeat buyers: ${repeat.repeatBuyers} of ${repeat.buyers} (${percent(repeat.rate)})`,
    ].join('\n'),
  );
  console.log('Top datasets by revenue');
  if (top.datasets.length === 0) console.log('  no sales yet');
  else printTable(top.datasets.map((d) => ({ id: d.datasetId, title: truncate(d.title ?? '(metadata pending)', 40), sales: d.sales, revenue: money(d.revenue), buyers: d.buyers })));
  console.log('Licence mix');
  printTable(mix.licences.map((l) => ({ licence: l.preset, sales: l.sales, volume: money(l.volume) })));
  console.log('Providers');
  if (providers.providers.length === 0) console.log('  none registered');
  else printTable(providers.providers.map((p) => ({ id: p.providerId, endpoint: p.endpoint, active: p.active, jobs: p.jobs, delivered: p.delivered, failed: p.failed, success: percent(p.successRate), minutes: p.computeMinutes, utilization: percent(p.utilization), earnings: money(p.earnings) })));
  if (daily) {
    console.log(`Daily, ${daily.from} to ${daily.to}`);
    printTable(daily.days.map((d) => ({ day: d.day, volume: money(d.volume), licences: d.licences, listings: d.listings, jobs: d.jobsRequested, minutes: d.computeMinutes })));
  }
  return 0;
}
