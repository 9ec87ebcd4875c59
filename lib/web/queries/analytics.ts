/**
 * The analytics page's reports, read from the indexer's read model in one pass (kept for the block it has
 * indexed). Never throws: an indexer that does not answer (or a bad configuration) comes back as a message and a
 * hint the page shows instead of the figures.
 */
import { searchParamsOf, type QueryParams } from '../../indexer/client';
import type {
  DailyReport,
  DerivativeRevenueReport,
  LicenceMixReport,
  LineageTreesReport,
  PriceDistributionReport,
  ProvidersReport,
  RepeatBuyersReport,
  ReportName,
  RevenueSplitReport,
  RoyaltyVolumeReport,
  TopDatasetsReport,
  TotalsReport,
  Wash,
  WashTradesReport,
} from '../../indexer/api';
import { problemOf } from './problem';
import { headReads, indexedRead } from '../services';

/** The periods the page offers for its daily series, in days up to today. */
export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];
export const DEFAULT_PERIOD: Period = 30;

/** What the page's URL asks for, and the report parameters it stands for. */
export interface AnalyticsQuery {
  wash: Wash;
  days: Period;
  /** Inclusive UTC days, YYYY-MM-DD: the last `days` days up to today. */
  from: string;
  to: string;
}

export interface AnalyticsReports {
  available: true;
  symbol: string;
  totals: TotalsReport;
  daily: DailyReport;
  topDatasets: TopDatasetsReport;
  revenueSplit: RevenueSplitReport;
  repeatBuyers: RepeatBuyersReport;
  priceDistribution: PriceDistributionReport;
  licenceMix: LicenceMixReport;
  providers: ProvidersReport;
  washTrades: WashTradesReport;
  royaltyVolume: RoyaltyVolumeReport;
  derivativeRevenue: DerivativeRevenueReport;
  lineageTrees: LineageTreesReport;
}

export type Analytics = AnalyticsReports | { available: false; message: string; hint: string };

const DAY_MS = 86_400_000;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** The page's `wash` and `days` parameters; anything unknown falls back to the defaults (real sales, 30 days). */
export function analyticsQuery(searchParams: Record<string, string | string[] | undefined>, now = Date.now()): AnalyticsQuery {
  const first = (name: string) => [searchParams[name]].flat()[0];
  const days = PERIODS.find((period) => String(period) === first('days')) ?? DEFAULT_PERIOD;
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return { wash: first('wash') === 'include' ? 'include' : 'exclude', days, from: isoDay(today - (days - 1) * DAY_MS), to: isoDay(today) };
}

/** The parameters each report takes from the query: every report counts wash trades or not; the daily series have a period. */
export function reportParams(report: ReportName, query: AnalyticsQuery): QueryParams {
  if (report === 'wash-trades') return { limit: 100 };
  if (report === 'daily' || report === 'royalty-volume') return { wash: query.wash, from: query.from, to: query.to };
  return { wash: query.wash };
}

/** The CSV download of `report` with the parameters the page used for it. */
export function csvHref(report: ReportName, query: AnalyticsQuery): string {
  const search = searchParamsOf(reportParams(report, query)).toString();
  return `/api/analytics/${report}.csv${search ? `?${search}` : ''}`;
}

/** Every report the page shows, for `query`. */
export async function readAnalytics(query: AnalyticsQuery): Promise<Analytics> {
  try {
    const at = await headReads();
    const read = <T>(report: ReportName) => {
      const params = reportParams(report, query);
      return indexedRead(`report:${report}?${searchParamsOf(params)}`, (client) => client.report<T>(report, params), at);
    };
    const [totals, daily, topDatasets, revenueSplit, repeatBuyers, priceDistribution, licenceMix, providers, washTrades, royaltyVolume, derivativeRevenue, lineageTrees] = await Promise.all([
      read<TotalsReport>('totals'),
      read<DailyReport>('daily'),
      read<TopDatasetsReport>('top-datasets'),
      read<RevenueSplitReport>('revenue-split'),
      read<RepeatBuyersReport>('repeat-buyers'),
      read<PriceDistributionReport>('price-distribution'),
      read<LicenceMixReport>('licence-mix'),
      read<ProvidersReport>('providers'),
      read<WashTradesReport>('wash-trades'),
      read<RoyaltyVolumeReport>('royalty-volume'),
      read<DerivativeRevenueReport>('derivative-revenue'),
      read<LineageTreesReport>('lineage-trees'),
    ]);
    return {
      available: true,
      symbol: totals.symbol,
      totals,
      daily,
      topDatasets,
      revenueSplit,
      repeatBuyers,
      priceDistribution,
      licenceMix,
      providers,
      washTrades,
      royaltyVolume,
      derivativeRevenue,
      lineageTrees,
    };
  } catch (error) {
    return { available: false, ...problemOf(error, 'check `datagora health`') };
  }
}
