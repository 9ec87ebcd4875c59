import type { ReactNode } from 'react';
import type { ReportName } from '@/lib/indexer/api';
import { csvHref, type AnalyticsQuery } from '@/lib/web/queries/analytics';

/** A card of the dashboard: its heading, the CSV of the report behind it, a note, then the chart. */
export function Section({
  id,
  title,
  report,
  query,
  note,
  children,
}: {
  id: string;
  title: string;
  report: ReportName;
  query: AnalyticsQuery;
  note?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-title`} className="min-w-0 space-y-4 rounded-xl border border-line bg-surface p-5 shadow-sm">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h2 id={`${id}-title`} className="font-semibold">
          {title}
        </h2>
        <a href={csvHref(report, query)} download className="rounded text-sm font-medium text-brand underline-offset-2 hover:underline">
          CSV<span className="sr-only"> of {title.toLowerCase()}</span>
        </a>
      </div>
      {note ? <p className="text-sm text-muted">{note}</p> : null}
      {children}
    </section>
  );
}
