'use client';
/**
 * A new compute job: the dataset, what runs on it (one of the provider's analysis templates with its parameters
 * picked from the dataset's columns, or, where the dataset's policy allows, the buyer's own algorithm), the
 * environment of a provider the dataset's owner allows and the minutes paid for, with the escrow and the release
 * budget read from ComputeMarket as the choice changes; then one button pays it and sends the algorithm (a
 * template's file, fetched from the node) to the provider.
 */
import { useConnectModal } from '@rainbow-me/rainbowkit';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { algorithmFile, computePort, type JobChoice, type LocalJob } from '@/lib/client/compute';
import { ownedDataset } from '@/lib/client/owner';
import { fetchTemplate, fetchTemplates, requestJob, sendAlgorithm, type AlgorithmFile, type RequestStep } from '@/lib/compute/actions/request';
import { MAX_ALGORITHM_BYTES, runtimeOf } from '@/lib/compute/algorithm';
import { policyOf, templateEpsilon } from '@/lib/compute/policy';
import { toMicroEpsilon } from '@/lib/privacy';
import { Section } from '@/components/dataset/section';
import { TransactionStatus } from '@/components/wallet/transaction-status';
import { describeFailure, useBrowserWallet } from '@/components/wallet/use-browser-wallet';
import { DatasetPicker } from './dataset-picker';
import { Estimate } from './estimate';
import type { DatasetList, ProviderOption } from './options';
import { firstEnvironment, ProviderChoices, useAllowedProviders } from './provider-choices';
import { choiceCard, field, primaryButton, secondaryButton } from './styles';
import { TemplateChoice, type TemplateFormValue } from './template-fields';
import { EMPTY_FIELDS, templateParams, templateProblems } from './template-params';

const DEFAULT_MINUTES = '10';
/** ComputeMarket keeps maxMinutes in a uint32. */
const MAX_MINUTES = 2 ** 32 - 1;

const STEPS: { step: RequestStep; label: string }[] = [
  { step: 'quote', label: 'Check the price and your balance' },
  { step: 'pay', label: 'Approve the stablecoin and pay the escrow' },
  { step: 'submit', label: 'Sign in to the provider and send the algorithm' },
];

type Kind = 'template' | 'algorithm';

interface Form {
  datasetId: string;
  /** What runs: null until the buyer picks, and then the dataset's policy picks (a template where only templates run). */
  kind: Kind | null;
  file: File | null;
  params: string;
  templated: TemplateFormValue;
  /** `providerId:environment`. */
  environment: string;
  minutes: string;
  aiTraining: boolean;
}

/** The chosen dataset's id, or null while none (or no valid one) is. */
const datasetIdOf = (form: Pick<Form, 'datasetId'>): string | null => (/^[1-9]\d{0,19}$/.test(form.datasetId) ? form.datasetId : null);

type Problems = Partial<Record<'datasetId' | 'kind' | 'file' | 'params' | 'template' | 'model' | 'environment' | 'minutes', string>>;

/** A template's parameters as the form makes them (the JSON box wins over the fields), or why they are not JSON. */
function templateInput({ template, fields, raw }: TemplateFormValue): { params: unknown } | { notJson: string } {
  if (raw === null) return { params: template ? templateParams(template, fields) : {} };
  try {
    return { params: JSON.parse(raw) as unknown };
  } catch (error) {
    return { notJson: `Not JSON: ${(error as Error).message}` };
  }
}

/** The problems of the form, with each of the template's parameters in its schema's words. */
function problemsOf(form: Form & { kind: Kind | null }): { problems: Problems; templateIssues: string[] } {
  const problems: Problems = {};
  let templateIssues: string[] = [];
  if (!datasetIdOf(form)) problems.datasetId = 'Choose a dataset.';
  if (form.kind === null) problems.kind = 'Wait for the dataset’s compute policy.';
  if (form.kind === 'algorithm') {
    if (!form.file) problems.file = 'Choose the algorithm file.';
    else if (!runtimeOf(form.file.name)) problems.file = 'Providers run Python (.py) and Node.js (.js, .mjs, .cjs) files only.';
    else if (form.file.size > MAX_ALGORITHM_BYTES) problems.file = `Providers accept algorithms up to ${MAX_ALGORITHM_BYTES / 2 ** 20} MiB.`;
    if (form.params.trim()) {
      try {
        JSON.parse(form.params);
      } catch (error) {
        problems.params = `Not JSON: ${(error as Error).message}`;
      }
    }
  }
  if (form.kind === 'template') {
    const { template, model } = form.templated;
    const input = templateInput(form.templated);
    if (!template) problems.template = 'Choose a template.';
    else if ('notJson' in input) templateIssues = [input.notJson];
    else templateIssues = templateProblems(template, input.params);
    if (templateIssues.length > 0) problems.template = 'The template’s parameters are not ones it takes: see above.';
    if (template === 'evaluate' && !model) problems.model = 'Choose the model file to evaluate.';
    else if (template === 'evaluate' && model && model.size > MAX_ALGORITHM_BYTES) problems.model = `Providers accept models up to ${MAX_ALGORITHM_BYTES / 2 ** 20} MiB.`;
  }
  if (!form.environment) problems.environment = 'Choose where the job runs.';
  const minutes = Number(form.minutes);
  if (!/^\d+$/.test(form.minutes) || minutes < 1 || minutes > MAX_MINUTES) problems.minutes = 'Give a whole number of minutes, at least 1.';
  return { problems, templateIssues };
}

