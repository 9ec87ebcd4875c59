/**
 * Market analytics as the read API serves them: report names, their query parameters, JSON results and CSV.
 * The queries are in reports.ts and the results' types in api.ts. Wash-flagged sales and jobs are left out unless
 * `wash=include`.
 *
 * Parameters: `wash=exclude|include`, `from`/`to` (YYYY-MM-DD, UTC, inclusive; default the 30 days to today)
 * for daily series (daily, royalty-volume), `limit` (1–100, default 10; rankings and lists), `by=revenue|buyers` (top-datasets), `dataset` (an id; required
 * by dataset-sales, optional for wash-trades).
 */
import type { IndexerDatabase } from './db';
import { QueryError } from './errors';
import { REPORT_NAMES, type AnalyticsParams, type Amount, type ReportName, type ReportResult } from './api';
import type { AnalyticsContext } from './query';
import { queryReport } from './reports';

/** Longest daily series one request may ask for. */
export const MAX_DAYS = 366;
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

function isReportName(name: string): name is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(name);
}

function reportName(report: string): ReportName {
  if (!isReportName(report)) throw new QueryError('report', `unknown report "${report}"`, `use one of: ${REPORT_NAMES.join(', ')}`);
  return report;
}

function day(params: URLSearchParams, name: 'from' | 'to'): number | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) throw new QueryError(name, `"${value}" is not a date`, 'write a UTC day as YYYY-MM-DD, e.g. 2026-01-31');
  return time;
}

function oneOf<T extends string>(params: URLSearchParams, name: string, values: readonly T[]): T {
  const value = params.get(name) ?? values[0]!;
  if (!(values as readonly string[]).includes(value)) throw new QueryError(name, `"${value}" is not allowed`, `use one of: ${values.join(', ')}`);
  return value as T;
}

/** Validates a report's query parameters; fills in the defaults. */
export function parseAnalyticsParams(report: string, params: URLSearchParams): AnalyticsParams {
  const name = reportName(report);
  const wash = oneOf(params, 'wash', ['exclude', 'include'] as const);
  const by = oneOf(params, 'by', ['revenue', 'buyers'] as const);

  const limitText = params.get('limit') ?? '10';
  const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 100)) throw new QueryError('limit', `"${limitText}" is not a whole number from 1 to 100`, 'ask for at most 100 rows, e.g. limit=10');

  const datasetText = params.get('dataset');
  let dataset: number | undefined;
  if (datasetText !== null) {
    dataset = /^\d{1,15}$/.test(datasetText) ? Number(datasetText) : 0;
    if (dataset < 1) throw new QueryError('dataset', `"${datasetText}" is not a dataset id`, 'a dataset id is a positive integer');
  } else if (name === 'dataset-sales') {
    throw new QueryError('dataset', 'is required by the dataset-sales report', 'add dataset=<id>');
  }

  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const to = day(params, 'to') ?? today;
  const from = day(params, 'from') ?? to - (DEFAULT_DAYS - 1) * DAY_MS;
  if (from > to) throw new QueryError('from', 'is after to', 'give from ≤ to');
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_DAYS) throw new QueryError('from', `the range spans ${days} days`, `ask for at most ${MAX_DAYS} days at a time`);
  const iso = (time: number) => new Date(time).toISOString().slice(0, 10);

  return { wash, from: iso(from), to: iso(to), limit, by, ...(dataset !== undefined ? { dataset } : {}) };
}

/** Runs one report; the JSON result (see api.ts for each report's shape). */
export async function runReport(idb: IndexerDatabase, report: string, params: AnalyticsParams, context: AnalyticsContext): Promise<ReportResult> {
  return queryReport(idb, reportName(report), params, context);
}

type Cell = string | number | boolean | null;
interface Table {
  columns: string[];
  rows: Cell[][];
}

const whole = (amount: Amount) => amount.value;

