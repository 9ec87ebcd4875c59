'use client';
/**
 * One job of a federated training this browser paid for, after the training: every job of its run on-chain (its
 * dataset, its provider, settled, refunded or open), this job's session at its node (live, by the node's
 * Server-Sent Events: each attempt of each round, never a value), and what is left to do — take back the escrow
 * of the jobs still open after their deadline, or open this job's results (the final model and the round receipts
 * its node signed) with the key this browser kept.
 */
import { useEffect, type ReactNode } from 'react';
import { isAddressEqual } from 'viem';
import { amountOf, computePort, resultsInMemory, watchSession, type LocalJob } from '@/lib/client/compute';
import { browserPort } from '@/lib/client/port';
import { reclaimEscrow } from '@/lib/compute/actions/request';
import { openJobResults, readRun, type RunJobOnChain } from '@/lib/compute/actions/results';
import type { PublicSessionView } from '@/lib/compute/provider/federated/session';
import { JobStatus } from '@/lib/compute/settlement';
import { TableScroller } from '@/components/dataset/section';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { useChainRead } from '@/components/wallet/use-chain-read';
import { Facts } from './facts';
import { anyOpen, attemptCells, deadlineText, federatedRun, MODEL_OUTPUT, onChainText, refundable, sessionFacts } from './federated-status';
import { JobResultsView, useOpenedResults } from './job-results';
import { secondaryButton } from './styles';
import { JobHeading, NodeAnswer, OpenResults } from './node-answer';
import { useFollow } from './use-follow';

/**
 * The run of `job` on-chain when it is a federated training, null when it is not, undefined while it is read. A run
 * the chain does not have (a job of another deployment) counts as not federated: its tracker says what is wrong.
 */
export function useFederatedRun(job: LocalJob, startBlock: string): readonly RunJobOnChain[] | null | undefined {
  // One payment is one run: the jobs of a training share the read.
  const { data, isError } = useChainRead(['run', job.computeMarket, job.txHash], (client) => readRun(client, job.computeMarket, job.jobId, BigInt(startBlock)));
  if (isError) return null;
  return data && (federatedRun(data, job.jobId) ?? null);
}

