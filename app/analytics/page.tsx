import type { Metadata } from 'next';
import { AnalyticsDashboard } from '@/components/analytics/dashboard';
import { PageShell } from '@/components/analytics/page-shell';
import { analyticsQuery, readAnalytics } from '@/lib/web/queries/analytics';
import { ReadFailure } from '@/components/layout/read-failure';

// The figures are read from the indexer on every visit, never prerendered.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Analytics · Datagora' };

const UNAVAILABLE = {
  title: 'The market’s indexer is not answering',
  body: 'Analytics are computed by the indexer, which reads every sale and compute job from the chain. Nothing is lost: the figures come back as soon as it answers again.',
};

export default async function AnalyticsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = analyticsQuery(await searchParams);
  const analytics = await readAnalytics(query);
  return (
    <PageShell title="Market analytics" intro="Volume, what sells and who comes back, from every sale and compute job on the chain, as the indexer reads them.">
      {analytics.available ? (
        <AnalyticsDashboard reports={analytics} query={query} />
      ) : (
        <ReadFailure {...UNAVAILABLE} message={analytics.message} hint={analytics.hint} />
      )}
    </PageShell>
  );
}
