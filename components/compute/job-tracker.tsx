'use client';
/**
 * One job this browser requested: what was paid, where it stands on-chain and at its node (live, by the node's
 * Server-Sent Events), and once it is over its results, opened in the page. A job whose algorithm never reached
 * the node can be sent again or cancelled. A job over several datasets is followed by its first job, and
 * cancelled whole.
 */
import Link from 'next/link';
import { useEffect, useState, type ReactNode } from 'react';
import { isAddressEqual } from 'viem';
import { algorithmFile, amountOf, computePort, resultsInMemory, watchJob, type LocalJob } from '@/lib/client/compute';
import { browserPort } from '@/lib/client/port';
import { readJobStatus } from '@/lib/compute/actions/follow';
import { jobsOf, reclaimEscrow, sendAlgorithm } from '@/lib/compute/actions/request';
import { openJobResults } from '@/lib/compute/actions/results';
import { FINAL_STATUSES, type JobPhase, type JobView } from '@/lib/compute/api';
import { JobStatus } from '@/lib/compute/settlement';
import { formatDateTime } from '@/components/dataset/format';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { useChainRead } from '@/components/wallet/use-chain-read';
import { Facts } from './facts';
import { describeFindings, JobResultsView, useOpenedResults } from './job-results';
import { primaryButton, secondaryButton } from './styles';
import { JobHeading, NodeAnswer, OpenResults } from './node-answer';
import { useFollow } from './use-follow';