/** One report's result as a table of whole-unit amounts. */
function table(result: ReportResult): Table {
  switch (result.report) {
    case 'totals':
      return {
        columns: ['datasets', 'owners', 'buyers', 'licences', 'jobs', 'volume', 'licence_volume', 'compute_volume', 'flagged_licences', 'flagged_jobs', 'flagged_volume'],
        rows: [[result.datasets, result.owners, result.buyers, result.licences, result.jobs, whole(result.volume), whole(result.licenceVolume), whole(result.computeVolume), result.flagged.licences, result.flagged.jobs, whole(result.flagged.volume)]],
      };
    case 'daily':
      return {
        columns: ['day', 'volume', 'licences', 'licence_volume', 'compute_volume', 'listings', 'jobs_requested', 'compute_minutes'],
        rows: result.days.map((d) => [d.day, whole(d.volume), d.licences, whole(d.licenceVolume), whole(d.computeVolume), d.listings, d.jobsRequested, d.computeMinutes]),
      };
    case 'top-datasets':
      return { columns: ['rank', 'dataset_id', 'title', 'owner', 'sales', 'revenue', 'buyers'], rows: result.datasets.map((d, i) => [i + 1, d.datasetId, d.title, d.owner, d.sales, whole(d.revenue), d.buyers]) };
    case 'revenue-split': {
      const shares = [['paid', result.paid], ['owners', result.owners], ['providers', result.providers], ['market_fees', result.marketFees], ['royalties', result.royalties], ['refunds', result.refunds], ['held', result.held]] as const;
      return { columns: ['share', 'licences', 'compute', 'total'], rows: shares.map(([share, s]) => [share, whole(s.licences), whole(s.compute), whole(s.total)]) };
    }
    case 'repeat-buyers':
      return { columns: ['buyers', 'repeat_buyers', 'rate'], rows: [[result.buyers, result.repeatBuyers, result.rate]] };
    case 'price-distribution':
      return { columns: ['bucket', 'lower', 'upper', 'sales', 'volume'], rows: result.buckets.map((b) => [b.bucket, b.lower, b.upper, b.sales, whole(b.volume)]) };
    case 'licence-mix':
      return { columns: ['preset', 'sales', 'volume'], rows: result.licences.map((l) => [l.preset, l.sales, whole(l.volume)]) };
    case 'providers':
      return {
        columns: ['provider_id', 'owner', 'endpoint', 'active', 'jobs', 'settled', 'delivered', 'failed', 'cancelled', 'success_rate', 'compute_minutes', 'booked_minutes', 'utilization', 'earnings'],
        rows: result.providers.map((p) => [p.providerId, p.owner, p.endpoint, p.active, p.jobs, p.settled, p.delivered, p.failed, p.cancelled, p.successRate, p.computeMinutes, p.bookedMinutes, p.utilization, whole(p.earnings)]),
      };
    case 'dataset-sales':
      // The daily history; the latest sales are in the JSON.
      return { columns: ['day', 'sales', 'volume'], rows: result.days.map((d) => [d.day, d.sales, whole(d.volume)]) };
    case 'wash-trades':
      return {
        columns: ['timestamp', 'tx_hash', 'log_index', 'dataset_id', 'title', 'buyer', 'owner', 'price', 'reason'],
        rows: result.trades.map((t) => [t.timestamp, t.txHash, t.logIndex, t.datasetId, t.title, t.buyer, t.owner, whole(t.price), t.reason]),
      };
    case 'royalty-volume':
      return { columns: ['day', 'volume', 'payments'], rows: result.days.map((d) => [d.day, whole(d.volume), d.payments]) };
    case 'derivative-revenue':
      return {
        columns: ['rank', 'dataset_id', 'title', 'owner', 'kind', 'royalties', 'payments', 'derivatives'],
        rows: result.datasets.map((d, i) => [i + 1, d.datasetId, d.title, d.owner, d.kind, whole(d.royalties), d.payments, d.derivatives]),
      };
    case 'lineage-trees':
      return { columns: ['rank', 'root_id', 'title', 'owner', 'kind', 'descendants', 'depth'], rows: result.trees.map((t, i) => [i + 1, t.rootId, t.title, t.owner, t.kind, t.descendants, t.depth]) };
  }
}

/**
 * One RFC 4180 field. Text that a spreadsheet would run as a formula (a title starting with =, +, - or @) gets
 * a leading apostrophe: titles are written by anyone who publishes.
 */
function field(cell: Cell): string {
  if (cell === null) return '';
  let text = String(cell);
  if (typeof cell === 'string' && /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A report's result (from runReport) as RFC 4180 CSV with a header row; amounts in whole units. */
export function reportCsv(report: string, result: unknown): string {
  const name = reportName(report);
  const typed = result as ReportResult | null;
  if (typeof typed !== 'object' || typed === null || typed.report !== name) throw new TypeError(`reportCsv: the result is not a ${name} report`);
  const { columns, rows } = table(typed);
  return [columns, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
