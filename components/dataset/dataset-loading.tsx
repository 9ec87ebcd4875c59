/** Placeholders in the dataset page's shape while the chain, IPFS and the indexer are read. */
export function DatasetLoading() {
  const block = 'animate-pulse rounded-xl border border-line bg-surface';
  return (
    <div role="status" aria-label="Loading the dataset" className="mx-auto max-w-6xl px-4 py-10 sm:px-6 sm:py-12">
      <div className="mb-6 h-5 w-28 animate-pulse rounded bg-line" />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem] lg:gap-8">
        <div className="space-y-4">
          <div className="h-5 w-48 animate-pulse rounded bg-line" />
          <div className="h-10 w-3/4 animate-pulse rounded bg-line" />
          <div className="h-4 w-full max-w-xl animate-pulse rounded bg-line" />
          <div className="h-4 w-2/3 max-w-lg animate-pulse rounded bg-line" />
        </div>
        <div className={`${block} h-72 lg:row-span-2`} />
        <div className="space-y-6">
          <div className={`${block} h-64`} />
          <div className={`${block} h-48`} />
        </div>
      </div>
      <span className="sr-only">Loading the dataset…</span>
    </div>
  );
}
