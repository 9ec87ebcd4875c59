import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache, Suspense } from 'react';
import { DatasetLoading } from '@/components/dataset/dataset-loading';
import { DatasetPage } from '@/components/dataset/dataset-page';
import { DatasetUnavailable } from '@/components/dataset/dataset-unavailable';
import { isDatasetPublished, parseDatasetId, readDataset, type DatasetPage as Page } from '@/lib/web/queries/dataset';

// Every visit reads the chain and the indexer: listings, prices and sales are live.
export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }> };

/** One read per request, shared by the page and its metadata. */
const read = cache(async (text: string) => {
  const id = parseDatasetId(text);
  return id === undefined ? ({ status: 'not-found' } as const) : readDataset(id);
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const page = await read((await params).id);
  return page.status === 'found' ? { title: `${page.dataset.document.title} · Datagora`, description: page.dataset.document.description } : { title: 'Dataset · Datagora' };
}

async function DatasetContent({ id, page }: { id: string; page: Promise<Page> }) {
  const found = await page;
  if (found.status === 'not-found') notFound();
  if (found.status === 'unavailable') return <DatasetUnavailable id={id} problem={found} />;
  return <DatasetPage dataset={found.dataset} sales={found.sales} providers={found.providers} lineage={found.lineage} />;
}

export default async function DatasetRoute({ params }: Props) {
  const { id } = await params;
  const page = read(id);
  // Asked before the placeholder streams: once it has, the answer is a 200 whatever follows.
  const datasetId = parseDatasetId(id);
  if (datasetId === undefined || (await isDatasetPublished(datasetId)) === false) notFound();
  return (
    <Suspense fallback={<DatasetLoading />}>
      <DatasetContent id={id} page={page} />
    </Suspense>
  );
}
