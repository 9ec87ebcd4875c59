import { PageSkeleton } from '@/components/analytics/page-shell';

export default function AnalyticsLoading() {
  return <PageSkeleton title="Market analytics" label="Reading the market’s analytics…" blocks={['h-40', 'h-80', 'h-80', 'h-80', 'h-80']} />;
}
