/**
 * What every analytics report's query shares: the parameters, the database, amounts formatted in the market's
 * currency, the wash filters and the day range (reports.ts and lineage-reports.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import { formatUnits } from 'viem';
import type { Amount, AnalyticsParams, Split } from './api';
import type { IndexerDatabase } from './db';

/** The market's currency, to format amounts (structurally the indexer's IndexerContext). */
export interface AnalyticsContext {
  decimals: number;
  symbol: string;
}

export type Row = Record<string, unknown>;

/** Counts come back as numbers from PGlite and as strings from node-postgres. */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

const DAY = sql.raw(`'YYYY-MM-DD'`);

/** Runs one report: the rows, and amounts formatted in the market's currency. */
export class Query {
  constructor(
    private readonly idb: IndexerDatabase,
    readonly params: AnalyticsParams,
    private readonly context: AnalyticsContext,
  ) {}

  get symbol(): string {
    return this.context.symbol;
  }

  rows(query: SQL): Promise<Row[]> {
    return this.idb.rows<Row>(query);
  }

  amount(raw: unknown): Amount {
    const units = BigInt(raw === null || raw === undefined ? 0 : String(raw));
    return { raw: units.toString(), value: formatUnits(units, this.context.decimals) };
  }

  split(licences: bigint, compute: bigint): Split {
    return { licences: this.amount(licences), compute: this.amount(compute), total: this.amount(licences + compute) };
  }

  /** Rollup rows to count: real sales only unless `wash=include`. */
  rollupWash(): SQL {
    return this.params.wash === 'include' ? sql.empty() : sql`and not r.wash`;
  }

  /** Jobs to count (alias j). */
  jobWash(): SQL {
    return this.params.wash === 'include' ? sql.empty() : sql`and j.wash is null`;
  }

  purchaseWash(): SQL {
    return this.params.wash === 'include' ? sql.empty() : sql`and p.wash is null`;
  }

  /** A buyers / dataset_buyers row's purchases that count (alias b). */
  bought(): SQL {
    return this.params.wash === 'include' ? sql`(b.purchases + b.wash_purchases)` : sql`b.purchases`;
  }

  /** The inclusive day range as a half-open timestamp range. */
  range(): { start: string; end: string } {
    const end = new Date(`${this.params.to}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    return { start: `${this.params.from}T00:00:00Z`, end: end.toISOString() };
  }

  /**
   * The range's days: `at` (UTC midnight, to join dayOf() buckets) and `day` (YYYY-MM-DD, the rollup key).
   * Steps of 24 hours, not '1 day', which a session time zone with daylight saving would stretch.
   */
  days(): SQL {
    return sql`select d as at, to_char(d at time zone 'UTC', ${DAY}) as day from generate_series(${`${this.params.from}T00:00:00Z`}::timestamptz, ${`${this.params.to}T00:00:00Z`}::timestamptz, interval '24 hours') d`;
  }
}

/** The UTC midnight starting the day of `timestamp` (date_bin: twice as fast as to_char over many rows). */
export function dayOf(timestamp: SQL): SQL {
  return sql`date_bin(interval '24 hours', ${timestamp}, timestamptz '2000-01-01T00:00:00Z')`;
}
