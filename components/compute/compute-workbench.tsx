'use client';
/**
 * The compute page in the browser: the form for a new job or for federated training (?mode=federated), or the job
 * being followed (a job of a federated training at its session), and the jobs this browser requested before (only
 * here can their results be opened). The job shown is in the URL (?job=N), so a reload comes back to it. A
 * federated training lives in this page (it is the aggregator), so once opened it stays mounted while another part
 * is shown.
 */
import { useEffect, useState } from 'react';
import { localJobs, type LocalJob } from '@/lib/client/compute';
import { jobsOf } from '@/lib/compute/actions/request';
import { formatDateTime } from '@/components/dataset/format';
import { describeFailure } from '@/components/wallet/use-browser-wallet';
import { useMarket } from '@/components/wallet/market-context';
import { FederatedJobView, useFederatedRun } from './federated-job';
import { FederatedTrainer } from './federated-training';
import { JobForm } from './job-form';
import { JobTracker } from './job-tracker';
import type { DatasetList, ProviderOption } from './options';
import { secondaryButton } from './styles';

export interface ComputeWorkbenchProps {
  providers: ProviderOption[];
  datasets: DatasetList;
  startBlock: string;
  /** From the page's URL: the dataset (or datasets, `3,10`) to preselect, the job to show, `federated` for training across providers. */
  dataset: string;
  job: string;
  mode: string;
}

type Mode = 'job' | 'federated';

function showInUrl(job: LocalJob | null): void {
  const url = new URL(window.location.href);
  if (job) url.searchParams.set('job', job.jobId.toString());
  else url.searchParams.delete('job');
  window.history.replaceState(null, '', url);
}

function modeInUrl(mode: Mode): void {
  const url = new URL(window.location.href);
  if (mode === 'federated') url.searchParams.set('mode', mode);
  else url.searchParams.delete('mode');
  window.history.replaceState(null, '', url);
}

const MODES: [Mode, string][] = [
  ['job', 'One job'],
  ['federated', 'Federated training'],
];

function ModeSwitch({ mode, onChange }: { mode: Mode; onChange: (mode: Mode) => void }) {
  return (
    <div role="group" aria-label="What to run" className="inline-flex max-w-full rounded-lg border border-line bg-surface p-1 text-sm">
      {MODES.map(([value, label]) => (
        <button key={value} type="button" aria-pressed={mode === value} onClick={() => onChange(value)} className={`rounded-md px-3 py-1.5 font-semibold transition ${mode === value ? 'bg-brand text-brand-ink' : 'text-muted hover:text-ink'}`}>
          {label}
        </button>
      ))}
    </div>
  );
}

function LocalJobRow({ job, startBlock, shown, onShow }: { job: LocalJob; startBlock: string; shown: boolean; onShow: (job: LocalJob) => void }) {
  const federated = useFederatedRun(job, startBlock);
  const what = federated
    ? `federated training · dataset #${job.job.datasetId} on provider #${job.job.providerId}`
    : `${job.linked?.length ? 'datasets' : 'dataset'} ${jobsOf(job).map((j) => `#${j.job.datasetId}`).join(', ')}`;
  return (
    <li className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 py-3 text-sm">
      <span className="min-w-0">
        <span className="font-medium">Job #{job.jobId.toString()}</span>
        <span className="text-muted">
          {' '}
          · {what} · {job.algorithm} · {formatDateTime(new Date(job.requestedAt))}
        </span>
      </span>
      {shown ? (
        <span className="text-xs font-medium text-muted">Shown above</span>
      ) : (
        <button type="button" onClick={() => onShow(job)} className={secondaryButton}>
          Show<span className="sr-only"> job {job.jobId.toString()}</span>
        </button>
      )}
    </li>
  );
}

function LocalJobs({ jobs, startBlock, current, onShow }: { jobs: LocalJob[]; startBlock: string; current: LocalJob | null; onShow: (job: LocalJob) => void }) {
  return (
    <section aria-labelledby="local-jobs-title" className="rounded-xl border border-line bg-surface p-5 shadow-sm sm:p-6">
      <h2 id="local-jobs-title" className="text-lg font-semibold tracking-tight">
        Jobs requested in this browser
      </h2>
      <p className="mt-1 text-sm text-muted">Their result keys live in this browser’s storage: clearing the site’s data loses them, and no other browser can open these results.</p>
      <ul className="mt-4 divide-y divide-line">
        {jobs.map((job) => (
          <LocalJobRow key={job.jobId.toString()} job={job} startBlock={startBlock} shown={current?.jobId === job.jobId} onShow={onShow} />
        ))}
      </ul>
    </section>
  );
}

