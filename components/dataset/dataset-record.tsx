import type { ReactNode } from 'react';
import { TxLink } from '@/components/tx/tx-link';
import { metadataHome } from '@/lib/metadata/cid';
import { formatBytes } from '@/lib/units';
import { formatDateTime } from './format';
import type { DatasetView } from '@/lib/web/queries/dataset';
import { Section } from './section';

/** Every metadata version the registry anchored, oldest first. */
export function DatasetHistory({ history }: { history: DatasetView['history'] }) {
  const where = history.some((v) => metadataHome(v.metadataCid) === 'ceramic') ? 'a commit of the dataset’s Ceramic stream' : 'a block on IPFS';
  return (
    <Section id="history" title="Version history" intro={`Each version is a signed metadata document, ${where}, anchored on-chain by the transaction that published it.`}>
      <ol className="space-y-3">
        {history.map((v) => (
          <li key={v.version} className="rounded-lg border border-line p-4">
            <p className="flex flex-wrap items-baseline gap-x-3">
              <span className="font-medium">Version {v.version}</span>
              <span className="text-sm text-muted">{v.date ? <time dateTime={v.date.toISOString()}>{formatDateTime(v.date)}</time> : 'date unknown'}</span>
            </p>
            <dl className="mt-3 space-y-2 text-sm">
              <Fact term="Metadata CID">
                <code className="font-mono text-xs break-all">{v.metadataCid}</code>
              </Fact>
              <Fact term="Transaction">
                <TxLink hash={v.txHash} full />
              </Fact>
            </dl>
          </li>
        ))}
      </ol>
    </Section>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 sm:grid-cols-[11rem_1fr] sm:gap-4">
      <dt className="text-muted">{term}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}

/** What anyone can check: the ciphertext's CID, the plaintext's hash a download is verified against, and who signed. */
export function DatasetIntegrity({ dataset }: { dataset: DatasetView }) {
  const { document } = dataset;
  return (
    <Section id="integrity" title="Integrity" intro="Every download is decrypted and checked against the SHA-256 below before the file appears.">
      <dl className="space-y-4 text-sm">
        <Fact term="Content CID">
          <code className="font-mono text-xs break-all">{document.content.cid}</code>
          <p className="mt-1 text-xs text-muted">
            The encrypted file on IPFS, {formatBytes(document.content.size)}, {document.content.encryption}.{' '}
            <a href={`/ipfs/${document.content.cid}`} className="font-medium text-brand underline-offset-4 hover:underline">
              Fetch the ciphertext
            </a>{' '}
            (public by design: only licence holders get the key).
          </p>
        </Fact>
        <Fact term="Plaintext SHA-256">
          <code className="font-mono text-xs break-all">{document.plaintextSha256}</code>
        </Fact>
        <Fact term="Metadata CID">
          <code className="font-mono text-xs break-all">{dataset.metadataCid}</code>
          <p className="mt-1 text-xs text-muted">
            Version {dataset.version}, the one the registry anchors
            {metadataHome(dataset.metadataCid) === 'ceramic' ? ': a commit of a Ceramic stream its owner’s account (did:pkh) controls.' : '.'}
          </p>
        </Fact>
        <Fact term="Signed by">
          <code className="font-mono text-xs break-all">{document.publisher}</code>
          <p className={`mt-1 text-xs ${dataset.signedByOwner ? 'text-ok' : 'text-warn'}`}>
            {dataset.signedByOwner
              ? 'The current owner: the signature (EIP-712) was checked on this page view.'
              : 'A previous owner: the dataset changed hands and its new owner has not signed a version yet.'}
          </p>
        </Fact>
      </dl>
    </Section>
  );
}
