'use client';
/**
 * A job's results, decrypted in the page: the output files to save (small JSON ones, such as a template's
 * result.json, shown indented), the logs to read, what the output guard found (entries by number: the node never
 * repeats a name the algorithm wrote), and the receipt with what was checked (the node key's signature, the
 * settlement on-chain, the files' hashes) and how the escrow was split. An output of a delivered training job can be
 * published as a model derived from the job's dataset.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { amountOf, type JobResults, type LocalJob, type ReleasedFile } from '@/lib/client/compute';
import type { ClientConfig } from '@/lib/client/config';
import type { FindingKind, GuardFinding } from '@/lib/compute/guard';
import { formatDateTime, shortHash } from '@/components/dataset/format';
import { formatBytes } from '@/lib/units';
import { Facts } from './facts';
import { PublishModel } from './publish-model';
import { secondaryButton } from './styles';

/** Log text shown in the page; the whole file is a download away. */
const LOG_PREVIEW_BYTES = 64 * 1024;

/** Results with a link to each file and to the receipt, for as long as they are shown (see revokeLinks). */
export interface LinkedResults extends JobResults {
  links: Map<ReleasedFile, string>;
  receiptLink: string;
}

/** Object URLs for the released files and the receipt: real links, so a file can be saved like any download. */
export function withLinks(results: JobResults): LinkedResults {
  const receipt = new Blob([`${JSON.stringify(results.receipt, null, 2)}\n`], { type: 'application/json' });
  return { ...results, links: new Map([...results.outputs, ...results.logs].map((file) => [file, URL.createObjectURL(file.blob)])), receiptLink: URL.createObjectURL(receipt) };
}

/** Frees what withLinks made, once the results are no longer shown. */
export function revokeLinks(results: LinkedResults): void {
  for (const url of [...results.links.values(), results.receiptLink]) URL.revokeObjectURL(url);
}

