import { PageSkeleton } from '@/components/analytics/page-shell';

export default function ComputeLoading() {
  return <PageSkeleton title="Run a compute job" label="Reading the compute providers and datasets…" blocks={['h-72', 'h-96']} />;
}
