'use client';
/**
 * Federated training in the page: the form (./federated-form.tsx) until every provider has joined, then this page
 * is the aggregator — it drives the rounds through the SDK (trainFederated) and lists each one as it completes
 * (who took part, the bytes each provider released, its wall time, a provider that dropped out) beside a chart of
 * the rounds, and at the end offers the final model, which every remaining provider settled its job with.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { amountOf, ComputeJobError, computePort, resultsInMemory, type OpenedJob, type ReleasedFile } from '@/lib/client/compute';
import { trainFederated, type FederatedJob, type FederatedRun, type FederatedStep, type FederatedTraining, type RoundOutcome } from '@/lib/compute/actions/federated';
import { openJobResults } from '@/lib/compute/actions/results';
import { modelFile } from '@/lib/federated';
import type { ResultKey } from '@/lib/compute/results';
import { BarChart } from '@/components/charts/bar-chart';
import { formatDateTime } from '@/components/dataset/format';
import { TableScroller } from '@/components/dataset/section';
import { TxLink } from '@/components/tx/tx-link';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { useBrowserWallet, type ActionState } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import { Facts } from './facts';
import { planText, roundCells, roundsChart } from './federated-choice';
import { FederatedForm } from './federated-form';
import { MODEL_OUTPUT } from './federated-status';
import { PublishModel } from './publish-model';
import type { DatasetList, ProviderOption } from './options';
import { chip, primaryButton, secondaryButton } from './styles';

interface Training {
  run: FederatedRun<ResultKey>;
  rounds: RoundOutcome[];
  /** What the aggregator does now, in words. */
  now: string;
  finished: FederatedTraining | null;
}

const NOW: Record<FederatedStep, string> = {
  quote: 'Checking the prices',
  pay: 'Paying',
  join: 'Joining the providers',
  round: 'Training',
  finish: 'Sending the final model: each provider puts it among its outputs and settles its job',
};

const weight = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

