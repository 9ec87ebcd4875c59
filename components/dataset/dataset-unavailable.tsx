import Link from 'next/link';
import { ReadFailure } from '@/components/layout/read-failure';
import type { Problem } from '@/lib/web/queries/problem';

/** Shown instead of the dataset when the chain or storage does not answer: what happened, what to do. */
export function DatasetUnavailable({ id, problem }: { id: string; problem: Problem }) {
  return (
    <div className="mx-auto max-w-3xl space-y-6 px-4 py-12 sm:px-6">
      <h1 className="text-3xl font-semibold tracking-tight">Dataset #{id}</h1>
      <ReadFailure
        title="This dataset cannot be read right now"
        body="Its listing lives on-chain and its description in the metadata store (IPFS or Ceramic), and one of them did not answer. Nothing is lost: the page shows the dataset again as soon as they are back."
        message={problem.message}
        hint={problem.hint}
      />
      <p className="text-sm">
        <Link href="/#datasets" className="font-medium text-brand underline-offset-4 hover:underline">
          ← Back to the datasets
        </Link>
      </p>
    </div>
  );
}
