/**
 * The indexer's read API as it answers: search pages, an account's purchases, an owner's profile, an asset's
 * lineage and royalties, and the analytics reports; what the indexer's server sends, and what IndexerClient, the web app and the CLI read. Types only (and
 * the report names), so the browser can import them without the SQL that computes them (./search, ./holdings,
 * ./reports).
 */
import type { Address } from 'viem';
import type { AssetKind } from '../lineage/derivation';

export type { AssetKind };

/** The reports the API serves, in the order it lists them. */
export const REPORT_NAMES = ['totals', 'daily', 'top-datasets', 'revenue-split', 'repeat-buyers', 'price-distribution', 'licence-mix', 'providers', 'dataset-sales', 'wash-trades', 'royalty-volume', 'derivative-revenue', 'lineage-trees'] as const;
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
  /** Minutes of the jobs settled that day, a run's minutes on one provider once. */
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
  /** paid = owners + providers + marketFees + royalties + refunds + held (escrow of jobs still open). */
  paid: Split;
  owners: Split;
  providers: Split;
  marketFees: Split;
  /** What sales of derivatives paid their ancestors' owners. */
  royalties: Split;
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
  /** Minutes billed by settled jobs and booked by closed ones, a run's minutes here once however many datasets it ran on. */
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

/** Royalties paid per UTC day of the range (the daily report's days), empty days as zeros. */
export interface RoyaltyVolumeReport {
  report: 'royalty-volume';
  symbol: string;
  wash: Wash;
  from: string;
  to: string;
  days: { day: string; volume: Amount; payments: number }[];
}

/** Assets ranked by the royalties their derivatives' sales paid them. */
export interface DerivativeRevenueReport {
  report: 'derivative-revenue';
  symbol: string;
  wash: Wash;
  datasets: { datasetId: number; title: string | null; owner: string | null; kind: AssetKind; royalties: Amount; payments: number; derivatives: number }[];
}