function Attempts({ rounds }: { rounds: PublicSessionView['rounds'] }) {
  if (rounds.length === 0) return <p className="text-sm text-muted">No round has run at this node yet.</p>;
  return (
    <TableScroller label="Rounds at its node">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Each attempt of each round at this job’s node</caption>
        <thead className="text-xs text-muted">
          <tr>
            {['Round', 'Outcome', 'Took part', 'Released', 'Wall time'].map((label) => (
              <th key={label} scope="col" className="py-1 pr-3 font-medium">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {rounds.map((entry) => {
            const cells = attemptCells(entry);
            return (
              <tr key={`${entry.round}-${entry.attempt}`}>
                <th scope="row" className="py-2 pr-3 font-medium tabular-nums">
                  {cells.round}
                </th>
                <td className={`py-2 pr-3 ${entry.outcome === 'failed' ? 'text-warn' : ''}`}>{cells.outcome}</td>
                <td className="py-2 pr-3">{cells.participants}</td>
                <td className="py-2 pr-3 tabular-nums">{cells.bytes}</td>
                <td className="py-2 tabular-nums">{cells.wall}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroller>
  );
}

export function FederatedJobView({ job, run: read, startBlock, onNew }: { job: LocalJob; run: readonly RunJobOnChain[]; startBlock: string; onNew: () => void }) {
  const { market, address, wallet, state, run: act } = useBrowserWallet();
  const { view, reconnecting, refused } = useFollow(watchSession, job);
  const [results, setResults] = useOpenedResults();
  // The run again with the chain's clock, until every job of it is closed: the refund is the chain's to allow.
  const { data: live, refetch } = useChainRead(
    ['federated-run', job.computeMarket, job.jobId],
    async (client) => {
      const [run, block] = await Promise.all([readRun(client, job.computeMarket, job.jobId, BigInt(startBlock)), client.getBlock()]);
      return { run, now: block.timestamp };
    },
    (data) => (data === undefined || anyOpen(data.run) ? 3_000 : false),
  );
  const run = live?.run ?? read;
  const own = run.find((j) => j.jobId === job.jobId)!;
  const finished = view?.status === 'finished' || own.status === JobStatus.Settled;

  // The session ends once its job settled or closed: the chain is read again now rather than at the next poll.
  useEffect(() => {
    if (view && view.status !== 'open' && view.status !== 'publishing') void refetch();
  }, [view, refetch]);

  if (!market) return null;
  const config = market.config;
  const amount = (value: bigint) => amountOf(config, value);
  const isBuyer = address !== undefined && isAddressEqual(address, job.job.buyer);
  const overdue = live ? refundable(live.run, live.now) : [];
  const facts: [string, ReactNode][] = [
    [
      `Jobs of the run (${run.length}, a provider each)`,
      <span key="jobs" className="block space-y-1">
        {run.map((j) => (
          <span key={j.jobId.toString()} className="block">
            #{j.jobId.toString()} · dataset #{j.job.datasetId.toString()} on provider #{j.job.providerId.toString()}
            {j.jobId === job.jobId ? <span className="text-muted"> (this job)</span> : null}: <span className="text-muted">{live ? onChainText(j, live.now, amount) : 'reading…'}</span>
          </span>
        ))}
      </span>,
    ],
    ['Local step', job.algorithm],
    ['This job’s node', `Provider #${job.job.providerId} · ${job.endpoint}`],
    ['Paid into escrow', `${amount(run.reduce((sum, j) => sum + j.escrow, 0n))} for the run, up to ${job.job.maxMinutes} min on each provider`],
    ['Refundable if unsettled after', deadlineText(own)],
  ];

  return (
    <section aria-labelledby="federated-job-title" className="space-y-6 rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <JobHeading
        id="federated-job-title"
        title={`Job #${job.jobId} · federated training`}
        {...(view ? { status: view.status } : {})}
        tone={view?.status === 'finished' ? 'ok' : !view || view.status === 'open' || view.status === 'publishing' ? 'neutral' : 'warn'}
        onNew={onNew}
      />

      <Facts facts={facts} />

      {overdue.length > 0 ? (
        <div className="space-y-2 rounded-lg border border-warn/40 bg-warn-soft p-4 text-sm">
          <p className="font-medium">
            {overdue.length === 1 ? `Job #${overdue[0]!.jobId} is` : `Jobs #${overdue.map((j) => j.jobId).join(', #')} are`} still open past the deadline, unsettled: the whole escrow can come back to you.
          </p>
          <button
            type="button"
            disabled={!wallet || !isBuyer || state.status === 'working'}
            onClick={() => void act('Refunding', (w) => reclaimEscrow(browserPort(w), overdue, 'refund'), 'Refunded: the whole escrow is credited back to you').then(() => refetch())}
            className={secondaryButton}
          >
            Take the escrow back
          </button>
        </div>
      ) : null}

      <section aria-labelledby="federated-session-title" className="space-y-3">
        <h3 id="federated-session-title" className="text-base font-semibold">
          At its node
        </h3>
        <NodeAnswer refused={refused} answered={view !== null}>
          {view ? (
            <div className="space-y-4" aria-live="polite">
              <Facts facts={sessionFacts(view)} />
              {reconnecting ? (
                <p role="status" className="text-sm text-warn">
                  The provider stopped answering; reconnecting.
                </p>
              ) : null}
              <Attempts rounds={view.rounds} />
            </div>
          ) : null}
        </NodeAnswer>
      </section>

      {finished ? (
        <section aria-labelledby="federated-results-title" className="space-y-4 border-t border-line pt-6">
          <h3 id="federated-results-title" className="text-base font-semibold">
            Results
          </h3>
          {results ? (
            <>
              {results.outputs.some((file) => file.path === MODEL_OUTPUT) ? null : (
                <p className="text-sm text-muted">The training was never finished: its node settled the updates it released before the deadline, with its round receipts (rounds.json) and no final model.</p>
              )}
              <JobResultsView results={results} config={config} job={job} federated />
            </>
          ) : (
            <OpenResults
              about="The final model and the round receipts this node signed, encrypted to the key this browser made for the training."
              buyer={job.job.buyer}
              paidFor="training"
              isBuyer={isBuyer}
              disabled={!wallet || state.status === 'working'}
              onOpen={() =>
                void act('Opening the results', (w) => openJobResults(computePort(w), job, resultsInMemory, BigInt(startBlock), { federated: true }), 'Results decrypted and receipt verified').then((opened) => {
                  if (opened) setResults(opened);
                })
              }
            />
          )}
        </section>
      ) : null}
      <TransactionStatus state={state} />
    </section>
  );
}
