import { PageSkeleton } from '@/components/analytics/page-shell';

export default function MyDatasetsLoading() {
  return <PageSkeleton title="My datasets" label="Opening your datasets…" blocks={['h-40', 'h-64']} />;
}