function Rounds({ rounds, planned }: { rounds: RoundOutcome[]; planned: number }) {
  const chart = roundsChart(rounds);
  return (
    <div className="space-y-5">
      <TableScroller label="Rounds">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Rounds completed</caption>
          <thead className="text-xs text-muted">
            <tr>
              <th scope="col" className="py-1 pr-3 font-medium">
                Round
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                Took part
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                Released
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                Wall time
              </th>
              <th scope="col" className="py-1 font-medium">
                Dropped out
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {rounds.map((round) => {
              const cells = roundCells(round);
              return (
                <tr key={round.round}>
                  <th scope="row" className="py-2 pr-3 font-medium tabular-nums">
                    {cells.round}
                  </th>
                  <td className="py-2 pr-3">{cells.participants}</td>
                  <td className="py-2 pr-3 tabular-nums">{cells.bytes}</td>
                  <td className="py-2 pr-3 tabular-nums">{cells.wall}</td>
                  <td className={`py-2 ${round.dropped.length > 0 ? 'text-warn' : 'text-muted'}`}>{cells.dropped}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroller>
      {rounds.length === 0 ? <p className="text-sm text-muted">No round has completed yet: each provider trains on its own dataset, then the masked updates are summed here.</p> : null}
      <BarChart title={chart.title} data={chart.bars} formatValue={chart.format} empty={`The chart fills in as the ${planned} rounds complete`} />
    </div>
  );
}

/**
 * "Publish this model": every settled job's results opened in the page (each at its own provider, decrypted with
 * the run's key and checked against its receipt and the chain), then the publish form, which proves the model file
 * among each job's outputs and registers it as derived from every dataset through its own job.
 */
function PublishTrained({ run, settled, startBlock }: { run: FederatedRun<ResultKey>; settled: FederatedJob[]; startBlock: string }) {
  const { wallet, state, run: act } = useBrowserWallet();
  const [opened, setOpened] = useState<{ jobs: OpenedJob[]; file: ReleasedFile } | null>(null);
  if (opened) return <PublishModel jobs={opened.jobs} file={opened.file} onCancel={() => setOpened(null)} />;

  async function open() {
    const found = await act(
      'Opening each provider’s results',
      async (w) => {
        const port = computePort(w);
        const jobs: OpenedJob[] = [];
        // One after the other: each asks the wallet to sign in to its provider.
        for (const { jobId, job, endpoint } of settled) {
          const results = await openJobResults(port, { jobId, endpoint, chainId: run.chainId, computeMarket: run.computeMarket, resultKey: run.resultKey }, resultsInMemory, BigInt(startBlock), { federated: true });
          jobs.push({ jobId, job, results });
        }
        const file = jobs[0]!.results.outputs.find((output) => output.path === MODEL_OUTPUT);
        if (!file) throw new ComputeJobError(`job ${jobs[0]!.jobId} released no ${MODEL_OUTPUT}`, 'its provider settled without the final model: there is nothing to publish from it');
        return { jobs, file };
      },
      'Every provider’s results decrypted and receipt verified',
    );
    if (found) setOpened(found);
  }

  return (
    <div className="space-y-2">
      <button type="button" disabled={!wallet || state.status === 'working'} onClick={() => void open()} className={primaryButton}>
        Publish this model
      </button>
      <p className="text-sm text-muted">As a model derived from {settled.map((job) => `dataset #${job.datasetId} (job ${job.jobId})`).join(' and ')}: each sale pays every dataset’s owner the share its licence sets.</p>
      <TransactionStatus state={state} />
    </div>
  );
}

function FinalModel({ run, training: { model, rounds, dropped, droppedFinished, stopped }, startBlock, config }: { run: FederatedRun<ResultKey>; training: FederatedTraining; startBlock: string; config: Parameters<typeof amountOf>[0] }) {
  const href = useMemo(() => URL.createObjectURL(new Blob([modelFile(model)], { type: 'application/json' })), [model]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  const settled = run.jobs.filter((job) => !dropped.includes(job));
  return (
    <section aria-labelledby="federated-model-title" className="space-y-3 border-t border-line pt-6">
      <h3 id="federated-model-title" className="text-base font-semibold">
        The final model
      </h3>
      {stopped ? <p className="text-sm text-warn">The training stopped before its last round ({stopped}): this is the model of the last round completed.</p> : null}
      <p className="text-sm text-muted">
        {model.length} weights, as the local step reads them: a flat JSON array.{' '}
        {settled.length > 0 ? `Job${settled.length === 1 ? '' : 's'} ${settled.map((job) => `#${job.jobId}`).join(', ')} settled on-chain with it among ${settled.length === 1 ? 'its' : 'their'} outputs.` : 'No job settled with it.'}
      </p>
      <p className="rounded-lg bg-background p-3 font-mono text-xs break-all">[{Array.from(model, (w) => weight.format(w)).join(', ')}]</p>
      <a href={href} download="federated-model.json" className={`${secondaryButton} inline-block`}>
        Download the model (JSON)
      </a>
      {droppedFinished.map((job) => (
        <p key={job.jobId.toString()} className="text-sm text-muted">
          Job #{job.jobId.toString()} (dataset #{job.datasetId.toString()}, provider #{job.providerId.toString()}) dropped out after taking part in a round: it was finished with this model and settled.
        </p>
      ))}
      {dropped.map((job) => (
        <p key={job.jobId.toString()} className="text-sm text-warn">
          Job #{job.jobId.toString()} (dataset #{job.datasetId.toString()}, provider #{job.providerId.toString()}) dropped out: nothing was paid for it, and its escrow ({amountOf(config, job.job.dataFee + BigInt(job.job.maxMinutes) * job.job.pricePerMinute)}) comes back by refund after {formatDateTime(new Date(Number(job.job.deadline) * 1000))}
          {rounds.some((round) => round.participants.includes(job.providerId)) ? ', unless its node is back before then: it settles the updates it released itself' : ''}.
        </p>
      ))}
      {settled.length > 0 ? <PublishTrained run={run} settled={settled} startBlock={startBlock} /> : null}
    </section>
  );
}

function TrainingView({ training, state, startBlock, onNew }: { training: Training; state: ActionState; startBlock: string; onNew: () => void }) {
  const market = useMarket();
  if (!market) return null;
  const { run, rounds, finished } = training;
  const failed = state.status === 'failed' && !finished;
  const facts: [string, ReactNode][] = [
    [
      'Datasets',
      <span key="jobs" className="block space-y-1">
        {run.jobs.map((job) => (
          <span key={job.jobId.toString()} className="block">
            #{job.datasetId.toString()} on provider #{job.providerId.toString()} <span className="text-muted">(job {job.jobId.toString()})</span>
          </span>
        ))}
      </span>,
    ],
    ['Plan', planText(run.plan)],
    ['Paid into escrow', <span key="escrow">{amountOf(market.config, run.escrow)} · <TxLink hash={run.txHash} /></span>],
    ['Plan hash', <span key="hash" className="font-mono text-xs break-all">{run.jobs[0]!.job.algorithmHash}</span>],
  ];
  const status = finished ? (finished.stopped ? 'stopped early' : 'finished') : failed ? 'failed' : 'training';
  return (
    <section aria-labelledby="federated-title" className="space-y-6 rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="federated-title" className="flex flex-wrap items-center gap-3 text-lg font-semibold tracking-tight">
          Federated training, jobs #{run.jobs.map((job) => job.jobId.toString()).join(', #')}
          <span className={`${chip} ${finished ? 'border-ok/40 text-ok' : failed ? 'border-warn/40 text-warn' : ''}`}>{status}</span>
        </h2>
        {finished || failed ? (
          <button type="button" onClick={onNew} className={secondaryButton}>
            Start another training
          </button>
        ) : null}
      </div>
      <Facts facts={facts} />
      {!finished && !failed ? (
        <p role="status" aria-live="polite" className="text-sm font-medium motion-safe:animate-pulse">
          {training.now}… Keep this page open: it sums the providers’ updates.
        </p>
      ) : null}
      <section aria-labelledby="federated-rounds-title" className="space-y-3">
        <h3 id="federated-rounds-title" className="text-base font-semibold">
          Rounds <span className="font-normal text-muted">({rounds.length} of {run.plan.rounds})</span>
        </h3>
        <Rounds rounds={rounds} planned={run.plan.rounds} />
      </section>
      {failed ? <p className="text-sm text-muted">The training stopped. Jobs whose provider did not settle come back by refund after their deadline ({formatDateTime(new Date(Number(run.jobs[0]!.job.deadline) * 1000))}).</p> : null}
      <TransactionStatus state={state} />
      {finished ? <FinalModel run={run} training={finished} startBlock={startBlock} config={market.config} /> : null}
    </section>
  );
}

export function FederatedTrainer({ providers, datasets, startBlock, preselectedDataset, onJobsKept }: { providers: ProviderOption[]; datasets: DatasetList; startBlock: string; preselectedDataset: string; onJobsKept: () => void }) {
  const { run: act, state } = useBrowserWallet();
  const [training, setTraining] = useState<Training | null>(null);
  const going = training !== null && training.finished === null;

  // Closing the page mid-training stops it: the browser asks first.
  useEffect(() => {
    if (!going) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [going]);

  async function train(paid: FederatedRun<ResultKey>) {
    const update = (patch: (current: Training) => Partial<Training>) => setTraining((current) => (current && current.run === paid ? { ...current, ...patch(current) } : current));
    setTraining({ run: paid, rounds: [], now: NOW.round, finished: null });
    onJobsKept();
    const trained = await act(
      'Training',
      (wallet) =>
        trainFederated(computePort(wallet), paid, {
          onStep: (step, detail) => update(() => ({ now: step === 'round' && detail ? `Training ${detail}` : NOW[step] })),
          onRound: (outcome) => update((current) => ({ rounds: [...current.rounds, outcome] })),
        }),
      'The training is over: the final model is below',
    );
    if (trained) update(() => ({ finished: trained }));
  }

  if (!training) return <FederatedForm providers={providers} datasets={datasets} preselectedDataset={preselectedDataset} onStarted={(paid) => void train(paid)} />;
  return <TrainingView training={training} state={state} startBlock={startBlock} onNew={() => setTraining(null)} />;
}
