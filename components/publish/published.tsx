/** What the wizard (or "Publish this model") shows once the asset is on-chain: its id, where its parts are, and a link to its page. */
import Link from 'next/link';
import { TxLink } from '@/components/tx/tx-link';
import type { PublishResult } from '@/lib/market/actions/publish';

export function Published({ result, noun = 'dataset' }: { result: PublishResult; noun?: 'dataset' | 'model' }) {
  return (
    <section aria-labelledby="published" className="mt-10 rounded-xl border border-ok/40 bg-surface p-6">
      <h2 id="published" className="text-xl font-semibold text-ok">
        {noun === 'model' ? 'Model' : 'Dataset'} {result.datasetId.toString()} is published
      </h2>
      <dl className="mt-4 space-y-2 text-sm">
        <div>
          <dt className="text-muted">Encrypted content</dt>
          <dd className="break-all font-mono text-xs">{result.contentCid}</dd>
        </div>
        <div>
          <dt className="text-muted">Signed description</dt>
          <dd className="break-all font-mono text-xs">{result.metadataCid}</dd>
        </div>
        <div>
          <dt className="text-muted">Listing transaction</dt>
          <dd>
            <TxLink hash={result.txHash} full />
          </dd>
        </div>
      </dl>
      <Link href={`/datasets/${result.datasetId}`} className="mt-6 inline-block rounded-md bg-brand px-4 py-2 font-medium text-brand-ink">
        View the {noun}
      </Link>
    </section>
  );
}
