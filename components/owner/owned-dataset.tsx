'use client';
/** Renders one of the owner's datasets as the chain has it once read, saying so while it is read or when it cannot be. */
import type { ReactNode } from 'react';
import type { OwnedDataset as Dataset } from '@/lib/client/owner';
import { useOwnedDataset } from './queries';

interface OwnedDatasetProps {
  id: string;
  /** What is read, for the loading line: "the current version". */
  what: string;
  children: (dataset: Dataset) => ReactNode;
}

export function OwnedDataset({ id, what, children }: OwnedDatasetProps) {
  const dataset = useOwnedDataset(id);
  if (dataset.isPending) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading {what}…
      </p>
    );
  }
  if (dataset.isError) {
    return (
      <p role="alert" className="text-sm">
        Cannot read {what}: {dataset.error.message}{' '}
        <button type="button" onClick={() => void dataset.refetch()} className="font-medium text-brand underline">
          Retry
        </button>
      </p>
    );
  }
  return children(dataset.data);
}