/** Results the page opened, with their links (withLinks), freed once replaced or no longer shown. */
export function useOpenedResults(): [LinkedResults | null, (opened: JobResults) => void] {
  const [results, setResults] = useState<LinkedResults | null>(null);
  useEffect(() => {
    if (!results) return;
    return () => revokeLinks(results);
  }, [results]);
  return [results, (opened) => setResults(withLinks(opened))];
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function FileList({ files, links, label, onPublish }: { files: ReleasedFile[]; links: LinkedResults['links']; label: string; onPublish?: (file: ReleasedFile) => void }) {
  return (
    <ul aria-label={label} className="divide-y divide-line rounded-lg border border-line">
      {files.map((file) => (
        <li key={file.path} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 p-3 text-sm">
          <span className="min-w-0">
            <span className="font-mono break-all">{file.path}</span>
            <span className="ml-2 text-muted">{formatBytes(file.size)}</span>
            <span className="block font-mono text-xs text-muted" title={file.sha256}>
              SHA-256 {shortHash(file.sha256)}
            </span>
          </span>
          <span className="flex flex-wrap gap-2">
            {onPublish ? (
              <button type="button" onClick={() => onPublish(file)} className={secondaryButton}>
                Publish this model<span className="sr-only"> ({file.path})</span>
              </button>
            ) : null}
            <a href={links.get(file)} download={baseName(file.path)} className={secondaryButton}>
              Download<span className="sr-only"> {file.path}</span>
            </a>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A JSON output shown as text, indented, when it is small enough to read in the page (a template's result.json). */
const readable = (file: ReleasedFile) => file.path.endsWith('.json') && file.size <= LOG_PREVIEW_BYTES;

function indented(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A released file's text in the page: a log's beginning with its download, or a JSON output indented. */
function FileText({ file, link, json = false }: { file: ReleasedFile; link: string | undefined; json?: boolean }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    let shown = true;
    void file.blob
      .slice(0, LOG_PREVIEW_BYTES)
      .text()
      .then((value) => shown && setText(json ? indented(value) : value));
    return () => {
      shown = false;
    };
  }, [file, json]);
  return (
    <details open className="rounded-lg border border-line">
      <summary className="cursor-pointer px-3 py-2 text-sm font-medium">
        <span className="font-mono">{file.path}</span> <span className="font-normal text-muted">{formatBytes(file.size)}</span>
      </summary>
      <pre tabIndex={0} aria-label={`Contents of ${file.path}`} className="max-h-80 overflow-auto border-t border-line bg-background p-3 font-mono text-xs whitespace-pre-wrap">
        {text ?? 'Reading…'}
        {file.size > LOG_PREVIEW_BYTES ? '\n… (download the file for the rest)' : ''}
      </pre>
      {/* An output's download is in the file list above it. */}
      {json ? null : (
        <p className="border-t border-line px-3 py-2">
          <a href={link} download={baseName(file.path)} className="text-sm font-medium text-brand underline-offset-4 hover:underline">
            Download {file.path}
          </a>
        </p>
      )}
    </details>
  );
}

/** What each kind of finding means, in a few words. */
export const FINDING_KINDS: Record<FindingKind, string> = {
  'verbatim-leak': 'raw data',
  'small-group': 'groups under the minimum size',
  unreadable: 'not inspectable (links or special files)',
  undecodable: 'content the guard cannot decode',
  layout: 'a name or directory outside the layout rules',
  'too-many-files': 'over the file count limit',
  'output-too-large': 'over the size limit',
};

/** “81 findings: 80 not inspectable …, 1 raw data”, from counts by kind. */
export function describeFindings(count: number, kinds: Partial<Record<FindingKind, number>>): string {
  const parts = (Object.entries(kinds) as [FindingKind, number][]).map(([kind, n]) => `${n} ${FINDING_KINDS[kind]}`);
  return `${count} ${count === 1 ? 'finding' : 'findings'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** A finding's own words, or its figure against the limit. */
function findingDetail(finding: GuardFinding): string {
  if ('detail' in finding) return finding.detail;
  return finding.kind === 'too-many-files' ? `${finding.files} files over a limit of ${finding.limit}` : `${finding.bytes} bytes over a limit of ${finding.limit}`;
}

function Findings({ findings, omitted }: { findings: GuardFinding[]; omitted: number }) {
  return (
    <div className="space-y-2">
      <ul aria-label="Output guard findings" className="divide-y divide-line rounded-lg border border-line text-sm">
        {findings.map((finding, i) => (
          <li key={i} className="p-3">
            <span className="font-medium">{FINDING_KINDS[finding.kind]}</span>
            {'file' in finding ? <span className="ml-2 font-mono text-muted">{finding.file}</span> : null}
            <span className="block text-muted">{findingDetail(finding)}</span>
          </li>
        ))}
      </ul>
      <p className="text-xs text-muted">
        {omitted > 0 ? `And ${omitted} more, not listed. ` : ''}Entries are numbered in the order a depth-first walk of outputs/ (or logs/) meets them, names sorted: the node never repeats a name the algorithm chose.
      </p>
    </div>
  );
}

function Check({ children }: { children: ReactNode }) {
  return (
    <li className="flex gap-2">
      <span aria-hidden="true" className="font-semibold text-ok">
        ✓
      </span>
      <span>{children}</span>
    </li>
  );
}

function ReceiptFacts({ results, config }: { results: LinkedResults; config: ClientConfig }) {
  const { receipt: signed, split, splits } = results;
  const receipt = signed.receipt;
  const amount = (value: bigint) => amountOf(config, value);
  const when = (seconds: string) => formatDateTime(new Date(Number(seconds) * 1000));
  // A job over several datasets paid each owner from its own job: each is shown.
  const owners: [string, bigint][] = splits.length > 1 ? splits.map((s) => [`Owner of dataset #${s.datasetId}`, s.split.ownerAmount]) : [['Dataset owner', split.ownerAmount]];
  const shares: [string, bigint][] = [
    ...owners,
    ['Provider', split.providerAmount],
    ['Market fee', split.marketFee],
    ['Back to you', split.buyerRefund],
  ];
  const facts: [string, string][] = [
    ['Status', receipt.reason ? `${receipt.status} (${receipt.reason})` : receipt.status],
    ['Exit code', receipt.exitCode === -1 ? 'did not run to an exit' : String(receipt.exitCode)],
    ['Minutes billed', String(receipt.minutesUsed)],
    ['Ran', `${when(receipt.startedAt)} to ${when(receipt.finishedAt)}`],
    ['Hardware', receipt.hardware],
    ['Node software', receipt.nodeVersion],
    // A run's receipt names each dataset's content, job by job.
    ...(receipt.datasets ?? [receipt]).map(({ datasetId, datasetCid }): [string, string] => [receipt.datasets ? `Dataset #${datasetId} content` : 'Dataset content', datasetCid]),
    ['Algorithm SHA-256', receipt.algorithmHash],
  ];
  return (
    <div className="space-y-4">
      <ul className="space-y-1.5 text-sm">
        <Check>
          Signed by the node key <span className="font-mono break-all">{signed.signer}</span> registered for the job’s provider.
        </Check>
        <Check>
          {receipt.datasets ? `Each of the ${receipt.datasets.length} jobs, one per dataset, settled` : 'Settled'} on-chain with this receipt’s hash, {receipt.minutesUsed} {receipt.minutesUsed === 1 ? 'minute' : 'minutes'}, results {receipt.delivered ? 'delivered' : 'not delivered'}.
        </Check>
        <Check>The released files are exactly the ones the receipt names (outputs and logs hashes match).</Check>
      </ul>
      <Facts facts={facts} mono />
      <div>
        <h5 className="text-sm font-semibold">Where the escrow went</h5>
        <dl className="mt-2 grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
          {shares.map(([label, value]) => (
            <div key={label} className="rounded-lg bg-background p-3">
              <dt className="text-xs font-medium text-muted">{label}</dt>
              <dd className="mt-1 font-semibold tabular-nums">{amount(value)}</dd>
            </div>
          ))}
        </dl>
        <p className="mt-2 text-xs text-muted">
          What comes back is credited to your balance in the compute market: withdraw it on My datasets, or with <code className="font-mono">datagora withdraw</code>.
        </p>
      </div>
      <a href={results.receiptLink} download={`job-${receipt.jobId}-receipt.json`} className={`${secondaryButton} inline-block`}>
        Download receipt.json
      </a>
    </div>
  );
}

export function JobResultsView({ results, config, job, federated = false }: { results: LinkedResults; config: ClientConfig; job: LocalJob; federated?: boolean }) {
  const { receipt } = results.receipt;
  const [publishing, setPublishing] = useState<ReleasedFile | null>(null);
  // A model derives only from a delivered job that declared AI training (the registry's JobNotTraining). A federated
  // model is published from its training, derived from every dataset: one job's results would name only its own.
  const trained = !federated && receipt.delivered && job.job.aiTraining;
  return (
    <div className="space-y-6">
      <section aria-labelledby="outputs-title" className="space-y-3">
        <h4 id="outputs-title" className="font-semibold">
          Outputs
        </h4>
        {results.outputs.length > 0 ? (
          <>
            <FileList files={results.outputs} links={results.links} label="Output files" onPublish={trained ? setPublishing : undefined} />
            {publishing ? <PublishModel key={publishing.path} jobs={[{ jobId: job.jobId, job: job.job, results }]} file={publishing} onCancel={() => setPublishing(null)} /> : null}
            {results.outputs.filter(readable).map((file) => (
              <FileText key={file.path} file={file} link={results.links.get(file)} json />
            ))}
          </>
        ) : (
          <p className="text-sm text-muted">{receipt.delivered ? 'The algorithm wrote no output file.' : 'No output was released: the job failed before its results could be released.'}</p>
        )}
      </section>
      <section aria-labelledby="logs-title" className="space-y-3">
        <h4 id="logs-title" className="font-semibold">
          Logs
        </h4>
        {results.logs.length > 0 ? (
          <div className="space-y-2">
            {results.logs.map((file) => (
              <FileText key={file.path} file={file} link={results.links.get(file)} />
            ))}
          </div>
        ) : (
          <p className="text-sm text-muted">No log was released.</p>
        )}
      </section>
      {results.report && results.report.findings.length > 0 ? (
        <section aria-labelledby="findings-title" className="space-y-3">
          <h4 id="findings-title" className="font-semibold">
            What the output guard found
          </h4>
          <Findings findings={results.report.findings} omitted={results.report.omittedFindings} />
        </section>
      ) : null}
      <section aria-labelledby="receipt-title" className="space-y-3">
        <h4 id="receipt-title" className="font-semibold">
          Receipt, verified
        </h4>
        <ReceiptFacts results={results} config={config} />
      </section>
    </div>
  );
}