/** Assets with no parents ranked by how many assets derive from them, then by the longest chain below them. */
export interface LineageTreesReport {
  report: 'lineage-trees';
  trees: { rootId: number; title: string | null; owner: string | null; kind: AssetKind; descendants: number; depth: number }[];
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
  | WashTradesReport
  | RoyaltyVolumeReport
  | DerivativeRevenueReport
  | LineageTreesReport;


/** One dataset of a search page (see ./search). */
export interface SearchItem {
  id: string;
  kind: AssetKind;
  /** Null until the metadata document is read and verified (see metadataStatus). */
  title: string | null;
  description: string | null;
  tags: string[];
  format: string | null;
  size: number | null;
  rowCount: number | null;
  owner: string;
  listed: boolean;
  version: number;
  metadataCid: string;
  licence: string;
  commercial: boolean;
  derivatives: boolean;
  aiTraining: boolean;
  computeOnly: boolean;
  /** Amounts in base units: price is the compute price of compute-only data, else the download price. */
  price: string;
  downloadPrice: string;
  computePrice: string;
  /** Real (not wash-flagged) licence sales, what buyers paid for them, and how many distinct buyers. */
  sales: number;
  revenue: string;
  buyers: number;
  /** The amounts for people ("2.5 dUSD"). */
  formatted: { price: string; downloadPrice: string; computePrice: string; revenue: string };
  publishedAt: string;
  updatedAt: string;
  metadataStatus: string;
}

export interface SearchResult {
  total: number;
  page: number;
  pageSize: number;
  items: SearchItem[];
}

/** A licence the account holds or held: its latest purchase or transfer in, unless it was transferred away since. */
export interface HeldLicence {
  datasetId: number;
  /** Null until the dataset's metadata is read. */
  title: string | null;
  /** Who owns the dataset now. */
  owner: string;
  /** The terms the licence was bought under (a licence received by transfer: those of its sender's purchase, when known). */
  termsId: number | null;
  licence: string | null;
  rights: { commercialUse: boolean; derivatives: boolean; aiTraining: boolean; transferable: boolean } | null;
  /** ISO time; null for a perpetual licence. */
  expiresAt: string | null;
  /** Unexpired at the time of the query. */
  active: boolean;
  via: 'purchase' | 'transfer';
  /** The transaction that gave the account this licence last, and when. */
  txHash: string;
  acquiredAt: string;
  /** Purchases of this dataset by the account (renewals included) and what they cost. */
  purchases: number;
  paid: Amount;
  /** What buying again costs now, under the dataset's current terms; null when it cannot be bought again (delisted, compute-only, perpetual). */
  renewal: { termsId: number; price: Amount } | null;
}

export type JobStatus = 'requested' | 'accepted' | 'settled' | 'cancelled' | 'refunded';

/** A compute job the account paid for. */
export interface PaidJob {
  jobId: number;
  datasetId: number;
  title: string | null;
  providerId: number;
  status: JobStatus;
  /** Settled with results released (null while open). */
  delivered: boolean | null;
  escrow: Amount;
  maxMinutes: number;
  minutesUsed: number | null;
  /** Escrow less what came back, once closed. */
  spent: Amount | null;
  refund: Amount | null;
  requestedAt: string;
  closedAt: string | null;
  requestTx: string | null;
  /** The settlement, cancellation or refund. */
  closeTx: string | null;
  /** What the settlement recorded: keccak256 of the receipt the provider's node signed and its outputs' Merkle root. */
  resultHash: string | null;
}

export interface AccountPurchases {
  account: Address;
  symbol: string;
  /** Latest first. */
  licences: HeldLicence[];
  /** The latest `MAX_JOBS` (./holdings), of `jobsTotal`. */
  jobs: PaidJob[];
  jobsTotal: number;
}

export interface OwnerProfile {
  owner: Address;
  symbol: string;
  /** Real sales only (wash trades left out), of the datasets the account owns now. */
  totals: {
    datasets: number;
    listed: number;
    licences: number;
    /** What buyers paid for the licences, and what the owner was credited (less the market fee and the royalties to ancestors). */
    revenue: Amount;
    earned: Amount;
    buyers: number;
    /** Compute jobs delivered on its datasets, and the data fees credited for them. */
    computeJobs: number;
    computeEarned: Amount;
    /** Royalties the account was credited as an ancestor's owner, per currency: income apart from its own sales. */
    royaltyIncome: RoyaltySum[];
  };
  /** When its first dataset was published; null without datasets. */
  since: string | null;
  /** Its newest `PROFILE_DATASETS` (./holdings) datasets, listed or not (`datasets.total` counts them all). */
  datasets: SearchResult;
}

/** A release budget as ComputeMarket counts it: ε in millionths and bytes, decimal strings of uint64s; '0' is no limit. */
export interface ReleaseLimitsView {
  epsilonTotal: string;
  epsilonPerBuyer: string;
  bytesPerJob: string;
  bytesPerBuyer: string;
}

/** What one buyer's compute jobs on a dataset spent of its release budget; amounts as decimal strings. */
export interface BuyerReleases {
  buyer: string;
  /** Jobs it requested on the dataset (cancelled and refunded included), and those delivered. */
  jobs: number;
  delivered: number;
  /** ε (millionths) of its delivered jobs: spent for good. */
  epsilon: string;
  /** Bytes of results its jobs released. */
  releasedBytes: string;
  /** What its open jobs reserve: counted against the budget until they settle, then given back less what they used. */
  reserved: { epsilon: string; bytes: string };
  lastJobAt: string;
}

/** A dataset's release budget and what its buyers' compute jobs released (GET /api/v1/datasets/<id>/releases). */
export interface DatasetReleases {
  datasetId: number;
  /** As its owner last set it; null when never set: nothing is limited. */
  budget: (ReleaseLimitsView & { updatedAt: string }) | null;
  /** Summed over every buyer. */
  totals: Omit<BuyerReleases, 'buyer' | 'lastJobAt'> & { buyers: number };
  /** The `MAX_RELEASE_BUYERS` (./releases) buyers that released the most bytes, then spent the most ε. */
  buyers: BuyerReleases[];
}

/** Royalties in one currency: the amount in its base units, and how many payments. */
export interface RoyaltySum {
  currency: string;
  amount: string;
  payments: number;
}

export interface LineageNode {
  id: string;
  kind: AssetKind;
  /** Null until its metadata is read. */
  title: string | null;
  owner: string;
  /**
   * Whether the file its current metadata describes (its plaintext SHA-256) is the content registered with its
   * lineage — for a parent entitled by a job, the output proven on-chain. False: the owner sells another file than
   * the one it registered (or swapped it in a later version). Null: no lineage, or the metadata is not read yet.
   */
  contentMatches?: boolean | null;
}

/** A parent and a child: the parent's share of the child's sales and the job that entitled the child (null: a licence or ownership). */
export interface LineageEdge {
  parentId: string;
  childId: string;
  bps: number;
  jobId: string | null;
}

/**
 * An asset's lineage graph (GET /api/v1/datasets/<id>/lineage): the asset, every ancestor (at most 8) and its
 * descendants down to `MAX_LINEAGE_LEVELS` (./lineage), at most `MAX_LINEAGE_NODES` nodes; `truncated` when
 * descendants were left out. Ids as decimal strings.
 */
export interface AssetLineage {
  assetId: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}

/**
 * An asset's royalties (GET /api/v1/datasets/<id>/royalties), those of wash-flagged sales left out: what its owners
 * earned as an ancestor, what its own sales paid its ancestors, and the derivatives that paid it most (amounts in
 * base units).
 */
export interface AssetRoyalties {
  earned: RoyaltySum[];
  paid: RoyaltySum[];
  fromDerivatives: { assetId: string; title: string | null; amount: string }[];
}
