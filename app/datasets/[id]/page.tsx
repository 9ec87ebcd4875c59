import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { DatasetPage } from '@/components/dataset/dataset-page';
import { DatasetUnavailable } from '@/components/dataset/dataset-unavailable';
import { parseDatasetId, readDataset } from '@/components/dataset/read-dataset';

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

export default async function DatasetRoute({ params }: Props) {
  const { id } = await params;
  const page = await read(id);
  if (page.status === 'not-found') notFound();
  if (page.status === 'unavailable') return <DatasetUnavailable id={id} problem={page} />;
  return <DatasetPage dataset={page.dataset} sales={page.sales} providers={page.providers} />;
}