/** The parameters the job sends: the template's, or the algorithm's JSON. Only once problemsOf finds none. */
function paramsOf(form: Form): unknown {
  if (form.kind === 'template') return (templateInput(form.templated) as { params: unknown }).params;
  return form.params.trim() ? (JSON.parse(form.params) as unknown) : {};
}

/** The form's choice as the chain takes it, or null while a part of it is missing or invalid; a template job reserves its ε. */
function choiceOf(form: Form, problems: Problems): JobChoice | null {
  if (problems.datasetId || problems.environment || problems.minutes || problems.kind) return null;
  const [providerId, environment] = form.environment.split(':');
  const base = { datasetId: BigInt(form.datasetId), providerId: BigInt(providerId!), environment: Number(environment), maxMinutes: Number(form.minutes), aiTraining: form.aiTraining };
  if (form.kind !== 'template' || problems.template) return base;
  return { ...base, epsilon: toMicroEpsilon(templateEpsilon(paramsOf(form))) };
}

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

/** Template or own code: the latter only where the dataset's policy runs code other than its providers' templates. */
function KindChoice({ datasetId, dataset, policy, kind, onChange }: { datasetId: string | null; dataset: { isPending: boolean; error: unknown }; policy: string | null; kind: Kind | null; onChange: (kind: Kind) => void }) {
  if (datasetId === null) return <p className="text-sm text-muted">Choose a dataset first: its owner’s policy says what may run on it.</p>;
  if (dataset.error) {
    const failure = describeFailure(dataset.error);
    return (
      <p role="alert" className="text-sm text-warn">
        The description of dataset #{datasetId} cannot be read: {failure.message}
      </p>
    );
  }
  if (policy === null) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading what dataset #{datasetId} runs…
      </p>
    );
  }
  if (policy === 'templates') return <p className="text-sm text-muted">The owner of dataset #{datasetId} runs only its providers’ analysis templates: choose one and its parameters; no code of yours runs on the data.</p>;
  const options: [Kind, string, string][] = [
    ['template', 'Analysis template', 'A fixed analysis with parameters: aggregates, histograms, correlations, models.'],
    ['algorithm', 'Your own algorithm', policy === 'approved' ? 'Your code, once the dataset’s owner approves its hash.' : 'Your code, under the output guard and the dataset’s byte budget.'],
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
    datasetId: preselectedDataset,
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
  const datasetId = datasetIdOf(chosen);
  const allowed = useAllowedProviders(datasetId, providers);
  const offered = allowed.data ?? [];
  // The environment chosen while its provider is offered for the dataset; else the first one offered.
  const stillOffered = offered.some((p) => p.environments.some((env) => `${p.id}:${env.index}` === chosen.environment));
  const environment = stillOffered ? chosen.environment : firstEnvironment(offered);
  const endpoint = offered.find((p) => p.id === environment.split(':')[0])?.endpoint;
  // The dataset's signed document: its compute policy and the columns a template's parameters name.
  const dataset = useQuery({ queryKey: ['dataset-document', datasetId], queryFn: async () => (await ownedDataset(BigInt(datasetId!))).document, enabled: datasetId !== null, retry: false });
  const policy = dataset.data ? policyOf(dataset.data) : null;
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
        requestJob(computePort(w), choice, await algorithmOf(form, endpoint), params, (next, paidJob) => {
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
        <Section id="job-dataset" title="1. Dataset" intro="Datasets that take compute jobs: compute-only data, or data with a compute price, with an active provider.">
          <DatasetPicker initial={datasets} preselected={preselectedDataset} selectedId={form.datasetId} onSelect={(datasetId) => update({ datasetId })} />
          <FieldProblem id="datasetId-problem" problem={shown.datasetId} />
        </Section>

        <Section
          id="job-algorithm"
          title="2. What runs"
          intro="One of the provider’s analysis templates, its parameters picked from the columns the dataset publishes; or, where the dataset’s owner allows it, your own code."
        >
          <div className="space-y-4">
            <KindChoice datasetId={datasetId} dataset={dataset} policy={policy} kind={kind} onChange={(next) => update({ kind: next })} />
            {kind === 'template' ? (
              endpoint === undefined ? (
                <p className="text-sm text-muted">The templates come from the provider chosen below.</p>
              ) : (
                <TemplateChoice
                  templates={templates}
                  columns={dataset.data?.columns ?? []}
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
            <ProviderChoices datasetId={datasetId} registered={providers.length} allowed={allowed} value={form.environment} onChange={(environment) => update({ environment })} />
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
        {Object.keys(shown).length > 0 ? (
          <p role="alert" className="text-sm text-warn">
            Some choices are missing or invalid: see above.
          </p>
        ) : null}
        {step && (working || state.status === 'failed') ? (
          <ol className="space-y-1 text-sm">
            {STEPS.map(({ step: s, label }, i) => {
              const at = STEPS.findIndex((entry) => entry.step === step);
              return (
                <li key={s} aria-current={s === step ? 'step' : undefined} className={i < at ? 'text-ok' : s === step ? 'font-medium text-ink' : 'text-muted'}>
                  {i < at ? '✓' : `${i + 1}.`} {label}
                </li>
              );
            })}
          </ol>
        ) : null}
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