/** The job shown: a job of a federated training at its session, any other by its tracker; its run is read first to tell. */
function ShownJob({ job, startBlock, onChanged, onNew }: { job: LocalJob; startBlock: string; onChanged: (job: LocalJob) => void; onNew: () => void }) {
  const federated = useFederatedRun(job, startBlock);
  if (federated === undefined) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading job #{job.jobId.toString()} on-chain…
      </p>
    );
  }
  if (federated) return <FederatedJobView job={job} run={federated} startBlock={startBlock} onNew={onNew} />;
  return <JobTracker job={job} startBlock={startBlock} onChanged={onChanged} onNew={onNew} />;
}

export function ComputeWorkbench({ providers, datasets, startBlock, dataset, job: jobInUrl, mode: modeParam }: ComputeWorkbenchProps) {
  const market = useMarket();
  const [jobs, setJobs] = useState<LocalJob[] | null>(null);
  const [storageFailure, setStorageFailure] = useState<string | null>(null);
  const [current, setCurrent] = useState<LocalJob | null>(null);
  const [missing, setMissing] = useState(false);
  const [mode, setMode] = useState<Mode>(modeParam === 'federated' ? 'federated' : 'job');
  // Mounted once asked for, then kept while other parts show: a training in progress lives in it.
  const [federatedShown, setFederatedShown] = useState(mode === 'federated');
  const config = market?.config;

  useEffect(() => {
    if (!config) return;
    localJobs(config).then(
      (found) => {
        setJobs(found);
        if (!jobInUrl) return;
        const shown = found.find((j) => j.jobId.toString() === jobInUrl) ?? null;
        setCurrent(shown);
        setMissing(shown === null);
      },
      (error: unknown) => setStorageFailure(describeFailure(error).message),
    );
  }, [config, jobInUrl]);

  if (!config) return <p className="text-muted">The market is not deployed yet: start it with `npm start`.</p>;

  const show = (job: LocalJob | null) => {
    setCurrent(job);
    setMissing(false);
    showInUrl(job);
    window.scrollTo({ top: 0 });
  };
  const choose = (next: Mode) => {
    setMode(next);
    if (next === 'federated') setFederatedShown(true);
    modeInUrl(next);
  };
  // A federated run keeps its jobs itself (one per dataset): the list is read again.
  const reread = () => void localJobs(config).then(setJobs, (error: unknown) => setStorageFailure(describeFailure(error).message));
  const remember = (job: LocalJob) => {
    setJobs((list) => [job, ...(list ?? []).filter((j) => j.jobId !== job.jobId)]);
    show(job);
  };

  if (jobInUrl && jobs === null && !storageFailure) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading the jobs this browser requested…
      </p>
    );
  }

  return (
    <div className="space-y-6">
      {storageFailure ? (
        <p role="alert" className="rounded-xl border border-warn/40 bg-warn-soft p-4 text-sm">
          This browser does not let the page keep job keys ({storageFailure}): a job paid here could not have its results opened. Allow this site to store data, or use the CLI.
        </p>
      ) : null}
      {missing ? (
        <p role="status" className="rounded-xl border border-warn/40 bg-warn-soft p-4 text-sm">
          Job #{jobInUrl} was not requested in this browser, so its results cannot be opened here: they are encrypted to a key kept where the job was paid for.
        </p>
      ) : null}
      {current ? (
        <ShownJob key={current.jobId.toString()} job={current} startBlock={startBlock} onChanged={remember} onNew={() => show(null)} />
      ) : (
        <ModeSwitch mode={mode} onChange={choose} />
      )}
      {!current && mode === 'job' ? <JobForm providers={providers} datasets={datasets} preselectedDataset={dataset} onStarted={remember} /> : null}
      {federatedShown ? (
        <div hidden={current !== null || mode !== 'federated'}>
          <FederatedTrainer providers={providers} datasets={datasets} startBlock={startBlock} preselectedDataset={dataset} onJobsKept={reread} />
        </div>
      ) : null}
      {jobs && jobs.length > 0 ? <LocalJobs jobs={jobs} startBlock={startBlock} current={current} onShow={show} /> : null}
    </div>
  );
}
