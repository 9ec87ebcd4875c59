import { PageSkeleton } from '@/components/analytics/page-shell';

export default function ProvidersLoading() {
  return <PageSkeleton title="Compute providers" label="Reading the registered compute providers…" blocks={['h-96']} />;
}