/** What each phase at the node means, in the order a job goes through them (Ocean's lifecycle). */
const PHASES: Record<JobPhase, string> = {
  queued: 'Queued at the provider',
  provisioning: 'Data decrypted into a private workspace',
  running: 'Your algorithm runs in the sandbox, without network',
  filtering: 'The output guard checks what it wrote',
  publishing: 'Results encrypted to you; the job settles on-chain',
  finished: 'Finished',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
/** The phases a job passes through before it ends. */
const STEPS = (Object.keys(PHASES) as JobPhase[]).filter((phase) => !FINAL_STATUSES.includes(phase));

const ON_CHAIN: Record<JobStatus, string> = {
  [JobStatus.None]: 'not found',
  [JobStatus.Requested]: 'paid, waiting for the provider',
  [JobStatus.Accepted]: 'accepted by the provider',
  [JobStatus.Settled]: 'settled',
  [JobStatus.Refunded]: 'refunded',
  [JobStatus.Cancelled]: 'cancelled',
};

const clock = new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
/** UTC, as every time on the market's pages. */
const time = (iso: string) => `${clock.format(new Date(iso))} UTC`;

type StepState = 'done' | 'now' | 'later' | 'skipped' | 'stopped';

const MARKS: Record<StepState, { className: string; said: string }> = {
  done: { className: 'border-ok bg-ok text-background', said: 'done' },
  now: { className: 'border-brand text-brand motion-safe:animate-pulse', said: 'in progress' },
  later: { className: 'border-line text-muted', said: 'to come' },
  skipped: { className: 'border-line text-muted', said: 'skipped' },
  stopped: { className: 'border-warn text-warn', said: 'the job ended here' },
};

function Timeline({ view }: { view: JobView }) {
  const reached = new Map(view.history.map((event) => [event.status, event] as const));
  const ended = FINAL_STATUSES.includes(view.status);
  const rows: { phase: JobPhase; state: StepState }[] = [
    ...STEPS.map((phase) => ({ phase, state: (phase === view.status ? 'now' : reached.has(phase) ? 'done' : ended ? 'skipped' : 'later') as StepState })),
    ended ? { phase: view.status, state: view.status === 'finished' ? 'done' : 'stopped' } : { phase: 'finished', state: 'later' },
  ];
  return (
    <ol className="space-y-3">
      {rows.map(({ phase, state }, i) => {
        const event = reached.get(phase);
        return (
          <li key={phase} aria-current={state === 'now' ? 'step' : undefined} className="flex gap-3">
            <span aria-hidden="true" className={`mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full border text-xs font-semibold ${MARKS[state].className}`}>
              {state === 'done' ? '✓' : state === 'stopped' ? '!' : state === 'skipped' ? '–' : i + 1}
            </span>
            <span className="min-w-0 text-sm">
              <span className={state === 'later' || state === 'skipped' ? 'text-muted' : 'font-medium'}>{PHASES[phase]}</span>
              <span className="sr-only"> ({MARKS[state].said})</span>
              {event ? <span className="ml-2 text-xs text-muted tabular-nums">{time(event.at)}</span> : null}
              {state === 'now' && event?.detail ? <span className="block text-xs text-muted">{event.detail}</span> : null}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

/** A paid job whose node never got the algorithm: the same file goes again, with no new payment. */
function SendAgain({ job, onChanged }: { job: LocalJob; onChanged: (job: LocalJob) => void }) {
  const { wallet, state, run } = useBrowserWallet();
  const [file, setFile] = useState<File | null>(null);
  return (
    <div className="space-y-3 rounded-lg border border-warn/40 bg-warn-soft p-4 text-sm">
      <p className="font-medium">The provider has not received this job’s algorithm yet.</p>
      <p className="text-muted">Choose the file you paid for ({job.algorithm}) to send it again; its SHA-256 must match the one the job committed on-chain.</p>
      <div className="flex flex-wrap items-center gap-3">
        <label className="text-sm">
          <span className="sr-only">Algorithm file</span>
          <input type="file" accept=".py,.js,.mjs,.cjs" onChange={(event) => setFile(event.target.files?.[0] ?? null)} className="text-sm file:mr-3 file:rounded-lg file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:font-semibold file:text-ink" />
        </label>
        <button
          type="button"
          disabled={!wallet || !file || state.status === 'working'}
          onClick={() =>
            void run('Sending the algorithm', async (w) => sendAlgorithm(computePort(w), job, await algorithmFile(file!)), 'The provider has your algorithm').then((sent) => {
              if (sent) onChanged(sent);
            })
          }
          className={primaryButton}
        >
          Send it
        </button>
      </div>
      <TransactionStatus state={state} />
    </div>
  );
}

export function JobTracker({ job, startBlock, onChanged, onNew }: { job: LocalJob; startBlock: string; onChanged: (job: LocalJob) => void; onNew: () => void }) {
  const { market, address, wallet, state, run } = useBrowserWallet();
  const { view, reconnecting, refused } = useFollow(watchJob, job, job.submitted);
  const [results, setResults] = useOpenedResults();
  const final = view !== null && FINAL_STATUSES.includes(view.status);
  const { data: status, refetch: refetchStatus } = useChainRead(
    ['job-status', job.computeMarket, job.jobId],
    (client) => readJobStatus(client, job.computeMarket, job.jobId),
    // Until the job is closed on-chain, its status is read again now and then.
    (data) => (data === undefined || data <= JobStatus.Accepted ? 3_000 : false),
  );

  // The node reports a final status once the job has settled: read the chain again now rather than at the next poll.
  useEffect(() => {
    if (final) void refetchStatus();
  }, [final, refetchStatus]);

  if (!market) return null;
  const config = market.config;
  const buyer = job.job.buyer;
  const isBuyer = address !== undefined && isAddressEqual(address, buyer);
  const cancellable = status === JobStatus.Requested && (!job.submitted || view?.status === 'queued');
  // Cancelled, or refunded after its deadline: nothing more will happen to it.
  const closedUnrun = status === JobStatus.Cancelled || status === JobStatus.Refunded;
  const jobs = jobsOf(job);
  const facts: [string, ReactNode][] = [
    [
      jobs.length === 1 ? 'Dataset' : `Datasets (${jobs.length}, one job each)`,
      <span key="datasets" className="flex flex-wrap gap-x-3">
        {jobs.map(({ jobId, job: { datasetId } }) => (
          <Link key={jobId.toString()} href={`/datasets/${datasetId}`} className="font-medium text-brand underline-offset-4 hover:underline">
            #{datasetId.toString()}
            {jobs.length > 1 ? <span className="font-normal text-muted"> (job {jobId.toString()})</span> : null}
          </Link>
        ))}
      </span>,
    ],
    ['Algorithm', job.algorithm],
    ['Provider', `#${job.job.providerId} · ${job.endpoint}`],
    ['Paid into escrow', `${amountOf(config, job.escrow)} for up to ${job.job.maxMinutes} min`],
    ['Refundable if unsettled after', formatDateTime(new Date(Number(job.job.deadline) * 1000))],
    ['On-chain', status === undefined ? 'reading…' : ON_CHAIN[status as JobStatus]],
  ];

  return (
    <section aria-labelledby="job-title" className="space-y-6 rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <JobHeading id="job-title" title={`Job #${job.jobId}`} {...(view ? { status: view.status } : {})} tone={view?.status === 'finished' ? 'ok' : view?.status === 'failed' ? 'warn' : 'neutral'} onNew={onNew} />

      <Facts facts={facts} />

      {closedUnrun ? (
        <p role="status" className="rounded-lg border border-line p-4 text-sm">
          {status === JobStatus.Cancelled ? 'This job was cancelled before it ran' : 'This job was refunded: its provider did not settle it by the deadline'}; the whole escrow was credited back to you.
        </p>
      ) : !job.submitted ? (
        <SendAgain job={job} onChanged={onChanged} />
      ) : (
        <NodeAnswer refused={refused} answered={view !== null}>
          {view ? (
            <div className="space-y-4" aria-live="polite">
              <Timeline view={view} />
              {reconnecting && !final ? (
                <p role="status" className="text-sm text-warn">
                  The provider stopped answering; reconnecting. Your escrow is safe: it settles when the job ends, or comes back after the deadline.
                </p>
              ) : null}
              {view.status === 'failed' ? (
                <div className="rounded-lg border border-warn/40 bg-warn-soft p-4 text-sm">
                  <p className="font-medium">The job failed{view.reasonText ? `: ${view.reasonText}` : '.'}</p>
                  {view.detail ? <p className="mt-1 text-muted">{view.detail}</p> : null}
                  {view.guard ? <p className="mt-1 text-muted">The output guard made {describeFindings(view.guard.findings, view.guard.kinds)}. Open the results to see where.</p> : null}
                </div>
              ) : null}
            </div>
          ) : null}
        </NodeAnswer>
      )}

      {cancellable ? (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <button
            type="button"
            disabled={!wallet || !isBuyer || state.status === 'working'}
            onClick={() => void run('Cancelling the job', (w) => reclaimEscrow(browserPort(w), jobs, 'cancel'), 'Cancelled: the whole escrow is credited back to you').then(() => refetchStatus())}
            className={secondaryButton}
          >
            Cancel the job
          </button>
          <span className="text-muted">Possible until the provider accepts it; the whole escrow is credited back.</span>
        </div>
      ) : null}

      {final && view.status !== 'cancelled' ? (
        <div className="space-y-4 border-t border-line pt-6">
          <h3 className="text-base font-semibold">Results</h3>
          {results ? (
            <JobResultsView results={results} config={config} job={job} />
          ) : (
            <OpenResults
              about="The provider encrypted them to the key this browser made for the job."
              buyer={buyer}
              paidFor="job"
              isBuyer={isBuyer}
              disabled={!wallet || state.status === 'working'}
              onOpen={() =>
                void run('Opening the results', (w) => openJobResults(computePort(w), job, resultsInMemory, BigInt(startBlock)), 'Results decrypted and receipt verified').then((opened) => {
                  if (opened) setResults(opened);
                })
              }
            />
          )}
        </div>
      ) : null}
      <TransactionStatus state={state} />
    </section>
  );
}
