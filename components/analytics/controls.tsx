import Link from 'next/link';
import type { TotalsReport } from '@/lib/indexer/api';
import { amountValue, money, plural } from './format';
import { DEFAULT_PERIOD, PERIODS, type AnalyticsQuery } from '@/lib/web/queries/analytics';

/** The page's URL for `query` with some of it changed; defaults are left out so the plain /analytics is canonical. */
function hrefOf(query: AnalyticsQuery, change: Partial<Pick<AnalyticsQuery, 'days' | 'wash'>>): string {
  const { days, wash } = { ...query, ...change };
  const search = new URLSearchParams();
  if (days !== DEFAULT_PERIOD) search.set('days', String(days));
  if (wash === 'include') search.set('wash', 'include');
  const text = search.toString();
  return text ? `/analytics?${text}` : '/analytics';
}

const button = 'rounded-lg border border-line px-3 py-1.5 text-sm font-semibold transition hover:bg-brand-soft';

/** "1 licence and 2 jobs", leaving out what is zero. */
function flaggedCount(flagged: TotalsReport['flagged']): string {
  const parts = [flagged.licences > 0 ? plural(flagged.licences, 'licence sale') : '', flagged.jobs > 0 ? plural(flagged.jobs, 'compute job') : ''].filter(
    Boolean,
  );
  return parts.join(' and ');
}

/**
 * The period of the daily charts and whether wash trades count: plain links, so every view has a URL and
 * works without JavaScript.
 */
export function AnalyticsControls({ query, totals }: { query: AnalyticsQuery; totals: TotalsReport }) {
  const flagged = totals.flagged.licences + totals.flagged.jobs;
  const volume = money(totals.symbol)(amountValue(totals.flagged.volume));
  return (
    <div className="flex flex-col gap-4 rounded-xl border border-line bg-surface p-4 shadow-sm md:flex-row md:items-center md:justify-between">
      <nav aria-label="Period of the daily charts" className="flex shrink-0 flex-wrap items-center gap-2">
        <span className="text-sm text-muted">Daily charts:</span>
        {PERIODS.map((days) => (
          <Link
            key={days}
            href={hrefOf(query, { days })}
            aria-current={days === query.days ? 'page' : undefined}
            className={`${button} ${days === query.days ? 'border-brand bg-brand text-brand-ink hover:bg-brand' : ''}`}
          >
            Last {days} days
          </Link>
        ))}
      </nav>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2 text-sm">
        {flagged === 0 ? (
          <p className="text-muted">No wash trades flagged.</p>
        ) : (
          <>
            <p>
              {query.wash === 'include' ? (
                <>
                  <span className="font-medium text-warn">Including</span> {flaggedCount(totals.flagged)} flagged as wash trades ({volume}).
                </>
              ) : (
                <>
                  <span className="font-medium">Real sales only:</span> {flaggedCount(totals.flagged)} flagged as wash trades ({volume}) left out.
                </>
              )}
            </p>
            <Link href={hrefOf(query, { wash: query.wash === 'include' ? 'exclude' : 'include' })} className={button}>
              {query.wash === 'include' ? 'Leave wash trades out' : 'Include wash trades'}
            </Link>
          </>
        )}
      </div>
    </div>
  );
}
