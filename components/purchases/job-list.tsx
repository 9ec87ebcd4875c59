/** The compute jobs the account paid for: status, what they cost, the transactions, the receipt and the results. */
import Link from 'next/link';
import { amountValue, formatCount, money } from '@/components/analytics/format';
import { formatDateTime, shortHash } from '@/components/dataset/format';
import { chip } from '@/components/owner/styles';
import { TxLink } from '@/components/tx/tx-link';
import type { PaidJob } from '@/lib/indexer/api';

function statusOf(job: PaidJob): { label: string; tone: string } {
  switch (job.status) {
    case 'requested':
      return { label: 'Waiting for the provider', tone: 'text-muted' };
    case 'accepted':
      return { label: 'Running', tone: 'text-muted' };
    case 'settled':
      return job.delivered ? { label: 'Delivered', tone: 'border-ok/40 text-ok' } : { label: 'Settled, nothing released', tone: 'border-warn/40 bg-warn-soft text-warn' };
    case 'cancelled':
      return { label: 'Cancelled', tone: 'text-muted' };
    case 'refunded':
      return { label: 'Refunded', tone: 'text-muted' };
  }
}

export function JobList({ jobs, total, symbol }: { jobs: PaidJob[]; total: number; symbol: string }) {
  if (jobs.length === 0) {
    return (
      <p className="text-sm text-muted">
        No compute jobs yet: send an algorithm to compute-only data from the{' '}
        <Link href="/compute" className="font-medium text-brand underline-offset-4 hover:underline">
          compute page
        </Link>
        .
      </p>
    );
  }
  const amount = money(symbol);
  return (
    <>
      <ul aria-label="Compute jobs" className="divide-y divide-line">
        {jobs.map((job) => {
          const status = statusOf(job);
          const open = job.status === 'requested' || job.status === 'accepted';
          return (
            <li key={job.jobId} className="space-y-1 py-4 text-sm">
              <p className="flex flex-wrap items-baseline gap-2">
                <span className="text-base font-medium">Job #{job.jobId}</span>
                {/* One piece, so a phone wraps the title with its "on". */}
                <span className="min-w-0">
                  <span className="text-muted">on </span>
                  <Link href={`/datasets/${job.datasetId}`} className="font-medium underline-offset-4 hover:text-brand hover:underline">
                    {job.title ?? `dataset #${job.datasetId}`}
                  </Link>
                </span>
                <span className={`${chip} ${status.tone}`}>{status.label}</span>
              </p>
              <p className="text-muted">
                Provider #{job.providerId} · requested <time dateTime={job.requestedAt}>{formatDateTime(new Date(job.requestedAt))}</time>
                {job.requestTx ? (
                  <>
                    {' '}
                    in <TxLink hash={job.requestTx} />
                  </>
                ) : null}
                {job.closedAt ? (
                  <>
                    {' '}
                    · closed <time dateTime={job.closedAt}>{formatDateTime(new Date(job.closedAt))}</time>
                    {job.closeTx ? (
                      <>
                        {' '}
                        in <TxLink hash={job.closeTx} />
                      </>
                    ) : null}
                  </>
                ) : null}
              </p>
              <p>
                {amount(amountValue(job.escrow))} paid into escrow for up to {formatCount(job.maxMinutes)} min
                {job.spent && job.refund ? ` · spent ${amount(amountValue(job.spent))}, ${amount(amountValue(job.refund))} back` : ''}
                {job.minutesUsed !== null && job.status === 'settled' ? ` · ${formatCount(job.minutesUsed)} min used` : ''}
              </p>
              {job.resultHash ? (
                <p className="text-muted">
                  Receipt signed by the provider’s node, settled on-chain with its outputs’ root: <code className="font-mono text-xs" title={job.resultHash}>{shortHash(job.resultHash)}</code>
                </p>
              ) : null}
              {job.status === 'cancelled' || job.status === 'refunded' ? null : (
                <p>
                  <Link href={`/compute?job=${job.jobId}`} className="font-medium text-brand underline-offset-4 hover:underline">
                    {open ? 'Follow the job' : 'Open the results and the receipt'}
                  </Link>
                  <span className="text-muted"> · results open in the browser that paid for the job, which holds their key</span>
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {total > jobs.length ? <p className="mt-3 text-sm text-muted">The latest {jobs.length} of {formatCount(total)} jobs.</p> : null}
    </>
  );
}
