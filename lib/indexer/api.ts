/**
 * The analytics reports as the read API answers them: what the indexer's server sends, and what IndexerClient,
 * the web app and the CLI read. Types only (and the report names), so the browser can import them without the
 * SQL that computes them (./reports).
 */

/** The reports the API serves, in the order it lists them. */
export const REPORT_NAMES = ['totals', 'daily', 'top-datasets', 'revenue-split', 'repeat-buyers', 'price-distribution', 'licence-mix', 'providers', 'dataset-sales', 'wash-trades'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** Whether wash-flagged sales and jobs count (`wash=include`) or are left out (the default). */
export type Wash = 'exclude' | 'include';

/** A report's query parameters, checked and with their defaults (see parseAnalyticsParams in ./analytics). */
export interface AnalyticsParams {
  wash: Wash;
  /** Inclusive UTC days, YYYY-MM-DD. */
  from: string;
  to: string;
  limit: number;
  by: 'revenue' | 'buyers';
  dataset?: number;
}

/** An amount in base units and in whole currency units (the result's `symbol`). */
export interface Amount {
  raw: string;
  value: string;
}

/** Licence and compute parts of one share of the money, and their sum. */
export interface Split {
  licences: Amount;
  compute: Amount;
  total: Amount;
}

export interface TotalsReport {
  report: 'totals';
  symbol: string;
  wash: Wash;
  datasets: number;
  owners: number;
  buyers: number;
  licences: number;
  jobs: number;
  volume: Amount;
  licenceVolume: Amount;
  computeVolume: Amount;
  /** Wash-flagged sales and jobs, whatever `wash` says. */
  flagged: { licences: number; jobs: number; volume: Amount };
}

export interface DailyRow {
  day: string;
  volume: Amount;
  licences: number;
  licenceVolume: Amount;
  computeVolume: Amount;
  listings: number;
  jobsRequested: number;
  computeMinutes: number;
}

export interface DailyReport {
  report: 'daily';
  symbol: string;
  wash: Wash;
  from: string;
  to: string;
  days: DailyRow[];
}

export interface TopDataset {
  datasetId: number;
  title: string | null;
  owner: string | null;
  sales: number;
  /** What buyers paid for its licences. */
  revenue: Amount;
  buyers: number;
}

export interface TopDatasetsReport {
  report: 'top-datasets';
  symbol: string;
  wash: Wash;
  by: 'revenue' | 'buyers';
  datasets: TopDataset[];
}

export interface RevenueSplitReport {
  report: 'revenue-split';
  symbol: string;
  wash: Wash;
  /** paid = owners + providers + marketFees + refunds + held (escrow of jobs still open). */
  paid: Split;
  owners: Split;
  providers: Split;
  marketFees: Split;
  refunds: Split;
  held: Split;
}

export interface RepeatBuyersReport {
  report: 'repeat-buyers';
  symbol: string;
  wash: Wash;
  /** Accounts that bought at least one licence or compute job. */
  buyers: number;
  /** Those that bought two or more. */
  repeatBuyers: number;
  /** repeatBuyers / buyers, null without buyers. */
  rate: number | null;
}

export interface PriceDistributionReport {
  report: 'price-distribution';
  symbol: string;
  wash: Wash;
  /** Bounds in whole units, [lower, upper); upper null for the last bucket. */
  buckets: { bucket: string; lower: number; upper: number | null; sales: number; volume: Amount }[];
}

export interface LicenceMixReport {
  report: 'licence-mix';
  symbol: string;
  wash: Wash;
  licences: { preset: string; sales: number; volume: Amount }[];
}

export interface ProviderRow {
  providerId: number;
  owner: string;
  endpoint: string;
  active: boolean;
  jobs: number;
  settled: number;
  delivered: number;
  failed: number;
  cancelled: number;
  successRate: number | null;
  computeMinutes: number;
  bookedMinutes: number;
  utilization: number | null;
  earnings: Amount;
}

export interface ProvidersReport {
  report: 'providers';
  symbol: string;
  wash: Wash;
  providers: ProviderRow[];
}

export interface SaleRow {
  txHash: string;
  logIndex: number;
  timestamp: string;
  buyer: string;
  price: Amount;
  /** Why the sale is flagged, or null for a real sale. */
  wash: string | null;
}

export interface DatasetSalesReport {
  report: 'dataset-sales';
  symbol: string;
  wash: Wash;
  dataset: { datasetId: number; title: string | null; owner: string; sales: number; revenue: Amount; buyers: number };
  from: string;
  to: string;
  days: { day: string; sales: number; volume: Amount }[];
  latest: SaleRow[];
}

export interface WashTradesReport {
  report: 'wash-trades';
  symbol: string;
  trades: (SaleRow & { datasetId: number; title: string | null; owner: string; reason: string })[];
}

export type ReportResult =
  | TotalsReport
  | DailyReport
  | TopDatasetsReport
  | RevenueSplitReport
  | RepeatBuyersReport
  | PriceDistributionReport
  | LicenceMixReport
  | ProvidersReport
  | DatasetSalesReport
  | WashTradesReport;
