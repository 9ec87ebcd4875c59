'use client';
/**
 * A new compute job: the dataset, or several run together on one provider, what runs on them (one of the
 * provider's analysis templates with its parameters picked from the columns they all publish, or, where every
 * dataset's policy allows, the buyer's own algorithm), the environment of a provider every owner allows and the
 * minutes paid for, with each fee, the escrow and the release budget read from ComputeMarket as the choice changes;
 * then one button pays it and sends the algorithm (a template's file, fetched from the node) to the provider.
 */
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { algorithmFile, computePort, type LocalJob } from '@/lib/client/compute';
import { ownedDataset } from '@/lib/client/owner';
import { fetchTemplate, fetchTemplates, requestJob, sendAlgorithm, type AlgorithmFile, type RequestStep } from '@/lib/compute/actions/request';
import { Section } from '@/components/dataset/section';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { describeFailure, useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import type { AlgorithmPolicy } from '@/lib/compute/policy';
import { DatasetPicker } from './dataset-picker';
import { Estimate } from './estimate';
import type { DatasetList, ProviderOption } from './options';
import { PaySteps } from './pay-steps';
import { firstEnvironment, ProviderChoices, useAllowedProviders } from './provider-choices';
import { choiceCard, field, primaryButton, secondaryButton } from './styles';
import { TemplateChoice } from './template-fields';
import { EMPTY_FIELDS } from './template-params';
import { chosenDatasets, choiceOf, linkedDatasets, paramsOf, problemsOf, sharedColumns, strictestPolicy, type Form, type Kind, type Problems } from './job-choice';

const DEFAULT_MINUTES = '10';

const STEPS: { step: RequestStep; label: string }[] = [
  { step: 'quote', label: 'Check the price and your balance' },
  { step: 'pay', label: 'Approve the stablecoin and pay the escrow' },
  { step: 'submit', label: 'Sign in to the provider and send the algorithm' },
];

/** What the job commits to and sends: the buyer's file, or the template's as its node serves it (with an evaluate job's model). */
async function algorithmOf(form: Form, endpoint: string): Promise<AlgorithmFile> {
  if (form.kind === 'algorithm') return algorithmFile(form.file!);
  const { template, model } = form.templated;
  const file = await fetchTemplate(endpoint, template);
  return model && template === 'evaluate' ? { ...file, model: new Uint8Array(await model.arrayBuffer()) } : file;
}

function FieldProblem({ id, problem }: { id: string; problem: string | undefined }) {
  return problem ? (
    <p id={id} className="mt-1 text-sm text-warn">
      {problem}
    </p>
  ) : null;
}

/** "dataset #3" or "datasets #3, #10". */
const named = (ids: readonly string[]) => (ids.length === 1 ? `dataset #${ids[0]}` : `datasets ${ids.map((id) => `#${id}`).join(', ')}`);

/** Template or own code: the latter only where every dataset's policy runs code other than its providers' templates. */
function KindChoice({ datasetIds, failed, policy, strictest, kind, onChange }: { datasetIds: string[] | null; failed: { id: string; error: unknown } | null; policy: AlgorithmPolicy | null; strictest: string | undefined; kind: Kind | null; onChange: (kind: Kind) => void }) {
  if (datasetIds === null) return <p className="text-sm text-muted">Choose a dataset first: its owner’s policy says what may run on it.</p>;
  if (failed) {
    const failure = describeFailure(failed.error);
    return (
      <p role="alert" className="text-sm text-warn">
        The description of dataset #{failed.id} cannot be read: {failure.message}
      </p>
    );
  }
  if (policy === null) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading what {named(datasetIds)} run{datasetIds.length === 1 ? 's' : ''}…
      </p>
    );
  }
  const several = datasetIds.length > 1;
  if (policy === 'templates') {
    return (
      <p className="text-sm text-muted">
        The owner of dataset #{strictest} runs only its providers’ analysis templates{several ? ', so the job runs one on every dataset' : ''}: choose one and its parameters; no code of yours runs on the data.
      </p>
    );
  }
  const options: [Kind, string, string][] = [
    ['template', 'Analysis template', 'A fixed analysis with parameters: aggregates, histograms, correlations, models.'],
    ['algorithm', 'Your own algorithm', policy === 'approved' ? `Your code, once the owner of dataset #${strictest} approves its hash.` : `Your code, under the output guard and the ${several ? 'datasets’ byte budgets' : 'dataset’s byte budget'}.`],
  ];
  return (
    <fieldset>
      <legend className="sr-only">What runs</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {options.map(([value, title, words]) => (
          <label key={value} className={choiceCard}>
            <input type="radio" name="kind" value={value} checked={kind === value} onChange={() => onChange(value)} className="mt-1 accent-brand" />
            <span>
              <span className="font-medium">{title}</span>
              <span className="mt-1 block text-xs text-muted">{words}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function JobForm({ providers, datasets, preselectedDataset, onStarted }: { providers: ProviderOption[]; datasets: DatasetList; preselectedDataset: string; onStarted: (job: LocalJob) => void }) {
  const { market, address, isConnected, wrongChain, wallet, state, run } = useBrowserWallet();
  const { openConnectModal } = useConnectModal();
  const [chosen, setChosen] = useState<Form>({
    datasetIds: linkedDatasets(preselectedDataset),
    kind: null,
    file: null,
    params: '',
    templated: { template: '', fields: EMPTY_FIELDS, raw: null, model: null },
    environment: '',
    minutes: DEFAULT_MINUTES,
    aiTraining: false,
  });
  const [shown, setShown] = useState<Problems>({});
  const [step, setStep] = useState<RequestStep | null>(null);
  // A job paid whose algorithm did not reach the provider: sending it again needs no new payment.
  const [paid, setPaid] = useState<LocalJob | null>(null);
  const datasetIds = chosenDatasets(chosen);
  const allowed = useAllowedProviders(datasetIds, providers);
  const offered = allowed.data ?? [];
  // The environment chosen while its provider is offered for the datasets; else the first one offered.
  const stillOffered = offered.some((p) => p.environments.some((env) => `${p.id}:${env.index}` === chosen.environment));
  const environment = stillOffered ? chosen.environment : firstEnvironment(offered);
  const endpoint = offered.find((p) => p.id === environment.split(':')[0])?.endpoint;
  // Each dataset's signed document: its compute policy and the columns a template's parameters name.
  const documents = useQueries({
    queries: (datasetIds ?? []).map((id) => ({ queryKey: ['dataset-document', id], queryFn: async () => (await ownedDataset(BigInt(id))).document, retry: false })),
  });
  const failedAt = documents.findIndex((document) => document.error);
  const failed = failedAt === -1 ? null : { id: datasetIds![failedAt]!, error: documents[failedAt]!.error };
  const read = datasetIds !== null && documents.every((document) => document.data) ? documents.map((document) => document.data!) : null;
  const policy = read ? strictestPolicy(read) : null;
  const strictest = read ? datasetIds![read.findIndex((document) => strictestPolicy([document]) === policy)] : undefined;
  const columns = read ? sharedColumns(read) : [];
  const kind: Kind | null = policy === null ? null : policy === 'templates' ? 'template' : (chosen.kind ?? 'algorithm');
  const templates = useQuery({ queryKey: ['provider-templates', endpoint], queryFn: () => fetchTemplates(endpoint!), enabled: endpoint !== undefined && kind === 'template', retry: false, staleTime: Infinity });
  if (!market) return null;
  const form: Form = { ...chosen, kind, environment };
  const { problems, templateIssues } = problemsOf(form);
  const choice = choiceOf(form, problems);
  const working = state.status === 'working';
  const update = (patch: Partial<Form>) => {
    setChosen({ ...form, ...patch });
    setShown({});
  };
  const describedBy = (name: keyof Problems) => (shown[name] ? `${name}-problem` : undefined);

  async function pay() {
    if (Object.keys(problems).length > 0 || !choice || !endpoint) {
      setShown(problems);
      return;
    }
    const params = paramsOf(form);
    setPaid(null);
    const job = await run(
      'Paying for the job',
      async (w) =>
        requestJob(computePort(w), choice, await algorithmOf(form, endpoint), params, (next, { job: paidJob }) => {
          setStep(next);
          if (paidJob) setPaid(paidJob);
        }),
      'The provider has your algorithm',
    );
    if (job) onStarted(job);
  }

  async function sendAgain(job: LocalJob) {
    const sent = await run('Sending the algorithm again', async (w) => sendAlgorithm(computePort(w), job, await algorithmOf(form, job.endpoint)), 'The provider has your algorithm');
    if (sent) onStarted(sent);
  }

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void pay();
      }}
      className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem] lg:items-start"
    >
      <div className="min-w-0 space-y-6">
        <Section id="job-dataset" title="1. Datasets" intro="Datasets that take compute jobs: compute-only data, or data with a compute price, with an active provider. Several run as one job on a provider all their owners allow, each owner paid its own fee.">
          <DatasetPicker initial={datasets} preselected={linkedDatasets(preselectedDataset)} selectedIds={form.datasetIds} onChange={(ids) => update({ datasetIds: ids })} />
          <FieldProblem id="datasetId-problem" problem={shown.datasetId} />
        </Section>

        <Section
          id="job-algorithm"
          title="2. What runs"
          intro="One of the provider’s analysis templates, its parameters picked from the columns the dataset publishes; or, where the dataset’s owner allows it, your own code."
        >
          <div className="space-y-4">
            <KindChoice datasetIds={datasetIds} failed={failed} policy={policy} strictest={strictest} kind={kind} onChange={(next) => update({ kind: next })} />
            {kind === 'template' ? (
              endpoint === undefined ? (
                <p className="text-sm text-muted">The templates come from the provider chosen below.</p>
              ) : (
                <TemplateChoice
                  templates={templates}
                  columns={columns}
                  value={form.templated}
                  onChange={(patch) => update({ templated: { ...form.templated, ...patch } })}
                  problems={shown.template ? templateIssues : undefined}
                  modelProblem={shown.model}
                />
              )
            ) : null}
            {kind === 'template' && shown.template && templateIssues.length === 0 ? <FieldProblem id="template-problem" problem={shown.template} /> : null}
            {kind === 'algorithm' ? (
              <>
                <p className="text-sm text-muted">
                  Python runs with numpy, pandas, scikit-learn and matplotlib; Node.js with its standard library. The dataset is at /data/inputs/&lt;dataset id&gt;/0, its description (an Ocean DDO) at /data/ddos/&lt;dataset id&gt;, your parameters at /data/inputs/algoCustomData.json; write results to /data/outputs. There is no network.
                </p>
                <label className="block text-sm font-medium">
                  Algorithm file (.py, .js)
                  <input
                    type="file"
                    accept=".py,.js,.mjs,.cjs"
                    aria-invalid={shown.file ? true : undefined}
                    aria-describedby={describedBy('file')}
                    onChange={(event) => update({ file: event.target.files?.[0] ?? null })}
                    className="mt-1 block w-full text-sm file:mr-3 file:rounded-lg file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:font-semibold file:text-ink"
                  />
                </label>
                <FieldProblem id="file-problem" problem={shown.file} />
                <label className="block text-sm font-medium">
                  Parameters (JSON, optional)
                  <textarea
                    value={form.params}
                    onChange={(event) => update({ params: event.target.value })}
                    rows={3}
                    spellCheck={false}
                    placeholder='{"target": "alert"}'
                    aria-invalid={shown.params ? true : undefined}
                    aria-describedby={describedBy('params')}
                    className={`${field} mt-1 w-full font-mono`}
                  />
                </label>
                <FieldProblem id="params-problem" problem={shown.params} />
              </>
            ) : null}
          </div>
        </Section>

        <Section id="job-environment" title="3. Provider and time" intro="A node the dataset’s owner allows runs the job next to the data: its hardware and price per minute. The job stops when its minutes run out.">
          <fieldset>
            <legend className="sr-only">Provider and environment</legend>
            <ProviderChoices datasetIds={datasetIds} registered={providers.length} allowed={allowed} value={form.environment} onChange={(environment) => update({ environment })} />
          </fieldset>
          <FieldProblem id="environment-problem" problem={shown.environment} />
          <div className="mt-4 flex flex-wrap items-end gap-x-6 gap-y-3">
            <label className="block text-sm font-medium">
              Minutes at most
              <input
                inputMode="numeric"
                value={form.minutes}
                onChange={(event) => update({ minutes: event.target.value.trim() })}
                aria-invalid={shown.minutes ? true : undefined}
                aria-describedby={describedBy('minutes')}
                className={`${field} mt-1 block w-28`}
              />
            </label>
            <label className="flex items-center gap-2 pb-2 text-sm">
              <input type="checkbox" checked={form.aiTraining} onChange={(event) => update({ aiTraining: event.target.checked })} className="accent-brand" />
              The job trains an AI model
            </label>
          </div>
          <FieldProblem id="minutes-problem" problem={shown.minutes} />
        </Section>
      </div>

      <aside aria-labelledby="job-pay-title" className="space-y-4 rounded-xl border border-line bg-surface p-5 shadow-sm lg:sticky lg:top-6">
        <h2 id="job-pay-title" className="text-lg font-semibold tracking-tight">
          Price and payment
        </h2>
        <Estimate choice={choice} address={address} />
        <p className="rounded-lg bg-brand-soft p-3 text-xs text-ink">
          A key made in this page opens the results, and stays in this browser: open them here, in this browser, with the account that pays.
        </p>
        {!isConnected ? (
          <div className="space-y-2 text-sm">
            <p className="font-medium">Connect your wallet</p>
            <p className="text-muted">It pays the escrow and signs you in to the provider.</p>
            <button type="button" onClick={openConnectModal} disabled={!openConnectModal} className={`${primaryButton} w-full`}>
              Connect wallet
            </button>
          </div>
        ) : wrongChain ? (
          <p role="alert" className="text-sm text-warn">
            Switch your wallet to {market.config.chainName} to pay.
          </p>
        ) : (
          <button type="submit" disabled={!wallet || working || offered.length === 0} className={`${primaryButton} w-full`}>
            {working ? 'Working…' : 'Pay and run the job'}
          </button>
        )}
        <PaySteps steps={STEPS} step={step} show={working || state.status === 'failed'} invalid={Object.keys(shown).length > 0} />
        <TransactionStatus state={state} />
        {paid && state.status === 'failed' && (form.kind === 'template' || form.file) ? (
          <div className="space-y-2 rounded-lg border border-line p-3 text-sm">
            <p>
              Job #{paid.jobId.toString()} is paid, but its provider did not get the algorithm. Send it again: no new payment is needed.
            </p>
            <div className="flex flex-wrap gap-2">
              <button type="button" disabled={!wallet} onClick={() => void sendAgain(paid)} className={secondaryButton}>
                Send the algorithm again
              </button>
              <button type="button" onClick={() => onStarted(paid)} className={secondaryButton}>
                Open job #{paid.jobId.toString()}
              </button>
            </div>
          </div>
        ) : null}
      </aside>
    </form>
  );
}
